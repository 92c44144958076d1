package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.BatchSettings;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --mode=batch} from the command line against the simulator's Batch API endpoints over
 * loopback HTTP: both wire formats end to end, a kill at each point of the ledger (real child JVMs,
 * halted by the driver's test hook or killed with SIGKILL) and a rerun, lines that error or expire,
 * and {@code hipforge batches}. What the simulator billed is counted per prompt.
 */
class BatchModeEndToEndTest {
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @AfterEach
  void forgetCaches() {
    ResponseCache.clearLoaded();
  }

  private void start(int tasks, BatchSettings batch) throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, tasks, SimulatorConfig.defaults().withLatencyMs(5).withBatch(batch));
  }

  /** A config for the simulator in wire format {@code api}, with prices so the cost is shown. */
  private Path config(String api) throws Exception {
    Path c = tmp.resolve(api + ".json");
    Files.writeString(
        c,
        "{\"sim\": {\"api\": \""
            + api
            + "\", \"base_url\": \""
            + sim.server.baseUrl()
            + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_TEST_UNSET_KEY\", \"timeout_s\": 20, "
            + "\"input_price_per_mtok\": 3, \"output_price_per_mtok\": 15}}");
    return c;
  }

  private String[] args(String command, Path config, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                command,
                "--workDir=" + sim.work,
                "--sourceDir=" + sim.src,
                "--config=" + config,
                "--modelName=sim",
                "--runner=DirectRunner",
                "--mode=batch",
                "--batchPollMaxS=1"));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  private int cli(TestCorpus.Captured out, String... args) {
    TestCorpus.Captured err = new TestCorpus.Captured();
    int rc = Main.run(args, out.out, err.out);
    out.out.print(err.text());
    return rc;
  }

  private StatusReport status(WorkLayout.Step step) throws Exception {
    return StatusReport.compute(new WorkLayout(sim.work.toString()), step);
  }

  /** Every prompt the simulator billed, billed once; returns how many prompts. */
  private int assertEachPromptPaidOnce() {
    Map<String, Long> paid = sim.server.successCountsByPrompt();
    for (Map.Entry<String, Long> e : paid.entrySet()) {
      assertThat("prompt paid twice: " + e.getKey(), e.getValue(), is(1L));
    }
    return paid.size();
  }

  /** Every journaled prompt journaled once (over every run's journals). */
  private void assertEachPromptJournaledOnce(WorkLayout.Step step) throws Exception {
    Map<String, Integer> n = new HashMap<>();
    for (StateRecord r : TestCorpus.journaled(sim.work, step)) {
      n.merge(r.promptSha256(), 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> e : n.entrySet()) {
      assertThat("journaled twice: " + e.getKey(), e.getValue(), is(1));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"batch", "sync"})
  void repairRoundsInBatchModeAreSmallerBatchesOrWithRepairModeSyncSynchronousCallsEachPaidOnce(
      String repairMode) throws Exception {
    TestCorpus.assumeHipcc();
    sim =
        TestCorpus.SimulatedWork.start(
            tmp,
            12,
            SimulatorConfig.defaults()
                .withLatencyMs(5)
                .withBatch(BatchSettings.defaults().withDelayMs(200))
                .withCompileErrorRate(0.5)
                .withSeed(3));
    Path config = config("openai");
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(out.text(), cli(out, args("describe", config)), is(0));
    long describeBatches = sim.server.batchesCreated();

    TestCorpus.Captured gen = new TestCorpus.Captured();
    assertThat(gen.text(), cli(gen, args("generate", config, "--repairMode=" + repairMode)), is(0));
    long generateBatches = sim.server.batchesCreated() - describeBatches;
    long batchCalls = sim.server.batchCalls().values().stream().mapToLong(Long::longValue).sum();
    long syncCalls = sim.server.totalRequests() - batchCalls;
    // One first answer per task; every other journaled answer is a repair.
    long repaired = TestCorpus.journaled(sim.work, WorkLayout.Step.GENERATE).size() - 12L;
    assertThat("half the answers broke, so some were repaired", repaired > 0, is(true));
    if (repairMode.equals("batch")) {
      assertThat(
          "the first answers, then each repair round, as a batch", generateBatches > 1, is(true));
      assertThat("no synchronous chat call", syncCalls, is(0L));
    } else {
      assertThat("only the first answers went through a batch", generateBatches, is(1L));
      assertThat("each repair was one synchronous call", syncCalls, is(repaired));
    }
    assertEachPromptPaidOnce();
    assertEachPromptJournaledOnce(WorkLayout.Step.GENERATE);
    StatusReport g = status(WorkLayout.Step.GENERATE);
    assertThat(gen.text(), g.compiledWithin(g.maxRounds) > g.compiledWithin(0), is(true));

    long before = sim.server.totalRequests();
    TestCorpus.Captured again = new TestCorpus.Captured();
    assertThat(
        again.text(), cli(again, args("generate", config, "--repairMode=" + repairMode)), is(0));
    assertThat("a rerun asks nothing", sim.server.totalRequests(), is(before));
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void describeAndGenerateInBatchModeAnswerEveryTaskThroughOneBatchEachWithNoSynchronousCall(
      String api) throws Exception {
    start(12, BatchSettings.defaults().withDelayMs(300));
    Path config = config(api);
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(out.text(), cli(out, args("describe", config)), is(0));
    assertThat(out.text(), status(WorkLayout.Step.DESCRIBE).passed, is(12L));
    assertThat(sim.server.batchesCreated(), is(1L));
    assertThat(out.text(), containsString("batches created 1"));
    assertThat(out.text(), containsString("12 through the Batch API"));
    assertThat(out.text(), containsString("batch tokens at 50% of the synchronous price"));

    TestCorpus.Captured gen = new TestCorpus.Captured();
    assertThat(gen.text(), cli(gen, args("generate", config, "--validate=none")), is(0));
    assertThat(gen.text(), status(WorkLayout.Step.GENERATE).passed, is(12L));
    assertThat(sim.server.batchesCreated(), is(2L));
    assertThat(assertEachPromptPaidOnce(), is(24));
    long batchCalls = sim.server.batchCalls().values().stream().mapToLong(Long::longValue).sum();
    assertThat("no synchronous chat call", sim.server.totalRequests(), is(batchCalls));

    TestCorpus.Captured again = new TestCorpus.Captured();
    assertThat(again.text(), cli(again, args("describe", config)), is(0));
    assertThat(again.text(), containsString("nothing to do"));
    assertThat(sim.server.batchesCreated(), is(2L));
  }

  @ParameterizedTest
  @CsvSource({
    "openai, after-intent",
    "openai, after-upload",
    "openai, after-create",
    "openai, while-polling",
    "openai, while-journaling",
    "anthropic, after-intent",
    "anthropic, after-create",
    "anthropic, while-polling",
    "anthropic, while-journaling"
  }) // Anthropic's requests go inline at create: there is no upload
  void aKillAtEachPointOfTheLedgerIsResumedWithoutASecondBatchOrAPromptPaidTwice(
      String api, String point) throws Exception {
    start(20, BatchSettings.defaults().withDelayMs(1500));
    Path config = config(api);
    Path log = tmp.resolve("killed.log");
    Process first =
        ChildRun.startWithJvmFlags(
            List.of("-D" + BatchRun.CRASH_AT + "=" + point), log, args("describe", config));
    // A bound for a hung child, not a speed check: the machine may be loaded many times over.
    if (!first.waitFor(900, TimeUnit.SECONDS)) {
      first.destroyForcibly();
      throw new AssertionError("the killed run did not end:\n" + Files.readString(log));
    }
    String firstLog = Files.readString(log);
    assertThat(firstLog, first.exitValue(), is(137));
    assertThat(firstLog, containsString("halting now"));

    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(out.text(), cli(out, args("describe", config)), is(0));
    assertThat(out.text(), status(WorkLayout.Step.DESCRIBE).passed, is(20L));
    assertThat(out.text(), sim.server.batchesCreated(), is(1L));
    assertThat(assertEachPromptPaidOnce(), is(20));
    assertEachPromptJournaledOnce(WorkLayout.Step.DESCRIBE);
    BatchLedger ledger =
        BatchLedger.read(new WorkLayout(sim.work.toString()), WorkLayout.Step.DESCRIBE);
    assertThat(ledger.entries().size(), is(1));
    assertThat(ledger.unfinished().size(), is(0));
  }

  @Test
  void aSigkillWhileABatchRunsLeavesItToTheRerunWhichPollsItInsteadOfCreatingAnother()
      throws Exception {
    start(20, BatchSettings.defaults().withDelayMs(4000));
    Path config = config("openai");
    Path ledgerFile = sim.work.resolve("state/describe/batches/ledger.jsonl");
    Process first = ChildRun.start(tmp.resolve("first.log"), args("describe", config));
    ChildRun.awaitWhileAlive(
        first,
        900,
        () -> Files.exists(ledgerFile) && Files.readString(ledgerFile).contains("\"created\""));
    assertThat(Files.readString(tmp.resolve("first.log")), first.isAlive(), is(true));
    first.destroyForcibly(); // SIGKILL
    first.waitFor(30, TimeUnit.SECONDS);

    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(out.text(), cli(out, args("describe", config)), is(0));
    assertThat(out.text(), containsString("resuming them"));
    assertThat(sim.server.batchesCreated(), is(1L));
    assertThat(assertEachPromptPaidOnce(), is(20));
    assertThat(status(WorkLayout.Step.DESCRIBE).passed, is(20L));
  }

  @Test
  void linesThatErrorOrExpireStayPendingAndAreRetriedInASmallerBatch() throws Exception {
    start(30, BatchSettings.defaults().withDelayMs(200).withLineErrorRate(0.2).withExpireRate(0.1));
    Path config = config("anthropic");
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(out.text(), cli(out, args("describe", config)), is(0));
    assertThat(out.text(), status(WorkLayout.Step.DESCRIBE).passed, is(30L));
    assertThat(sim.server.batchesCreated(), greaterThanOrEqualTo(2L));
    assertThat(assertEachPromptPaidOnce(), is(30));
    assertEachPromptJournaledOnce(WorkLayout.Step.DESCRIBE);
  }

  @Test
  void theBatchesCommandListsTheLedgerWithTheProvidersStateAndCancelsWhatRuns() throws Exception {
    start(10, BatchSettings.defaults().withDelayMs(600_000));
    Path config = config("openai");
    Process first =
        ChildRun.startWithJvmFlags(
            List.of("-D" + BatchRun.CRASH_AT + "=after-create"),
            tmp.resolve("first.log"),
            args("describe", config));
    if (!first.waitFor(900, TimeUnit.SECONDS)) {
      first.destroyForcibly();
      throw new AssertionError("the killed run did not end");
    }
    assertThat(first.exitValue(), is(137));

    TestCorpus.Captured list = new TestCorpus.Captured();
    assertThat(
        list.text(), cli(list, "batches", "--workDir=" + sim.work, "--config=" + config), is(0));
    assertThat(list.text(), containsString("== describe"));
    assertThat(list.text(), containsString("in_progress (provider)"));

    TestCorpus.Captured cancel = new TestCorpus.Captured();
    assertThat(
        cancel.text(),
        cli(cancel, "batches", "--workDir=" + sim.work, "--config=" + config, "--cancel"),
        is(0));
    assertThat(cancel.text(), containsString("cancel requested for 1 running batches"));

    TestCorpus.Captured after = new TestCorpus.Captured();
    assertThat(
        after.text(), cli(after, "batches", "--workDir=" + sim.work, "--config=" + config), is(0));
    assertThat(after.text(), containsString("cancel"));
  }
}
