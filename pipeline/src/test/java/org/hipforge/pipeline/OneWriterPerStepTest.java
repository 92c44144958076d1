package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.state.LockHolder;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.state.WorkLock;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per (work directory, step): a second describe on the same work directory refuses at
 * once naming the first, or waits with {@code --wait}; no answer is paid twice; every way a run
 * ends removes its lock.
 */
class OneWriterPerStepTest {
  private static final int TASKS = 150;
  private static final int FEW = 6;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stop() {
    for (Process p : children) {
      p.destroyForcibly();
    }
    WorkLock.releaseAllHeld();
  }

  private Path work() {
    return tmp.resolve("work");
  }

  private Path describeLock() {
    return Path.of(new WorkLayout(work().toString()).lockFile(WorkLayout.Step.DESCRIBE));
  }

  private void setUp(int tasks, long latencyMs) throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, tasks, SimulatorConfig.defaults().withLatencyMs(latencyMs));
  }

  private String[] describeArgs(String... more) {
    List<String> args = new ArrayList<>(List.of("--quiet=true"));
    args.addAll(List.of(more));
    return sim.args("describe", args.toArray(new String[0]));
  }

  /**
   * Runs {@code describe more} in this JVM, which must exit {@code code}; what it printed on
   * stderr.
   */
  private String describeExits(int code, String... more) {
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(Main.run(describeArgs(more), new TestCorpus.Captured().out, err.out), is(code));
    return err.text();
  }

  /** The exit code of {@code hipforge args} in this JVM, printing nowhere. */
  private static int exitOf(String... args) {
    return Main.run(args, new TestCorpus.Captured().out, new TestCorpus.Captured().out);
  }

  /**
   * {@code hipforge <args>} in a child JVM (embedded Flink, as a user runs it), output in {@code
   * log}.
   */
  private Process start(Path log, String... args) throws Exception {
    Process p = ChildRun.start(log, args);
    children.add(p);
    return p;
  }

  private Optional<LockHolder> lockHolder() {
    try {
      return LockHolder.parse(Files.readAllBytes(describeLock()));
    } catch (java.io.IOException absent) {
      return Optional.empty();
    }
  }

  private static void awaitLine(Process p, Path log, String text) throws Exception {
    boolean seen = ChildRun.awaitWhileAlive(p, 120, () -> Files.readString(log).contains(text));
    assertThat("no '" + text + "' in:\n" + Files.readString(log), seen, is(true));
  }

  @Test
  void aSecondDescribeRefusesNamingTheFirstAndAWaitingOneDoesOnlyWhatIsLeft() throws Exception {
    // 150 tasks, 4 in flight, 300 ms each: the first run calls for ~11 s, long after the others
    // start.
    setUp(TASKS, 300);
    Path log1 = tmp.resolve("first.log");
    Process first = start(log1, describeArgs("--maxInFlight=4", "--parallelism=1"));
    boolean locked =
        ChildRun.awaitWhileAlive(
            first, 120, () -> lockHolder().map(h -> h.pid() == first.pid()).orElse(false));
    assertThat("the first run never took the lock:\n" + Files.readString(log1), locked, is(true));

    Path log2 = tmp.resolve("second.log");
    long secondStart = System.nanoTime();
    Process second = start(log2, describeArgs("--maxInFlight=4", "--parallelism=1"));
    Path log3 = tmp.resolve("third.log");
    Process third = start(log3, describeArgs("--maxInFlight=4", "--parallelism=1", "--wait=true"));

    assertThat(second.waitFor(120, TimeUnit.SECONDS), is(true));
    double refusedAfter = (System.nanoTime() - secondStart) / 1e9;
    String refused = Files.readString(log2);
    assertThat(refused, second.exitValue(), is(2));
    assertThat(refused, containsString("another run holds the lock"));
    assertThat(
        refused,
        containsString("describe, pid " + first.pid() + " on host " + LockHolder.thisHost()));
    assertThat(refused, containsString("pass --wait"));
    assertThat(refused, not(containsString("tasks to do"))); // refused before counting anything

    awaitLine(third, log3, "waiting (--wait) for the run holding " + describeLock());
    assertThat(first.waitFor(180, TimeUnit.SECONDS), is(true));
    assertThat(Files.readString(log1), first.exitValue(), is(0));
    assertThat(third.waitFor(120, TimeUnit.SECONDS), is(true));
    String waited = Files.readString(log3);
    assertThat(waited, third.exitValue(), is(0));
    assertThat(waited, containsString("the lock is free after"));
    assertThat(waited, containsString("0 of " + TASKS + " tasks to do"));

    // The simulator answered every prompt exactly once: nothing was paid twice.
    assertThat(sim.server.successCountsByPrompt().size(), is(TASKS));
    assertThat(sim.server.successCountsByPrompt().values(), everyItem(is(1L)));
    assertThat(sim.server.totalRequests(), is((long) TASKS));
    assertThat(Files.exists(describeLock()), is(false));
    System.out.printf(
        "two runs: the second exited 2 %.1f s after it started (JVM start included); "
            + "the waiting one: %s%n",
        refusedAfter,
        waited.lines().filter(l -> l.contains("the lock is free")).findFirst().orElse("?"));
  }

  @Test
  void aRunRefusedWhileThisJvmHoldsTheLockLeavesTheHoldersFileAndStatusNeedsNoLock()
      throws Exception {
    setUp(FEW, 0);
    try (WorkLock held =
        WorkLock.acquire(
            describeLock(), "held-by-test", "describe", false, new TestCorpus.Captured().out)) {
      String err = describeExits(2, "--runner=DirectRunner");
      assertThat(err, containsString("pid " + ProcessHandle.current().pid()));
      assertThat(err, containsString("run held-by-test"));
      // The same refusal where the command takes the lock (Main looks earlier, before Beam starts).
      String[] flags = describeArgs("--runner=DirectRunner");
      UsageException late =
          assertThrows(
              UsageException.class,
              () ->
                  DescribeCommand.run(
                      TestCorpus.options(Arrays.copyOfRange(flags, 1, flags.length)),
                      new TestCorpus.Captured().out));
      assertThat(late.getMessage(), containsString("pid " + ProcessHandle.current().pid()));
      assertThat(lockHolder().orElseThrow().token(), is(held.holder().token()));
      assertThat(sim.server.totalRequests(), is(0L));
      // status and export read only: they run beside a writer.
      assertThat(exitOf("status", "--workDir=" + work()), is(0));
      assertThat(exitOf("export", "--workDir=" + work()), is(0));
    }
    assertThat(Files.exists(describeLock()), is(false));
  }

  @Test
  void theLockIsGoneAfterANormalRunAFailedRunAndAUsageErrorAfterTakingIt() throws Exception {
    setUp(FEW, 0);
    // A usage error found after the lock was taken (a rate share above 1): exit 2.
    assertThat(
        describeExits(2, "--runner=DirectRunner", "--rateShare=5"),
        containsString("--rateShare must be in (0, 1]"));
    assertThat(Files.exists(describeLock()), is(false));

    // A run that fails: its state directory cannot be created (a file is in the way): exit 1.
    Files.createDirectories(work().resolve("state/describe"));
    Files.writeString(work().resolve("state/describe/run-fails"), "in the way");
    assertThat(
        describeExits(1, "--runner=DirectRunner", "--runId=run-fails"), containsString("FAILED"));
    assertThat(Files.exists(describeLock()), is(false));

    // A normal run: exit 0 and the lock removed. Main took the lock before Beam's options started
    // and the command ran under the run id that lock named.
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(
        Main.run(describeArgs("--runner=DirectRunner"), out.out, new TestCorpus.Captured().out),
        is(0));
    assertThat(out.text(), containsString("describe: run "));
    assertThat(Files.exists(describeLock()), is(false));
    try (var files = Files.list(describeLock().getParent())) {
      assertThat(
          files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("LOCK")).count(),
          is(0L));
    }
  }
}
