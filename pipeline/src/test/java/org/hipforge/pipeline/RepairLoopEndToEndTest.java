package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair loop end to end: the simulator breaks 40 % of its programs (repairs too, drawn from
 * the prompt), real hipcc judges them, real journals and state on disk.
 */
class RepairLoopEndToEndTest {
  private static final int TASKS = 24;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private void describeAll(int tasks, int latencyMs) throws Exception {
    TestCorpus.assumeHipcc();
    sim = TestCorpus.SimulatedWork.start(tmp, tasks, TestCorpus.compiling(latencyMs, 0.4, 11));
    assertThat(
        DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out).passed, is((long) tasks));
  }

  @Test
  void repairRoundsRaiseTheCompileYieldRecordEveryRoundAndARerunAsksNothing() throws Exception {
    describeAll(TASKS, 2);
    SimulatedLlmServer server = sim.server;
    long afterDescribe = server.totalRequests();
    TestCorpus.Captured log = new TestCorpus.Captured();

    StatusReport report = GenerateCommand.run(sim.direct("--repairRounds=2"), log.out);
    List<StateRecord> records = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
    assertThat(records.size(), is(TASKS));
    long repairs = 0;
    long compiledFirst = 0;
    Map<Long, long[]> billed = new HashMap<>();
    for (StateRecord a : TestCorpus.journaled(tmp.resolve("work"), WorkLayout.Step.GENERATE)) {
      long[] t = billed.computeIfAbsent(a.id(), k -> new long[2]);
      t[0] += a.inputTokens();
      t[1] += a.outputTokens();
    }
    for (StateRecord r : records) {
      List<String> verdicts = r.roundVerdicts();
      assertThat(r.toString(), verdicts.size(), is(r.rounds() + 1));
      assertThat(r.rounds(), lessThanOrEqualTo(2));
      for (String v : verdicts.subList(0, verdicts.size() - 1)) {
        assertThat("only a failed compile gets another round: " + verdicts, v, is("compile_error"));
      }
      assertThat(verdicts.get(verdicts.size() - 1), is(r.pass() ? "compiled" : "compile_error"));
      if (!r.pass()) {
        assertThat("a failure before the last round would have been repaired", r.rounds(), is(2));
      }
      assertThat(
          "tokens are the sum over the rounds billed",
          new long[] {r.inputTokens(), r.outputTokens()},
          is(billed.get(r.id())));
      repairs += r.rounds();
      compiledFirst += verdicts.get(0).equals("compiled") ? 1 : 0;
    }
    assertThat(
        "one request per task and round",
        server.totalRequests(),
        is(afterDescribe + TASKS + repairs));
    assertThat("some first answers were broken", repairs, greaterThan(0L));
    assertThat(report.maxRounds, lessThanOrEqualTo(2));
    assertThat(report.compiledWithin(0), is(compiledFirst));
    assertThat(
        "repair raised the yield", report.compiledWithin(2), greaterThan(report.compiledWithin(0)));
    assertThat(report.compiledWithin(2), is(report.compiled));
    assertThat(report.tried(), is((long) TASKS));

    // A rerun replays every round from the journal: nothing is asked, the verdicts are the same.
    StatusReport again = GenerateCommand.run(sim.direct("--repairRounds=2"), log.out);
    assertThat(server.totalRequests(), is(afterDescribe + TASKS + repairs));
    assertThat(again.compiled, is(report.compiled));
    assertThat(again.compiledWithin(0), is(report.compiledWithin(0)));

    // status reads the same yield by the same rule.
    TestCorpus.Captured status = new TestCorpus.Captured();
    StatusCommand.run(tmp.resolve("work").toString(), status.out);
    assertThat(status.text(), containsString("compile yield by round"));
    assertThat(
        status.text(),
        containsString(
            String.format("  %-26s %10d", "after repair round 2", report.compiledWithin(2))));
    // The tasks still failing after both rounds are said apart: the rerun above asked nothing for
    // them.
    long usedUp = records.stream().filter(r -> !r.pass()).count();
    assertThat(again.repairsUsedUp, is(usedUp));
    if (usedUp > 0) {
      assertThat(
          status.text(),
          containsString(String.format("  %-26s %10d", "of which repairs used up", usedUp)));
    }
  }

  @Test
  void aRepairPromptIsTheSameOnEveryRunSoTheRepairAnswersComeFromTheJournal() throws Exception {
    describeAll(8, 2);
    SimulatedLlmServer server = sim.server;
    // Round 0 only, then the loop on a later run: round 0 replays, the repairs are asked once.
    StatusReport once =
        GenerateCommand.run(sim.direct("--repairRounds=0"), new TestCorpus.Captured().out);
    long afterFirst = server.totalRequests();
    GenerateCommand.run(sim.direct("--repairRounds=1"), new TestCorpus.Captured().out);
    long repairs = server.totalRequests() - afterFirst;
    assertThat(
        "one repair per failed task, its first answer from the journal", repairs, is(once.failed));
    assertThat(countRounds(1), is(once.failed));
    GenerateCommand.run(sim.direct("--repairRounds=1"), new TestCorpus.Captured().out);
    assertThat(
        "the same repair prompts, from the journal",
        server.totalRequests(),
        is(afterFirst + repairs));
  }

  @Test
  void aRepairRunOnEmbeddedFlinkIsReplayedByTheDirectRunnerWithTheSameVerdictsAndNoRequest()
      throws Exception {
    describeAll(10, 2);
    SimulatedLlmServer server = sim.server;
    StatusReport flink =
        GenerateCommand.run(
            sim.options(
                "--quiet=true",
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=2",
                "--repairRounds=2"),
            new TestCorpus.Captured().out);
    Map<Long, List<String>> onFlink = new HashMap<>();
    long repairs = 0;
    for (StateRecord r : TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE)) {
      onFlink.put(r.id(), r.roundVerdicts());
      repairs += r.rounds();
    }
    assertThat(onFlink.size(), is(10));
    long afterFlink = server.totalRequests();
    StatusReport direct =
        GenerateCommand.run(sim.direct("--repairRounds=2"), new TestCorpus.Captured().out);
    assertThat(
        "the DirectRunner finds every round in the journal",
        server.totalRequests(),
        is(afterFlink));
    for (StateRecord r : TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE)) {
      assertThat(r.toString(), r.roundVerdicts(), is(onFlink.get(r.id())));
    }
    for (int k = 0; k <= 2; k++) {
      assertThat(direct.compiledWithin(k), is(flink.compiledWithin(k)));
    }
    assertThat(repairs, is(afterFlink - 10 - 10)); // describe 10, first answers 10, then repairs
  }

  /** Latest records that had exactly {@code rounds} repair rounds. */
  private long countRounds(int rounds) throws Exception {
    return TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE).stream()
        .filter(r -> r.rounds() != null && r.rounds() == rounds)
        .count();
  }

  @Test
  void killNineInTheMiddleOfARepairRoundThenARerunPaysNoJournaledAnswerAgain() throws Exception {
    // A provider slow enough (150 ms an answer, 4 in flight) that the kill lands while repairs are
    // in flight.
    describeAll(30, 150);
    Path work = tmp.resolve("work");
    SimulatedLlmServer slow = sim.server;
    {
      Path log1 = tmp.resolve("first.log");
      Process first =
          ChildRun.start(
              log1,
              sim.args(
                  "generate",
                  "--repairRounds=2",
                  "--maxInFlight=4",
                  "--parallelism=1",
                  "--runner=DirectRunner"));
      // More journal lines than tasks: some repair answers are journaled, the run is in the loop.
      assertThat(
          "no repair was journaled in time:\n" + Files.readString(log1),
          ChildRun.awaitWhileAlive(first, 600, () -> journaledCount(work) > 30 + 1),
          is(true));
      assertThat(
          "the first run ended before its repairs:\n" + Files.readString(log1),
          first.isAlive(),
          is(true));
      first.destroyForcibly(); // SIGKILL
      first.waitFor(30, TimeUnit.SECONDS);
      List<StateRecord> beforeKill = TestCorpus.journaled(work, WorkLayout.Step.GENERATE);

      Path log2 = tmp.resolve("second.log");
      Process second =
          ChildRun.start(log2, sim.args("generate", "--repairRounds=2", "--runner=DirectRunner"));
      assertThat(
          "the rerun did not finish in time", second.waitFor(900, TimeUnit.SECONDS), is(true));
      assertThat("rerun failed:\n" + Files.readString(log2), second.exitValue(), is(0));

      // Every prompt journaled before the kill is journaled once in all: never asked again.
      Map<String, Integer> times = new HashMap<>();
      for (StateRecord a : TestCorpus.journaled(work, WorkLayout.Step.GENERATE)) {
        times.merge(a.promptSha256(), 1, Integer::sum);
      }
      for (StateRecord a : beforeKill) {
        assertThat("asked again: " + a, times.get(a.promptSha256()), is(1));
      }
      long answered =
          slow.successCountsByPrompt().values().stream().mapToLong(Long::longValue).sum();
      long distinct = slow.successCountsByPrompt().size();
      System.out.printf(
          "repair kill test: journaled before kill %d, answers served %d, distinct prompts %d, "
              + "answered twice (in flight at the kill) %d%n",
          beforeKill.size(), answered, distinct, answered - distinct);
      assertThat(
          "only calls in flight at the kill may be paid twice",
          answered - distinct,
          lessThanOrEqualTo(4L * 3));
      List<StateRecord> records = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
      assertThat(records.size(), is(30));
      for (StateRecord r : records) {
        assertThat(r.toString(), r.roundVerdicts(), not(is((List<String>) null)));
      }
    }
  }

  private static long journaledCount(Path work) {
    try {
      return TestCorpus.journaled(work, WorkLayout.Step.GENERATE).size();
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
