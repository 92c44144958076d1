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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.BatchSettings;
import org.hipforge.llmsim.ProviderQuirks;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both Batch API clients against the simulator's batch endpoints over loopback HTTP: every method,
 * the batch state machine (in progress, ended, cancelled, expired, line errors), answers equal to
 * the synchronous ones, bodies byte for byte the synchronous bodies, and the synchronous client's
 * key and redirect rules.
 */
class BatchApiLoopbackTest {
  private static final String KEY = "sk-batch-test-0123456789abcdefghijKLMN";

  /**
   * The most a test waits for a batch of a few lines due in well under a second: a hang guard only.
   */
  private static final long HANG_GUARD_MS = 30_000;

  private static ProviderConfig config(Api api, String baseUrl) {
    return ProviderConfig.of(
        "batch-" + api.name().toLowerCase(Locale.ROOT),
        api,
        baseUrl,
        api == Api.OPENAI ? "gpt-4o-mini" : "claude-3-5-haiku-20241022",
        "HIPFORGE_BATCH_TEST_KEY");
  }

  /** The Batch API of wire format {@code kind} against {@code llm}, with the test's key. */
  private static BatchApi api(Api kind, SimulatedLlmServer llm) {
    return BatchApi.forProvider(config(kind, llm.baseUrl()), KEY);
  }

  private static SimulatedLlmServer server(BatchSettings batch) throws IOException {
    return SimulatedLlmServer.start(SimulatorConfig.defaults().withBatch(batch));
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

  private static List<BatchLine> lines(BatchApi api, int n) throws IOException {
    List<BatchLine> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(new BatchLine("task-" + i, api.body(task(i))));
    }
    return lines;
  }

  private static String submit(BatchApi api, List<BatchLine> lines) throws IOException {
    String file = api.uploadInput(lines);
    return api.create(file, lines);
  }

  private static BatchStatus awaitEnd(BatchApi api, String id) throws Exception {
    long deadline = System.currentTimeMillis() + HANG_GUARD_MS;
    while (true) {
      BatchStatus s = api.status(id);
      if (s.state().terminal() || System.currentTimeMillis() > deadline) {
        return s;
      }
      Thread.sleep(20);
    }
  }

  private static Map<String, BatchOutcome> results(BatchApi api, String id) throws IOException {
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

  @ParameterizedTest
  @EnumSource(Api.class)
  void aBatchRunsFromInProgressToEndedAndEachLineGetsTheSynchronousAnswerBilledOnce(Api kind)
      throws Exception {
    try (SimulatedLlmServer llm = server(BatchSettings.defaults().withDelayMs(300));
        BatchApi api = api(kind, llm)) {
      List<BatchLine> lines = lines(api, 5);
      String file = api.uploadInput(lines);
      assertThat(file == null, is(kind == Api.ANTHROPIC));
      String id = api.create(file, lines);

      BatchStatus ended = awaitEnd(api, id);
      assertThat(ended.state(), is(BatchStatus.State.ENDED));
      assertThat(ended.id(), is(id));
      assertThat(ended.total(), is(5));
      assertThat(ended.succeeded(), is(5));
      assertThat(ended.errored() + ended.expiredOrCanceled() + ended.processing(), is(0));
      assertThat(ended.createdAt(), notNullValue());
      assertThat(ended.endedAt(), notNullValue());

      Map<String, BatchOutcome> outcomes = results(api, id);
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
      results(api, id);
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
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aBatchIsInProgressUntilItsDelayAndACancelEndsItCancelledWithNothingBilled(Api kind)
      throws Exception {
    try (SimulatedLlmServer llm = server(BatchSettings.defaults().withDelayMs(600_000));
        BatchApi api = api(kind, llm)) {
      String id = submit(api, lines(api, 3));
      BatchStatus running = api.status(id);
      assertThat(running.state(), is(BatchStatus.State.IN_PROGRESS));
      assertThat(running.processing(), is(kind == Api.ANTHROPIC ? 3 : 3));
      assertThat(running.endedAt(), nullValue());
      IllegalStateException early =
          assertThrows(IllegalStateException.class, () -> api.readResults(id, o -> {}));
      assertThat(early.getMessage(), containsString("no results"));

      api.cancel(id);
      BatchStatus cancelled = awaitEnd(api, id);
      assertThat(cancelled.state(), is(BatchStatus.State.CANCELLED));
      assertThat(cancelled.succeeded(), is(0));
      assertThat(cancelled.expiredOrCanceled(), is(3));
      Map<String, BatchOutcome> outcomes = results(api, id);
      assertThat(outcomes.size(), is(3));
      for (BatchOutcome o : outcomes.values()) {
        assertThat(o.paid(), is(false));
        assertThat(o.errorCategory(), is(BatchOutcome.CANCELED));
      }
      assertThat(llm.batchLinesAnswered(), is(0L));
      assertThat(llm.batchCalls().get("cancel"), is(1L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void expiredLinesComeBackExpiredAndUnbilledWhileTheOthersAreAnswered(Api kind) throws Exception {
    try (SimulatedLlmServer llm =
            server(BatchSettings.defaults().withDelayMs(50).withExpireRate(0.5));
        BatchApi api = api(kind, llm)) {
      String id = submit(api, lines(api, 20));
      BatchStatus end = awaitEnd(api, id);
      assertThat(end.state(), is(BatchStatus.State.EXPIRED));
      Map<String, BatchOutcome> outcomes = results(api, id);
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
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aLineThatFailsComesBackWithTheSynchronousCategoryOfItsStatus(Api kind) throws Exception {
    try (SimulatedLlmServer llm =
            server(BatchSettings.defaults().withDelayMs(0).withLineErrorRate(1.0));
        BatchApi api = api(kind, llm)) {
      String id = submit(api, lines(api, 4));
      BatchStatus end = awaitEnd(api, id);
      assertThat(end.state(), is(BatchStatus.State.ENDED));
      assertThat(end.errored(), is(4));
      for (BatchOutcome o : results(api, id).values()) {
        assertThat(o.paid(), is(false));
        assertThat(o.errorCategory(), is(ErrorCategory.SERVER_ERROR.label()));
        assertThat(o.errorMessage(), containsString("HTTP 500"));
        assertThat(o.retryable(), is(true));
      }
      assertThat(llm.batchLinesAnswered(), is(0L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aRefusedAnswerInABatchIsPaidWithItsTokensAndTheSynchronousCategory(Api kind)
      throws Exception {
    SimulatorConfig refusing =
        SimulatorConfig.defaults()
            .withBatch(BatchSettings.defaults().withDelayMs(0))
            .withAnswerRate(SimulatorConfig.Answer.REFUSAL, 1.0);
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(refusing);
        BatchApi api = api(kind, llm)) {
      String id = submit(api, lines(api, 2));
      awaitEnd(api, id);
      for (BatchOutcome o : results(api, id).values()) {
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
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void theBodyOfEveryBatchLineIsByteForByteTheSynchronousRequestBody(Api kind) throws Exception {
    ChatRequest tricky =
        new ChatRequest(
                "System \"quoted\" \\ with \u00e4 and \u2028",
                "__global__ void k(float* x) { /* \u00fc\u6f22 \t tab */ x[0] = 1.0f; }\n\"end\"")
            .withMaxTokens(777);
    AtomicReference<byte[]> syncBody = new AtomicReference<>();
    HttpServer recorder =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 8);
    recorder.createContext(
        "/",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            syncBody.set(in.readAllBytes());
          }
          byte[] no = "{}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(500, no.length);
          ex.getResponseBody().write(no);
          ex.close();
        });
    recorder.start();
    try (SimulatedLlmServer llm = server(BatchSettings.defaults().withDelayMs(0));
        BatchApi api = api(kind, llm);
        LlmClient sync =
            LlmClient.create(
                config(kind, "http://127.0.0.1:" + recorder.getAddress().getPort() + "/v1"), KEY)) {
      assertThrows(LlmException.class, () -> sync.complete(tricky));
      List<BatchLine> lines =
          List.of(
              new BatchLine("tricky-1", api.body(tricky)),
              new BatchLine("plain-2", api.body(task(2))));
      String id = submit(api, lines);
      byte[] sent = llm.batchLineBodies(id).get("tricky-1");
      assertThat(sent, notNullValue());
      assertArrayEquals(syncBody.get(), sent);
      assertArrayEquals(lines.get(1).body(), llm.batchLineBodies(id).get("plain-2"));
      BatchStatus end = awaitEnd(api, id);
      assertThat(end.succeeded(), is(2));
    } finally {
      recorder.stop(0);
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aRejectedKeyIsAnAuthErrorThatStopsTheRunAndNeverShowsTheKey(Api kind) throws Exception {
    String wrong = "sk-wrong-key-9876543210zyxwvutsrqpONML";
    try (SimulatedLlmServer llm =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey(KEY));
        BatchApi api = BatchApi.forProvider(config(kind, llm.baseUrl()), wrong)) {
      List<BatchLine> lines = lines(api, 1);
      BatchApiException e = assertThrows(BatchApiException.class, () -> submit(api, lines));
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
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aRedirectIsNeverFollowedAndIsAnEndpointError(Api kind) throws Exception {
    try (SimulatedLlmServer target = server(BatchSettings.defaults());
        SimulatedLlmServer llm =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults()
                    .withQuirks(
                        ProviderQuirks.none()
                            .withRedirectTo("http://127.0.0.1:" + target.port())));
        BatchApi api = api(kind, llm)) {
      List<BatchLine> lines = lines(api, 1);
      BatchApiException e = assertThrows(BatchApiException.class, () -> submit(api, lines));
      assertThat(e.getCause().category(), is(ErrorCategory.ENDPOINT));
      assertThat(e.getMessage(), containsString("do not follow redirects"));
      assertThat(target.totalRequests(), is(0L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void anUnknownBatchIdIsA404EndpointErrorNamingTheRequest(Api kind) throws Exception {
    try (SimulatedLlmServer llm = server(BatchSettings.defaults());
        BatchApi api = api(kind, llm)) {
      BatchApiException e =
          assertThrows(BatchApiException.class, () -> api.status("batch_unknown123"));
      assertThat(e.getMessage(), e.getCause().http().status(), is(404));
      assertThat(e.getCause().category(), is(ErrorCategory.ENDPOINT));
      assertThat(e.getMessage(), containsString("batch_unknown123"));
      assertThrows(IllegalArgumentException.class, () -> api.status("../files/x"));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void theLimitsAreTheProvidersAndEncodedSizeIsExact(Api kind) throws Exception {
    try (SimulatedLlmServer llm = server(BatchSettings.defaults().withDelayMs(0));
        BatchApi api = api(kind, llm)) {
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
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aDuplicateCustomIdIsRefusedAsEachProviderDoes(Api kind) throws Exception {
    try (SimulatedLlmServer llm = server(BatchSettings.defaults().withDelayMs(0));
        BatchApi api = api(kind, llm)) {
      List<BatchLine> twice =
          List.of(
              new BatchLine("same", api.body(task(1))), new BatchLine("same", api.body(task(2))));
      if (kind == Api.OPENAI) {
        // OpenAI creates the batch and fails it in validation.
        String id = submit(api, twice);
        BatchStatus failed = api.status(id);
        assertThat(failed.state(), is(BatchStatus.State.FAILED));
        assertThat(failed.error(), containsString("duplicate_custom_id"));
        assertThrows(IllegalStateException.class, () -> api.readResults(id, o -> {}));
      } else {
        BatchApiException e = assertThrows(BatchApiException.class, () -> submit(api, twice));
        assertThat(e.getCause().category(), is(ErrorCategory.BAD_REQUEST));
        assertThat(e.getMessage(), containsString("unique"));
      }
      assertThat(llm.batchLinesAnswered(), is(0L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void pastTheSpendCapANewBatchIsAQuotaErrorWhileTheBatchesBeforeItWereAnswered(Api kind)
      throws Exception {
    try (SimulatedLlmServer llm =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults()
                    .withQuotaAfter(3)
                    .withBatch(BatchSettings.defaults().withDelayMs(0)));
        BatchApi api = api(kind, llm)) {
      String first = submit(api, lines(api, 3));
      assertThat(awaitEnd(api, first).succeeded(), is(3));
      List<BatchLine> more = lines(api, 1);
      BatchApiException e =
          assertThrows(BatchApiException.class, () -> api.create(api.uploadInput(more), more));
      assertThat(e.getCause().category(), is(ErrorCategory.QUOTA));
      assertThat(e.getCause().category().runStop(false), notNullValue());
      assertThat(llm.batchesCreated(), is(1L));
    }
  }
}
