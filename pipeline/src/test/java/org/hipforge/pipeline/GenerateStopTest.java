package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.llm.sim.SimulatedLlmServer;
import org.hipforge.io.llm.sim.SimulatorConfig;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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
  private SimulatedLlmServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private List<Path> compileDirs(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("hipforge-hip-")).collect(Collectors.toList());
    }
  }

  @Test
  void sigtermDuringACompileLeavesNoCompilerAndNoTempDir() throws Exception {
    Assumptions.assumeTrue(HipToolchain.detect().isPresent(), "needs hipcc (scripts/test.sh installs it)");
    TestCorpus.writeKernels(tmp.resolve("src"), TASKS);
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(100).withSeed(7));
    Path config = TestCorpus.writeConfig(tmp, server.baseUrl());
    Path work = tmp.resolve("work");
    List<String> common = List.of("--workDir=" + work, "--sourceDir=" + tmp.resolve("src"), "--config=" + config,
        "--modelName=sim", "--quiet=true");
    TestCorpus.Captured log = new TestCorpus.Captured();
    List<String> direct = new ArrayList<>(common);
    direct.add("--runner=DirectRunner");
    ManifestCommand.run(TestCorpus.options(direct.toArray(new String[0])), log.out);
    DescribeCommand.run(TestCorpus.options(direct.toArray(new String[0])), log.out);
    long paidBefore = server.successCountsByPrompt().values().stream().mapToLong(Long::longValue).sum();

    Path childTmp = tmp.resolve("child-tmp");
    Path out = tmp.resolve("generate.log");
    List<String> args = new ArrayList<>(List.of("generate"));
    args.addAll(common);
    args.addAll(List.of("--maxInFlight=4", "--parallelism=1"));
    Process child = PoliteStopTest.startInOwnGroup(tmp, out, args.toArray(new String[0]));
    ProcessHandle jvm = child.toHandle();
    Set<ProcessHandle> seen = new LinkedHashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    boolean compiling = false;
    while (child.isAlive() && System.nanoTime() < deadline) {
      jvm.descendants().forEach(seen::add);
      if (Files.isDirectory(childTmp) && !compileDirs(childTmp).isEmpty()) {
        compiling = true;
        break;
      }
      Thread.sleep(5);
    }
    assertThat("no compile seen before the run ended:\n" + Files.readString(out), compiling, is(true));
    jvm.descendants().forEach(seen::add);
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(child.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS), is(true));
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

    long paid = server.successCountsByPrompt().values().stream().mapToLong(Long::longValue).sum() - paidBefore;
    long journaled = PoliteStopTest.journaled(work, WorkLayout.Step.GENERATE).size();
    System.out.printf("generate stop: %d compiler processes seen, %d generate answers paid, %d journaled%n",
        seen.size(), paid, journaled);
    assertThat("every generate answer paid for is journaled", journaled, is(paid));
  }
}
