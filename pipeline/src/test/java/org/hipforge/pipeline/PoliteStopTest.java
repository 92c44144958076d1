package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C and SIGTERM in the middle of {@code describe} on embedded Flink, sent to the child JVM's
 * process group as a terminal or a service manager would: the calls in flight reach the journal
 * (every answer the provider served is journaled), the command says what it is doing and what is
 * left, exits 130 / 143, and the rerun asks only for tasks with no journaled answer.
 */
class PoliteStopTest {
  private static final int TASKS = 24;
  private static final int IN_FLIGHT = 8;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM"})
  void aSignalMidDescribeJournalsEveryAnswerInFlightAndTheRerunAsksOnlyForTheRest(String signal)
      throws Exception {
    // 1 s per answer, 8 in flight: ~8 answers a second, so the signal lands with 8 calls in flight.
    sim =
        TestCorpus.SimulatedWork.start(tmp, TASKS, SimulatorConfig.defaults().withLatencyMs(1000));
    Path work = sim.work;

    Path log = tmp.resolve("describe.log");
    Process child =
        ChildRun.startInOwnGroup(
            tmp.resolve("child-tmp"),
            log,
            sim.args("describe", "--maxInFlight=" + IN_FLIGHT, "--parallelism=1"));
    ChildRun.awaitWhileAlive(
        child, 120, () -> TestCorpus.journaled(work, WorkLayout.Step.DESCRIBE).size() >= IN_FLIGHT);
    assertThat(
        "the run ended before the signal:\n" + Files.readString(log), child.isAlive(), is(true));
    ChildRun.signalGroup(child, signal);
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = Files.readString(log);
    int expected = signal.equals("INT") ? 130 : 143;
    assertThat(out, child.exitValue(), is(expected));
    assertThat(
        out,
        containsString(
            "describe: stopping (SIG" + signal + "): no new requests; waiting up to 25 s for "));
    assertThat(out, containsString("calls in flight to reach the journal; "));
    assertThat(out, containsString("describe: stopped: "));
    assertThat(out, containsString("tasks left pending; 0 answers paid for but not journaled"));
    assertThat(out, containsString("describe: stopped by SIG" + signal + " after "));

    // Paid = answered 200 by the provider; every one of them is in the journal.
    long paid = sim.paid();
    List<StateRecord> atStop = TestCorpus.journaled(work, WorkLayout.Step.DESCRIBE);
    System.out.printf(
        "polite stop (SIG%s): %d tasks, %d answers paid, %d journaled at the stop%n",
        signal, TASKS, paid, atStop.size());
    assertThat(out, (long) atStop.size(), is(paid));
    assertThat(atStop.size(), greaterThan(IN_FLIGHT));
    assertThat(atStop.size(), lessThan(TASKS));
    assertThat(
        "the stop's summary counts them",
        out,
        containsString(atStop.size() + " answers journaled"));
    assertThat(
        "no compiler or temp dir left",
        Files.list(tmp.resolve("child-tmp"))
            .filter(p -> p.getFileName().toString().startsWith("hipforge-hip-"))
            .count(),
        is(0L));

    // The rerun finishes the rest and asks for nothing the journal holds.
    TestCorpus.Captured rerun = new TestCorpus.Captured();
    DescribeCommand.run(
        sim.options("--maxInFlight=" + IN_FLIGHT, "--runner=DirectRunner"), rerun.out);
    StatusReport report =
        StatusReport.compute(new WorkLayout(work.toString()), WorkLayout.Step.DESCRIBE);
    assertThat(rerun.text(), report.passed, is((long) TASKS));
    Map<String, Long> successes = sim.server.successCountsByPrompt();
    assertThat(successes.keySet(), is(sim.describeKeys()));
    long repeats = successes.values().stream().filter(n -> n != 1L).count();
    System.out.printf(
        "polite stop (SIG%s): rerun asked %d of the %d journaled tasks again%n",
        signal, repeats, atStop.size());
    assertThat("no answer paid twice", repeats, is(0L));
  }

  @org.junit.jupiter.api.Test
  void aSecondCtrlCStopsAtOnceWithoutWaitingForTheCallsInFlight() throws Exception {
    // Answers that take ten minutes (and a 900 s request timeout): only the second Ctrl-C can end
    // this run soon.
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, tmp.resolve("work"), 4, SimulatorConfig.defaults().withLatencyMs(600_000), 900);
    SimulatedLlmServer server = sim.server;
    Path work = sim.work;
    Path log = tmp.resolve("describe.log");
    Process child =
        ChildRun.startInOwnGroup(
            tmp.resolve("child-tmp"), log, sim.args("describe", "--parallelism=1"));
    ChildRun.awaitWhileAlive(child, 120, () -> server.maxConcurrentRequests() > 0);
    assertThat(
        "no request was sent:\n" + Files.readString(log),
        server.maxConcurrentRequests(),
        greaterThan(0));
    ChildRun.signalGroup(child, "INT");
    ChildRun.awaitWhileAlive(
        child, 120, () -> Files.readString(log).contains("describe: stopping (SIGINT)"));
    assertThat(
        "the first-call probe: one request out",
        Files.readString(log),
        containsString("waiting up to 905 s for 1 calls in flight"));
    assertThat("the first Ctrl-C waits for the call in flight", child.isAlive(), is(true));
    ChildRun.signalGroup(child, "INT");
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = Files.readString(log);
    assertThat(out, child.exitValue(), is(130));
    assertThat(out, containsString("hipforge: SIGINT again: stopping at once"));
    assertThat(TestCorpus.journaled(work, WorkLayout.Step.DESCRIBE).size(), is(0));
  }
}
