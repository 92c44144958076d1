package org.hipforge.io.llm.batch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmClient;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.LoopbackProviders;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.BatchSettings;
import org.hipforge.llmsim.ProviderQuirks;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both Batch API clients against the simulator's batch endpoints over loopback HTTP: every method,
 * the batch state machine (in progress, ended, cancelled, expired, line errors), answers equal to
 * the synchronous ones, bodies byte for byte the synchronous bodies, and the synchronous client's
 * key and redirect rules. Every test runs once per wire format.
 */
@ParameterizedClass
@EnumSource(Api.class)
class BatchApiLoopbackTest {
  private static final String KEY = "sk-batch-test-0123456789abcdefghijKLMN";

  /**
   * The most a test waits for a batch of a few lines due in well under a second: a hang guard only.
   */
  private static final long HANG_GUARD_MS = 30_000;

  /** The wire format of this run of the tests. */
  @Parameter Api kind;

  /** The simulated provider of the running test, stopped after it. */
  @AutoClose private SimulatedLlmServer llm;

  /** The Batch API of wire format {@link #kind} against {@link #llm}, closed after the test. */
  @AutoClose private BatchApi api;

  private static ProviderConfig config(Api api, String baseUrl) {
    return ProviderConfig.of(
        "batch-" + api.name().toLowerCase(Locale.ROOT),
        api,
        baseUrl,
        api == Api.OPENAI ? "gpt-4o-mini" : "claude-3-5-haiku-20241022",
        "HIPFORGE_BATCH_TEST_KEY");
  }

  /** Starts {@link #llm} with {@code sim} and {@link #api} against it with the test's key. */
  private void start(SimulatorConfig sim) throws IOException {
    start(sim, KEY);
  }

  /** Starts {@link #llm} with {@code sim} and {@link #api} against it with {@code key}. */
  private void start(SimulatorConfig sim, String key) throws IOException {
    llm = SimulatedLlmServer.start(sim);
    api = BatchApi.forProvider(config(kind, llm.baseUrl()), key);
  }

  /** The simulator's defaults with these batch settings. */
  private static SimulatorConfig batched(BatchSettings batch) {
    return SimulatorConfig.defaults().withBatch(batch);
  }

  /**
   * Describe prompts (the simulator answers a prompt holding a __global__ kernel with a
   * description).
   */
  private static ChatRequest task(int i) {
    return new ChatRequest(
        "Describe the given HIP program as an instruction.",
        "__global__ void kernel" + i + "(float* x) { x[threadIdx.x] *= " + i + "; }");
  }

  private List<BatchLine> lines(int n) throws IOException {
    List<BatchLine> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(new BatchLine("task-" + i, api.body(task(i))));
    }
    return lines;
  }

  private String submit(List<BatchLine> lines) throws IOException {
    String file = api.uploadInput(lines);
    return api.create(file, lines);
  }

  /** Submits one describe line, which the provider must refuse; the refusal. */
  private BatchApiException submitRefused() throws IOException {
    List<BatchLine> one = lines(1);
    return assertThrows(BatchApiException.class, () -> submit(one));
  }

  private BatchStatus awaitEnd(String id) throws Exception {
    long deadline = System.currentTimeMillis() + HANG_GUARD_MS;
    while (true) {
      BatchStatus s = api.status(id);
      if (s.state().terminal() || System.currentTimeMillis() > deadline) {
        return s;
      }
      Thread.sleep(20);
    }
  }

  /** A batch's end: its last status and the outcome of each line by custom_id. */
  private record Ended(BatchStatus status, Map<String, BatchOutcome> outcomes) {}

  /** Submits {@code n} describe lines, waits for the batch to end and reads its results. */
  private Ended runToEnd(int n) throws Exception {
    String id = submit(lines(n));
    BatchStatus end = awaitEnd(id);
    return new Ended(end, results(id));
  }

  private Map<String, BatchOutcome> results(String id) throws IOException {
    Map<String, BatchOutcome> out = new LinkedHashMap<>();
    api.readResults(
        id,
        o -> {
          if (out.put(o.customId(), o) != null) {
            throw new AssertionError("custom_id " + o.customId() + " came twice");
          }
        });
    return out;
  }

  @Test
  void aBatchRunsFromInProgressToEndedAndEachLineGetsTheSynchronousAnswerBilledOnce()
      throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(300)));
    List<BatchLine> lines = lines(5);
    String file = api.uploadInput(lines);
    assertThat(file == null, is(kind == Api.ANTHROPIC));
    String id = api.create(file, lines);

    BatchStatus ended = awaitEnd(id);
    assertThat(ended.state(), is(BatchStatus.State.ENDED));
    assertThat(ended.id(), is(id));
    assertThat(ended.total(), is(5));
    assertThat(ended.succeeded(), is(5));
    assertThat(ended.errored() + ended.expiredOrCanceled() + ended.processing(), is(0));
    assertThat(ended.createdAt(), notNullValue());
    assertThat(ended.endedAt(), notNullValue());

    Map<String, BatchOutcome> outcomes = results(id);
    assertThat(
        outcomes.keySet(),
        is(
            new java.util.LinkedHashSet<>(
                List.of("task-0", "task-1", "task-2", "task-3", "task-4"))));
    assertThat(
        outcomes.values().stream().map(BatchOutcome::succeeded).toList(), everyItem(is(true)));
    assertThat(llm.batchLinesAnswered(), is(5L));
    assertThat(llm.batchesCreated(), is(1L));
    assertThat(llm.batchLinesSubmitted(), is(5L));
    assertThat(llm.batchCalls().get("create"), is(1L));
    assertThat(llm.batchCalls().get("upload"), is(kind == Api.OPENAI ? 1L : null));
    assertThat(llm.successCountsByPrompt().values(), everyItem(is(1L)));

    // Reading the results again bills nothing more.
    results(id);
    assertThat(llm.batchLinesAnswered(), is(5L));

    try (LlmClient sync = LlmClient.create(config(kind, llm.baseUrl()), KEY)) {
      for (int i = 0; i < 5; i++) {
        ChatResponse direct = sync.complete(task(i));
        ChatResponse batched = outcomes.get("task-" + i).response();
        assertThat(batched.text(), is(direct.text()));
        assertThat(batched.inputTokens(), is(direct.inputTokens()));
        assertThat(batched.outputTokens(), is(direct.outputTokens()));
        assertThat(batched.finishReason(), is(direct.finishReason()));
      }
    }
  }

  @Test
  void aBatchIsInProgressUntilItsDelayAndACancelEndsItCancelledWithNothingBilled()
      throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(600_000)));
    String id = submit(lines(3));
    BatchStatus running = api.status(id);
    assertThat(running.state(), is(BatchStatus.State.IN_PROGRESS));
    assertThat(running.processing(), is(kind == Api.ANTHROPIC ? 3 : 3));
    assertThat(running.endedAt(), nullValue());
    IllegalStateException early =
        assertThrows(IllegalStateException.class, () -> api.readResults(id, o -> {}));
    assertThat(early.getMessage(), containsString("no results"));

    api.cancel(id);
    BatchStatus cancelled = awaitEnd(id);
    assertThat(cancelled.state(), is(BatchStatus.State.CANCELLED));
    assertThat(cancelled.succeeded(), is(0));
    assertThat(cancelled.expiredOrCanceled(), is(3));
    Map<String, BatchOutcome> outcomes = results(id);
    assertThat(outcomes.size(), is(3));
    for (BatchOutcome o : outcomes.values()) {
      assertThat(o.paid(), is(false));
      assertThat(o.errorCategory(), is(BatchOutcome.CANCELED));
    }
    assertThat(llm.batchLinesAnswered(), is(0L));
    assertThat(llm.batchCalls().get("cancel"), is(1L));
  }

  @Test
  void expiredLinesComeBackExpiredAndUnbilledWhileTheOthersAreAnswered() throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(50).withExpireRate(0.5)));
    Ended ended = runToEnd(20);
    BatchStatus end = ended.status();
    assertThat(end.state(), is(BatchStatus.State.EXPIRED));
    Map<String, BatchOutcome> outcomes = ended.outcomes();
    long expired =
        outcomes.values().stream()
            .filter(o -> BatchOutcome.EXPIRED.equals(o.errorCategory()))
            .count();
    long answered = outcomes.values().stream().filter(BatchOutcome::succeeded).count();
    assertThat(outcomes.size(), is(20));
    assertThat(expired + answered, is(20L));
    assertThat(expired, greaterThan(0L));
    assertThat(expired, lessThan(20L));
    assertThat((long) end.succeeded(), is(answered));
    assertThat((long) end.expiredOrCanceled(), is(expired));
    assertThat(llm.batchLinesAnswered(), is(answered));
    outcomes.values().stream()
        .filter(o -> !o.succeeded())
        .forEach(o -> assertThat(o.response(), nullValue()));
  }

  @Test
  void aLineThatFailsComesBackWithTheSynchronousCategoryOfItsStatus() throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(0).withLineErrorRate(1.0)));
    Ended ended = runToEnd(4);
    assertThat(ended.status().state(), is(BatchStatus.State.ENDED));
    assertThat(ended.status().errored(), is(4));
    for (BatchOutcome o : ended.outcomes().values()) {
      assertThat(o.paid(), is(false));
      assertThat(o.errorCategory(), is(ErrorCategory.SERVER_ERROR.label()));
      assertThat(o.errorMessage(), containsString("HTTP 500"));
      assertThat(o.retryable(), is(true));
    }
    assertThat(llm.batchLinesAnswered(), is(0L));
  }

  @Test
  void aRefusedAnswerInABatchIsPaidWithItsTokensAndTheSynchronousCategory() throws Exception {
    start(
        batched(BatchSettings.defaults().withDelayMs(0))
            .withAnswerRate(SimulatorConfig.Answer.REFUSAL, 1.0));
    for (BatchOutcome o : runToEnd(2).outcomes().values()) {
      assertThat(o.paid(), is(true));
      assertThat(o.succeeded(), is(false));
      assertThat(o.errorCategory(), is(ErrorCategory.REFUSED.label()));
      assertThat(o.retryable(), is(false));
      assertThat(o.response().outputTokens(), greaterThan(0L));
    }
    try (LlmClient sync = LlmClient.create(config(kind, llm.baseUrl()), KEY)) {
      LlmException direct = assertThrows(LlmException.class, () -> sync.complete(task(0)));
      assertThat(direct.category(), is(ErrorCategory.REFUSED));
    }
  }

  @Test
  void theBodyOfEveryBatchLineIsByteForByteTheSynchronousRequestBody() throws Exception {
    ChatRequest tricky =
        new ChatRequest(
                "System \"quoted\" \\ with \u00e4 and \u2028",
                "__global__ void k(float* x) { /* \u00fc\u6f22 \t tab */ x[0] = 1.0f; }\n\"end\"")
            .withMaxTokens(777);
    AtomicReference<byte[]> syncBody = new AtomicReference<>();
    HttpServer recorder =
        LoopbackProviders.serve(
            ex -> {
              try (InputStream in = ex.getRequestBody()) {
                syncBody.set(in.readAllBytes());
              }
              LoopbackProviders.reply(ex, 500, "application/json", "{}");
            });
    start(batched(BatchSettings.defaults().withDelayMs(0)));
    try (LlmClient sync =
        LlmClient.create(config(kind, LoopbackProviders.baseUrl(recorder)), KEY)) {
      assertThrows(LlmException.class, () -> sync.complete(tricky));
      List<BatchLine> lines =
          List.of(
              new BatchLine("tricky-1", api.body(tricky)),
              new BatchLine("plain-2", api.body(task(2))));
      String id = submit(lines);
      byte[] sent = llm.batchLineBodies(id).get("tricky-1");
      assertThat(sent, notNullValue());
      assertArrayEquals(syncBody.get(), sent);
      assertArrayEquals(lines.get(1).body(), llm.batchLineBodies(id).get("plain-2"));
      BatchStatus end = awaitEnd(id);
      assertThat(end.succeeded(), is(2));
    } finally {
      recorder.stop(0);
    }
  }

  @Test
  void aRejectedKeyIsAnAuthErrorThatStopsTheRunAndNeverShowsTheKey() throws Exception {
    String wrong = "sk-wrong-key-9876543210zyxwvutsrqpONML";
    start(SimulatorConfig.defaults().withApiKey(KEY), wrong);
    BatchApiException e = submitRefused();
    assertThat(e.getCause().category(), is(ErrorCategory.AUTH));
    assertThat(e.getCause().category().runStop(false), notNullValue());
    assertThat(e.getCause().http().status(), is(401));
    assertThat(e.getMessage(), containsString("HIPFORGE_BATCH_TEST_KEY"));
    assertThat(e.getMessage(), not(containsString(wrong)));
    assertThat(e.getMessage(), not(containsString(wrong.substring(3, 20))));
    BatchApiException status =
        assertThrows(BatchApiException.class, () -> api.status("batch_nothing"));
    assertThat(status.getCause().category(), is(ErrorCategory.AUTH));
    assertThat(llm.batchesCreated(), is(0L));
  }

  @Test
  void aRedirectIsNeverFollowedAndIsAnEndpointError() throws Exception {
    try (SimulatedLlmServer target = SimulatedLlmServer.start(batched(BatchSettings.defaults()))) {
      start(
          SimulatorConfig.defaults()
              .withQuirks(
                  ProviderQuirks.none().withRedirectTo("http://127.0.0.1:" + target.port())));
      BatchApiException e = submitRefused();
      assertThat(e.getCause().category(), is(ErrorCategory.ENDPOINT));
      assertThat(e.getMessage(), containsString("do not follow redirects"));
      assertThat(target.totalRequests(), is(0L));
    }
  }

  @Test
  void anUnknownBatchIdIsA404EndpointErrorNamingTheRequest() throws Exception {
    start(batched(BatchSettings.defaults()));
    BatchApiException e =
        assertThrows(BatchApiException.class, () -> api.status("batch_unknown123"));
    assertThat(e.getMessage(), e.getCause().http().status(), is(404));
    assertThat(e.getCause().category(), is(ErrorCategory.ENDPOINT));
    assertThat(e.getMessage(), containsString("batch_unknown123"));
    assertThrows(IllegalArgumentException.class, () -> api.status("../files/x"));
  }

  @Test
  void theLimitsAreTheProvidersAndEncodedSizeIsExact() throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(0)));
    assertThat(api.maxRequests(), is(kind == Api.OPENAI ? 50_000 : 100_000));
    assertThat(api.maxBytes(), is(kind == Api.OPENAI ? 200_000_000L : 256L * 1024 * 1024));
    BatchLine line = new BatchLine("id-1", api.body(task(1)));
    String prefix =
        kind == Api.OPENAI
            ? "{\"custom_id\":\"id-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
            : "{\"custom_id\":\"id-1\",\"params\":";
    long expected = prefix.length() + line.body().length + (kind == Api.OPENAI ? 2 : 2);
    assertThat(api.encodedSize(line), is(expected));
  }

  @Test
  void aDuplicateCustomIdIsRefusedAsEachProviderDoes() throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(0)));
    List<BatchLine> twice =
        List.of(new BatchLine("same", api.body(task(1))), new BatchLine("same", api.body(task(2))));
    if (kind == Api.OPENAI) {
      // OpenAI creates the batch and fails it in validation.
      String id = submit(twice);
      BatchStatus failed = api.status(id);
      assertThat(failed.state(), is(BatchStatus.State.FAILED));
      assertThat(failed.error(), containsString("duplicate_custom_id"));
      assertThrows(IllegalStateException.class, () -> api.readResults(id, o -> {}));
    } else {
      BatchApiException e = assertThrows(BatchApiException.class, () -> submit(twice));
      assertThat(e.getCause().category(), is(ErrorCategory.BAD_REQUEST));
      assertThat(e.getMessage(), containsString("unique"));
    }
    assertThat(llm.batchLinesAnswered(), is(0L));
  }

  @Test
  void pastTheSpendCapANewBatchIsAQuotaErrorWhileTheBatchesBeforeItWereAnswered() throws Exception {
    start(batched(BatchSettings.defaults().withDelayMs(0)).withQuotaAfter(3));
    String first = submit(lines(3));
    assertThat(awaitEnd(first).succeeded(), is(3));
    BatchApiException e = submitRefused();
    assertThat(e.getCause().category(), is(ErrorCategory.QUOTA));
    assertThat(e.getCause().category().runStop(false), notNullValue());
    assertThat(llm.batchesCreated(), is(1L));
  }
}
