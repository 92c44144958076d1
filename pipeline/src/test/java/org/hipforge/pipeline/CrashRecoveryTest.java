package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.LatencyDistribution;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of describe, then the same command again: nothing journaled is paid
 * for twice, every task ends with a pass:true latest record, and every state file reads.
 */
class CrashRecoveryTest {
  private static final int TASKS = 300;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private Process startDescribe(Path log) throws Exception {
    return ChildRun.start(log, sim.args("describe", "--maxInFlight=8", "--parallelism=1"));
  }

  @Test
  void rerunAfterKillNineRepeatsNoJournaledCallAndFinishesEveryTask() throws Exception {
    // ~40 calls/s with 8 in flight: the run takes several seconds, so the kill lands mid-run.
    sim =
        TestCorpus.SimulatedWork.start(
            tmp,
            TASKS,
            SimulatorConfig.defaults()
                .withLatencyMs(200)
                .withLatencyDistribution(LatencyDistribution.EXPONENTIAL));
    SimulatedLlmServer server = sim.server;

    Path log1 = tmp.resolve("first.log");
    Process first = startDescribe(log1);
    ChildRun.awaitWhileAlive(first, 120, () -> journaled().size() >= 60);
    assertThat("the first run died early:\n" + Files.readString(log1), first.isAlive(), is(true));
    first.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flush
    first.waitFor(30, TimeUnit.SECONDS);
    long callsBeforeKill = server.totalRequests();
    List<StateRecord> beforeKill = journaled();
    assertThat(beforeKill.size(), greaterThan(0));
    assertThat(beforeKill.size(), lessThan(TASKS));

    Path log2 = tmp.resolve("second.log");
    Process second = startDescribe(log2);
    assertThat(second.waitFor(180, TimeUnit.SECONDS), is(true));
    assertThat("rerun failed:\n" + Files.readString(log2), second.exitValue(), is(0));

    StatusReport report =
        StatusReport.compute(
            new WorkLayout(tmp.resolve("work").toString()), WorkLayout.Step.DESCRIBE);
    assertThat(report.passed, is((long) TASKS));
    assertThat(report.pending(), is(0L));
    assertThat(report.malformedLines, is(0L));
    assertThat(report.tornLines, lessThanOrEqualTo(1L)); // at most the line the kill cut

    Map<String, Long> successes = server.successCountsByPrompt();
    long repeatedJournaled = 0;
    for (StateRecord r : beforeKill) {
      if (successes.get(sim.describeKey(r.fileName())) != 1L) {
        repeatedJournaled++;
      }
    }
    long totalSuccesses = successes.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(
        "crash test: tasks %d, requests before kill %d, journaled before kill %d, "
            + "successful calls in all %d, repeated calls (answered but not journaled at the kill) %d, "
            + "journaled answers asked again %d%n",
        TASKS,
        callsBeforeKill,
        beforeKill.size(),
        totalSuccesses,
        totalSuccesses - TASKS,
        repeatedJournaled);
    assertThat(repeatedJournaled, is(0L));
    assertThat(successes.size(), is(TASKS));
    assertThat(sim.describeKeys(), is(successes.keySet()));
    // Only calls in flight at the kill can be repeated: at most the in-flight window.
    assertThat(totalSuccesses - TASKS, lessThanOrEqualTo(8L));
    assertThat(new File(tmp.resolve("work/manifest.jsonl").toString()).exists(), is(true));
  }

  private List<StateRecord> journaled() throws Exception {
    return TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE);
  }
}
