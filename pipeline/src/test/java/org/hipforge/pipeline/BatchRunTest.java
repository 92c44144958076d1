package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.batch.BatchApi;
import org.hipforge.io.llm.batch.BatchApiException;
import org.hipforge.io.llm.batch.BatchLine;
import org.hipforge.io.llm.batch.BatchOutcome;
import org.hipforge.io.llm.batch.BatchStatus;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.LlmTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batch driver's ledger rules, in-process against a fake Batch API that can fail at each step
 * (the stop of a killed run) and counts what it creates and bills; the rounds are a plain-Java
 * stand-in for the pipeline that collects every task not yet in the response cache. The same rules
 * over loopback HTTP with the simulator and real child JVMs: {@code BatchModeEndToEndTest}.
 */
class BatchRunTest {
  private static final WorkLayout.Step STEP = WorkLayout.Step.DESCRIBE;
  @TempDir Path tmp;
  private final ProviderConfig provider =
      ProviderConfig.of(
          "fake", ProviderConfig.Api.OPENAI, "http://127.0.0.1:9/v1", "fake-model", null);

  private Path work;
  private WorkLayout layout;
  private final FakeBatchApi api = new FakeBatchApi();

  @BeforeEach
  void workDir() {
    work = tmp.resolve("work");
    layout = new WorkLayout(work.toString());
  }

  @AfterEach
  void forgetCaches() {
    ResponseCache.clearLoaded();
  }

  /** A Batch API in memory: batches end at the first poll; it bills each line it answers. */
  static final class FakeBatchApi implements BatchApi {
    final Map<String, List<BatchLine>> files = new HashMap<>();
    final Map<String, List<BatchLine>> batches = new LinkedHashMap<>();
    final Map<String, Integer> billed = new HashMap<>();
    int uploads;
    int creates;
    int maxRequests = 50_000;

    /** The step that throws once (a stop at that point): upload, create, status, results. */
    String failOnceAt;

    /** Custom ids whose first answer is an error line (not billed). */
    Set<String> errorOnce = Set.of();

    /** Every line errors. */
    boolean errorAll;

    private final Map<String, Integer> errorsGiven = new HashMap<>();
    private final Set<String> answered = new java.util.HashSet<>();

    private void maybeFail(String step) throws IOException {
      if (step.equals(failOnceAt)) {
        failOnceAt = null;
        throw new BatchApiException(
            step, new LlmException(ErrorCategory.BAD_REQUEST, 400, -1, "stopped here"));
      }
    }

    @Override
    public byte[] body(ChatRequest request) {
      return (request.system() + "|" + request.user())
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String uploadInput(List<BatchLine> lines) throws IOException {
      maybeFail("upload");
      uploads++;
      String id = "file-" + uploads;
      files.put(id, lines);
      return id;
    }

    @Override
    public String create(String inputFileId, List<BatchLine> lines) throws IOException {
      maybeFail("create");
      assertThat("created from the uploaded file", files.get(inputFileId).size(), is(lines.size()));
      creates++;
      String id = "batch-" + creates;
      batches.put(id, lines);
      return id;
    }

    @Override
    public BatchStatus status(String batchId) throws IOException {
      maybeFail("status");
      int n = batches.get(batchId).size();
      return new BatchStatus(
          batchId, BatchStatus.State.ENDED, n, n, 0, 0, Instant.now(), Instant.now(), null);
    }

    @Override
    public void readResults(String batchId, Consumer<BatchOutcome> sink) throws IOException {
      List<BatchLine> lines = batches.get(batchId);
      for (int i = 0; i < lines.size(); i++) {
        if (i == lines.size() / 2) {
          maybeFail("results");
        }
        BatchLine l = lines.get(i);
        boolean error =
            errorAll
                || (errorOnce.contains(l.customId())
                    && errorsGiven.merge(l.customId(), 1, Integer::sum) == 1);
        if (error) {
          sink.accept(new BatchOutcome(l.customId(), null, BatchOutcome.EXPIRED, "expired"));
          continue;
        }
        if (answered.add(
            batchId
                + " "
                + l.customId())) { // a provider bills a line once, however often it is read
          billed.merge(l.customId(), 1, Integer::sum);
        }
        sink.accept(
            new BatchOutcome(
                l.customId(),
                new ChatResponse(
                    "Write a HIP kernel for line " + l.customId(), 100, 40, null, "stop", 0, 0),
                null,
                null));
      }
    }

    @Override
    public void cancel(String batchId) {}

    @Override
    public int maxRequests() {
      return maxRequests;
    }

    @Override
    public long maxBytes() {
      return 200_000_000L;
    }

    @Override
    public long encodedSize(BatchLine line) {
      return line.body().length + 100L;
    }

    @Override
    public void close() {}
  }

  private List<LlmTask> tasks(int n) {
    List<LlmTask> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ChatRequest r = new ChatRequest("describe", "kernel " + i);
      out.add(new LlmTask(i, "k" + i + ".hip", "sha" + i, r, Prompts.key(provider, r), null));
    }
    return out;
  }

  /** The pipeline's part in a round: every task whose prompt is not journaled yet is collected. */
  private BatchRun.Round collecting(List<LlmTask> tasks) {
    return (round, dir) -> {
      ResponseCache cache = ResponseCache.forGlob(layout.journalGlob(STEP));
      try (JournalWriter w = JournalWriter.open(dir)) {
        for (LlmTask t : tasks) {
          if (cache.get(t.promptSha256()) == null) {
            w.append(t.toJson());
          }
        }
      }
    };
  }

  private BatchRun run(String runId) throws IOException {
    return new BatchRun(
            BatchRun.Job.open(layout, STEP, provider, runId, api, new TestCorpus.Captured().out))
        .withSleeper(ms -> {});
  }

  /** Journal lines per prompt hash, over every run's journals. */
  private Map<String, Integer> journaledPerPrompt() throws IOException {
    Map<String, Integer> n = new HashMap<>();
    for (StateRecord r : TestCorpus.journaled(work, STEP)) {
      n.merge(r.promptSha256(), 1, Integer::sum);
    }
    return n;
  }

  @ParameterizedTest
  @ValueSource(strings = {"upload", "create", "status", "results"})
  void aRunStoppedAtAnyStepIsResumedWithoutCreatingABatchOrPayingAPromptTwice(String step)
      throws Exception {
    List<LlmTask> tasks = tasks(10);
    api.failOnceAt = step;
    assertThrows(RuntimeException.class, () -> run("run1").run(collecting(tasks)));

    BatchRun second = run("run2");
    assertThat(second.run(collecting(tasks)), is(0L));

    assertThat("batches created", api.creates, is(1));
    assertThat("uploads", api.uploads, is(1));
    for (int times : api.billed.values()) {
      assertThat("a prompt billed twice", times, is(1));
    }
    assertThat(api.billed.size(), is(10));
    Map<String, Integer> journaled = journaledPerPrompt();
    assertThat(journaled.size(), is(10));
    for (int times : journaled.values()) {
      assertThat("a prompt journaled twice", times, is(1));
    }
    BatchLedger ledger = BatchLedger.read(layout, STEP);
    assertThat(ledger.unfinished().size(), is(0));
    assertThat(ledger.entries().size(), is(1));
  }

  @Test
  void expiredLinesStayPendingAndAreSentAgainInASmallerBatch() throws Exception {
    List<LlmTask> tasks = tasks(6);
    api.errorOnce =
        Set.of(BatchPreparer.customId(tasks.get(1)), BatchPreparer.customId(tasks.get(4)));
    BatchRun run = run("run1");
    assertThat(run.run(collecting(tasks)), is(0L));
    assertThat(api.creates, is(2));
    assertThat(new ArrayList<>(api.batches.values()).get(1).size(), is(2));
    assertThat(journaledPerPrompt().size(), is(6));
    assertThat(run.summary(), containsString("expired=2"));
  }

  @Test
  void aRoundThatBringsNoAnswerEndsWithItsTasksPending() throws Exception {
    api.errorAll = true;
    assertThat(run("run1").run(collecting(tasks(4))), is(4L));
    assertThat(api.creates, is(1));
    assertThat(api.billed.size(), is(0));
  }

  @Test
  void promptsAreSplitAtTheProvidersRequestLimitAndSentOncePerPrompt() throws Exception {
    List<LlmTask> tasks = new ArrayList<>(tasks(7));
    tasks.add(
        new LlmTask(
            99, "copy.hip", "sha", tasks.get(0).request(), tasks.get(0).promptSha256(), null));
    api.maxRequests = 3;
    run("run1").run(collecting(tasks));
    assertThat(api.creates, is(3));
    assertThat(api.billed.size(), is(7)); // the copy shares task 0's prompt: one line for both
  }

  @Test
  void batchAnswersArePricedAtTheBatchDiscountInTheRunsLedger() throws Exception {
    run("run1").run(collecting(tasks(5)));
    ProviderConfig priced =
        ProviderConfig.fromJson(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(
                    "{\"p\": {\"base_url\": \"http://127.0.0.1:9/v1\", \"model\": \"m\", \"input_price_per_mtok\": 10, "
                        + "\"output_price_per_mtok\": 20}}"),
            "p",
            "test");
    RunLedger paid = RunLedger.read(layout, STEP, "run1");
    assertThat(paid.batchAnswers, is(5L));
    // 5 answers x (100 in, 40 out) = 500/200 tokens: $0.005 + $0.004 synchronous, half in batch.
    assertThat(Math.abs(paid.costUsd(priced) - 0.0045) < 1e-12, is(true));
    assertThat(paid.summary(priced), containsString("5 through the Batch API"));
  }

  @Test
  void aTornLastLedgerLineIsCutOffAndTheBatchBeforeItIsPolledNotCreatedAgain() throws Exception {
    List<LlmTask> tasks = tasks(4);
    api.failOnceAt = "status";
    assertThrows(RuntimeException.class, () -> run("run1").run(collecting(tasks)));
    Path ledgerFile = work.resolve("state/describe/batches/ledger.jsonl");
    java.nio.file.Files.writeString(
        ledgerFile,
        "{\"event\":\"ended\",\"key\":\"run1-r",
        java.nio.file.StandardOpenOption.APPEND);

    assertThat(BatchLedger.read(layout, STEP).tornLines(), is(1L));
    assertThat(BatchLedger.read(layout, STEP).unfinished().size(), is(1));
    run("run2").run(collecting(tasks));
    assertThat(api.creates, is(1));
    assertThat(journaledPerPrompt().size(), is(4));
    BatchLedger after = BatchLedger.read(layout, STEP);
    assertThat(after.tornLines(), is(0L));
    assertThat(after.unfinished().size(), is(0));
  }

  @Test
  void aDamagedLedgerLineBeforeTheLastStopsTheRunNamingFileAndLine() throws Exception {
    java.nio.file.Files.createDirectories(work.resolve("state/describe/batches"));
    java.nio.file.Files.writeString(
        work.resolve("state/describe/batches/ledger.jsonl"),
        "{\"event\":\"intent\",\"key\":\"k\",\"requests\":1}\nnot json\n");
    IOException e = assertThrows(IOException.class, () -> BatchLedger.read(layout, STEP));
    assertThat(e.getMessage(), containsString("ledger.jsonl:2: not a ledger event"));
  }
}
