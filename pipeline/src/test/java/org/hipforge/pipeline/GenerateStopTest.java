package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the JVM alone (as a service manager sends it: the compilers do not get it) while
 * {@code generate} compiles: after the exit no compiler process of it is alive and no {@code
 * hipforge-hip-*} temp dir is left, and every generate answer paid for is journaled.
 */
class GenerateStopTest {
  private static final int TASKS = 30;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private List<Path> compileDirs(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("hipforge-hip-"))
          .collect(Collectors.toList());
    }
  }

  @Test
  void sigtermDuringACompileLeavesNoCompilerAndNoTempDir() throws Exception {
    TestCorpus.assumeHipcc();
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, TASKS, SimulatorConfig.defaults().withLatencyMs(100).withSeed(7));
    Path work = sim.work;
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);
    long paidBefore = sim.paid();

    Path childTmp = tmp.resolve("child-tmp");
    Path out = tmp.resolve("generate.log");
    Process child =
        ChildRun.startInOwnGroup(
            childTmp,
            out,
            sim.args("generate", "--quiet=true", "--maxInFlight=4", "--parallelism=1"));
    ProcessHandle jvm = child.toHandle();
    Set<ProcessHandle> seen = new LinkedHashSet<>();
    boolean compiling =
        ChildRun.awaitWhileAlive(
            child,
            180,
            () -> {
              jvm.descendants().forEach(seen::add);
              return Files.isDirectory(childTmp) && !compileDirs(childTmp).isEmpty();
            });
    assertThat(
        "no compile seen before the run ended:\n" + Files.readString(out), compiling, is(true));
    jvm.descendants().forEach(seen::add);
    ChildRun.signal(child, "TERM");
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String said = Files.readString(out);
    assertThat(said, child.exitValue(), is(143));
    assertThat(said, containsString("generate: stopping (SIGTERM): no new requests"));
    assertThat(said, containsString("generate: stopped: "));

    assertThat(seen.size(), greaterThan(0));
    for (ProcessHandle h : seen) {
      h.onExit().get(30, TimeUnit.SECONDS);
      assertThat("compiler " + h.pid() + " is gone", h.isAlive(), is(false));
    }
    assertThat("no hipforge-hip-* temp dir left", compileDirs(childTmp), is(empty()));

    long paid = sim.paid() - paidBefore;
    long journaled = TestCorpus.journaled(work, WorkLayout.Step.GENERATE).size();
    System.out.printf(
        "generate stop: %d compiler processes seen, %d generate answers paid, %d journaled%n",
        seen.size(), paid, journaled);
    assertThat("every generate answer paid for is journaled", journaled, is(paid));
  }
}
