package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderRejectedKeyException;
import org.hipforge.io.llm.RateLimiter;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class CallLlmTest {
  @TempDir Path work;
  private SimulatedLlmServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static List<LlmTask> tasks(ProviderConfig provider, int n) {
    List<LlmTask> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String code = "__global__ void kernel_" + i + "(float* x) { x[threadIdx.x] = " + i + "; }\n";
      ChatRequest r = Prompts.describe("k" + i + ".hip", code);
      out.add(new LlmTask(i, "k" + i + ".hip", "sha" + i, r, Prompts.key(provider, r), null));
    }
    return out;
  }

  /** Every record journaled under {@code dir}; a line that is not a record fails the test. */
  private static List<StateRecord> readJournal(Path dir) throws Exception {
    List<StateRecord> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            out.add(StateRecordJson.parse(line));
          }
        }
      }
    }
    return out;
  }

  /** A previous run of {@code tasks} in its own pipeline: every answer journaled. */
  private void runOnce(ProviderConfig provider, List<LlmTask> tasks, String run) {
    org.apache.beam.sdk.Pipeline first = org.apache.beam.sdk.Pipeline.create();
    first
        .apply(Create.of(tasks).withCoder(SerializableCoder.of(LlmTask.class)))
        .apply(callLlm(provider, run));
    first.run().waitUntilFinish();
  }

  /**
   * {@code tasks} again as a new process would ask them: the cache read afresh from the journals.
   */
  private StageResult<StateRecord, Failure> rerun(
      TestPipeline p, ProviderConfig provider, List<LlmTask> tasks, String run) {
    ResponseCache.clearLoaded();
    return p.apply(Create.of(tasks).withCoder(SerializableCoder.of(LlmTask.class)))
        .apply(callLlm(provider, run));
  }

  private CallLlm callLlm(ProviderConfig provider, String run) {
    WorkLayout layout = new WorkLayout(work.toString());
    return CallLlm.to(provider, WorkLayout.Step.DESCRIBE)
        .withJournal(
            layout.journalDir(WorkLayout.Step.DESCRIBE, run),
            layout.journalGlob(WorkLayout.Step.DESCRIBE),
            null)
        .withRunId(run)
        .withConcurrency(8, 1.0);
  }

  @Test
  void everyAnswerIsJournaledAndEmittedOnce(TestPipeline p) throws Exception {
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(20));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    StageResult<StateRecord, Failure> result =
        p.apply(Create.of(tasks(provider, 40)).withCoder(SerializableCoder.of(LlmTask.class)))
            .apply(callLlm(provider, "run-a"));
    PAssert.that(result.output().apply(Count.globally())).containsInAnyOrder(40L);
    PAssert.that(result.failures()).empty();
    p.run().waitUntilFinish();

    List<StateRecord> journal = readJournal(work.resolve("state/describe/journal/run-a"));
    assertThat(journal.size(), is(40));
    assertThat(journal.stream().map(StateRecord::pass).toList(), everyItem(is(true)));
    assertThat(journal.get(0).instruction(), containsString("kernel_"));
    assertThat(server.successCountsByPrompt().size(), is(40));
  }

  @Test
  void withNoLimitsConfiguredThisJvmPacesByItsRateShareOfTheAdvertisedLimits(TestPipeline p)
      throws Exception {
    server =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withLatencyMs(5).withRpm(6_000).withTpm(9_000_000));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    StageResult<StateRecord, Failure> result =
        p.apply(Create.of(tasks(provider, 20)).withCoder(SerializableCoder.of(LlmTask.class)))
            .apply(callLlm(provider, "run-share").withConcurrency(8, 0.5));
    PAssert.that(result.output().apply(Count.globally())).containsInAnyOrder(20L);
    PAssert.that(result.failures()).empty();
    p.run().waitUntilFinish();

    // The JVM's limiter of this run and endpoint learned the advertised limits and took half.
    RateLimiter limiter =
        RateLimiter.shared("run-share " + provider.endpointKey(), provider.name(), 0, 0, 0.5);
    assertThat(limiter.requestsPerMinute(), is(3_000.0));
    assertThat(limiter.tokensPerMinute(), is(4_500_000.0));
    assertThat(server.requestsByStatus().getOrDefault("429", 0L), is(0L));
  }

  @Test
  void aRerunAnswersJournaledPromptsFromTheCacheWithoutCalling(TestPipeline p) throws Exception {
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(5));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    List<LlmTask> tasks = tasks(provider, 10);
    // A previous run journaled all ten answers...
    runOnce(provider, tasks, "run-1");
    long callsBefore = server.totalRequests();
    // ...and a new process (fresh cache, read from disk) gets the same prompts again.
    StageResult<StateRecord, Failure> again = rerun(p, provider, tasks, "run-2");
    StageAsserts.assertEach(
        again.output(),
        10,
        r -> {
          assertThat(r.cached(), is(true));
          assertThat(r.runId(), is("run-2"));
        });
    p.run().waitUntilFinish();
    assertThat(server.totalRequests(), is(callsBefore));
  }

  @Test
  void answersAnotherWorkerJournaledAfterThisJvmLoadedTheCacheAreNotPaidForAgain(TestPipeline p)
      throws Exception {
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(5));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    List<LlmTask> tasks = tasks(provider, 15);
    ResponseCache.clearLoaded();
    // This JVM's first job loads the cache (and pays for tasks 0-4)...
    org.apache.beam.sdk.Pipeline first = org.apache.beam.sdk.Pipeline.create();
    first
        .apply(Create.of(tasks.subList(0, 5)).withCoder(SerializableCoder.of(LlmTask.class)))
        .apply(callLlm(provider, "run-1"));
    first.run().waitUntilFinish();
    assertThat(server.totalRequests(), is(5L));
    // ...then another worker (another JVM: only its journal file is shared) journals tasks 5-14.
    WorkLayout layout = new WorkLayout(work.toString());
    try (JournalWriter other =
        JournalWriter.open(layout.journalDir(WorkLayout.Step.DESCRIBE, "run-1"))) {
      for (LlmTask t : tasks.subList(5, 15)) {
        other.append(
            StateRecordJson.toJson(
                StateRecord.builder()
                    .id(t.id())
                    .fileName(t.fileName())
                    .sourceSha256(t.sourceSha256())
                    .pass(true)
                    .instruction("from the other worker " + t.id())
                    .inputTokens(10)
                    .outputTokens(20)
                    .attempts(1)
                    .finishedAtMillis(System.currentTimeMillis())
                    .runId("run-1")
                    .promptSha256(t.promptSha256())
                    .build()));
      }
    }
    // A restarted attempt in this JVM: new CallLlm instances, the JVM's cache is not cleared.
    StageResult<StateRecord, Failure> again =
        p.apply(Create.of(tasks.subList(5, 15)).withCoder(SerializableCoder.of(LlmTask.class)))
            .apply(callLlm(provider, "run-1"));
    StageAsserts.assertEach(
        again.output(),
        10,
        r -> {
          assertThat(r.cached(), is(true));
          assertThat(r.instruction(), is("from the other worker " + r.id()));
        });
    PAssert.that(again.failures()).empty();
    p.run().waitUntilFinish();
    assertThat(server.totalRequests(), is(5L));
  }

  @Test
  void finalErrorsBecomeFailuresWithTheirCategory(TestPipeline p) throws Exception {
    server =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withLatencyMs(1).withMaxContextTokens(10));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    StageResult<StateRecord, Failure> result =
        p.apply(Create.of(tasks(provider, 3)).withCoder(SerializableCoder.of(LlmTask.class)))
            .apply(callLlm(provider, "run-ctx"));
    PAssert.that(result.output()).empty();
    StageAsserts.assertEach(
        result.failures(),
        3,
        f -> {
          assertThat(f.category(), is("context_length"));
          assertThat(f.stage(), is("call_llm"));
          assertThat(f.record().attempts(), is(1));
        });
    p.run().waitUntilFinish();
  }

  @Test
  void
      billedButUnusableAnswersAreJournaledWithTheirCategoryAndTokensAndARerunReplaysThemWithoutARequest(
          TestPipeline p) throws Exception {
    server =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults()
                .withLatencyMs(2)
                .withAnswerRate(SimulatorConfig.Answer.REFUSAL, 0.2)
                .withAnswerRate(SimulatorConfig.Answer.REFUSAL_AS_TEXT, 0.1)
                .withAnswerRate(SimulatorConfig.Answer.CONTENT_FILTER, 0.1)
                .withAnswerRate(SimulatorConfig.Answer.TRUNCATED, 0.1)
                .withAnswerRate(SimulatorConfig.Answer.REASONING_CUT, 0.1)
                .withAnswerRate(SimulatorConfig.Answer.NO_CHOICES, 0.1)
                .withAnswerRate(SimulatorConfig.Answer.NO_USAGE, 0.1));
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", null);
    List<LlmTask> tasks = tasks(provider, 60);
    runOnce(provider, tasks, "run-1");
    assertThat("one request per task, none retried", server.totalRequests(), is(60L));

    List<StateRecord> journal = readJournal(work.resolve("state/describe/journal/run-1"));
    assertThat("every billed answer is journaled, usable or not", journal.size(), is(60));
    java.util.Map<String, Long> byCategory = new java.util.TreeMap<>();
    for (StateRecord r : journal) {
      byCategory.merge(r.pass() ? "pass" : r.errorCategory(), 1L, Long::sum);
      assertThat("billed tokens are recorded: " + r, r.inputTokens() > 0, is(true));
      if (!r.pass()) {
        assertThat(r.instruction(), is((String) null));
      }
    }
    assertThat(
        byCategory.keySet(),
        is(
            new java.util.TreeSet<>(
                List.of(
                    "bad_instruction",
                    "empty_answer",
                    "filtered",
                    "pass",
                    "refused",
                    "truncated"))));
    assertThat(journal.stream().filter(StateRecord::tokensEstimated).count() > 0, is(true));
    assertThat(
        journal.stream().filter(r -> "length".equals(r.finishReason())).count(),
        is(byCategory.get("truncated")));
    long failedBefore = 60 - byCategory.get("pass");

    // A rerun in a new process: the same prompts get the same verdicts from the journal, unpaid.
    StageResult<StateRecord, Failure> again = rerun(p, provider, tasks, "run-2");
    StageAsserts.assertEach(
        again.failures(),
        failedBefore,
        f -> {
          assertThat(f.record().cached(), is(true));
          assertThat(f.record().inputTokens() > 0, is(true));
          assertThat(f.toStateRecord("run-2", "sim", "m").errorCategory(), is(f.category()));
        });
    p.run().waitUntilFinish();
    assertThat("the rerun sent nothing", server.totalRequests(), is(60L));
  }

  /** The message of the IllegalArgumentException {@code call} throws. */
  private static String rejection(Executable call) {
    return assertThrows(IllegalArgumentException.class, call).getMessage();
  }

  @Test
  void settingsAreCheckedNamingTheirValueAndEveryWithKeepsTheOthers() {
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, "http://127.0.0.1:9/v1", "m", null);
    CallLlm call = CallLlm.to(provider, WorkLayout.Step.GENERATE);
    assertThat(
        rejection(() -> call.withConcurrency(0, 1.0)),
        is("maxInFlight must be in [1, 4096], was 0"));
    assertThat(
        rejection(() -> call.withConcurrency(8, 1.5)), is("rateShare must be in (0, 1], was 1.5"));
    assertThat(rejection(() -> call.withRunId(" ")), is("runId must be set, was ' '"));
    assertThat(
        rejection(() -> call.withJournal("", "g", null)), is("journal dir must be set, was ''"));
    assertThat(
        rejection(() -> call.withJournal("/j", "g", " ")),
        is("journal reserve dir must be set, was ' '"));
    assertThrows(IllegalArgumentException.class, () -> CallLlm.to(null, WorkLayout.Step.DESCRIBE));
    assertThrows(
        IllegalStateException.class,
        () -> call.expand(null)); // no journal: answers must be durable

    CallLlm.Configuration c =
        call.withCollect("/c")
            .withJournal("/j", "/j/*", "/r")
            .withRunId("r1")
            .withConcurrency(4, 0.5)
            .configuration();
    assertThat(
        c,
        is(
            new CallLlm.Configuration(
                provider,
                WorkLayout.Step.GENERATE,
                "r1",
                new CallLlm.Journal("/j", "/j/*", "/r"),
                new CallLlm.Concurrency(4, 0.5),
                "/c")));
    assertThat(call.configuration().collectDir(), is((String) null)); // the original is unchanged
  }

  @Test
  void aRejectedKeyStopsTheRunWithinAFewRequestsAndJournalsNothing(TestPipeline p)
      throws Exception {
    server =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withLatencyMs(5).withApiKey("the-right-key"));
    // PATH is always set: it stands in for an env var holding a wrong key.
    ProviderConfig provider =
        ProviderConfig.of("sim", ProviderConfig.Api.OPENAI, server.baseUrl(), "m", "PATH");
    p.apply(Create.of(tasks(provider, 200)).withCoder(SerializableCoder.of(LlmTask.class)))
        .apply(callLlm(provider, "run-auth"));
    RuntimeException e = assertThrows(RuntimeException.class, () -> p.run().waitUntilFinish());
    assertThat(String.valueOf(CallLlmTest.root(e).getMessage()), containsString("rejected"));
    // Until a first call succeeds only one is in flight, so a rejected key costs one request.
    assertThat(server.totalRequests(), lessThanOrEqualTo(2L));
    assertThat(readJournal(work.resolve("state/describe/journal/run-auth")).size(), is(0));
  }

  static Throwable root(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null) {
      if (r instanceof ProviderRejectedKeyException) {
        return r;
      }
      r = r.getCause();
    }
    return r;
  }
}
