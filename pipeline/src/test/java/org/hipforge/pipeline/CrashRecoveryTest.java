package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.sim.LatencyDistribution;
import org.hipforge.io.llm.sim.SimulatedLlmServer;
import org.hipforge.io.llm.sim.SimulatorConfig;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of describe, then the same command again: nothing journaled is
 * paid for twice, every task ends with a pass:true latest record, and every state file reads.
 */
class CrashRecoveryTest {
  private static final int TASKS = 300;
  @TempDir Path tmp;
  private SimulatedLlmServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Process startDescribe(Path config, Path log) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "describe",
        "--workDir=" + tmp.resolve("work"), "--sourceDir=" + tmp.resolve("src"), "--config=" + config,
        "--modelName=sim", "--maxInFlight=8", "--parallelism=1"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private List<StateRecord> journaled() throws Exception {
    List<StateRecord> out = new ArrayList<>();
    Path dir = tmp.resolve("work/state/describe/journal");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          try {
            out.add(StateRecordJson.parse(line));
          } catch (MalformedLineException torn) {
            // a line cut by the kill: not journaled
          }
        }
      }
    }
    return out;
  }

  @Test
  void rerunAfterKillNineRepeatsNoJournaledCallAndFinishesEveryTask() throws Exception {
    List<String> names = TestCorpus.writeKernels(tmp.resolve("src"), TASKS);
    // ~40 calls/s with 8 in flight: the run takes several seconds, so the kill lands mid-run.
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(200)
        .withLatencyDistribution(LatencyDistribution.EXPONENTIAL));
    Path config = TestCorpus.writeConfig(tmp, server.baseUrl());
    ManifestCommand.run(TestCorpus.options("--workDir=" + tmp.resolve("work"),
        "--sourceDir=" + tmp.resolve("src")), new TestCorpus.Captured().out);

    Path log1 = tmp.resolve("first.log");
    Process first = startDescribe(config, log1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (journaled().size() < 60 && first.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat("the first run died early:\n" + Files.readString(log1), first.isAlive(), is(true));
    first.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flush
    first.waitFor(30, TimeUnit.SECONDS);
    long callsBeforeKill = server.totalRequests();
    List<StateRecord> beforeKill = journaled();
    assertThat(beforeKill.size(), greaterThan(0));
    assertThat(beforeKill.size(), lessThan(TASKS));

    Path log2 = tmp.resolve("second.log");
    Process second = startDescribe(config, log2);
    assertThat(second.waitFor(180, TimeUnit.SECONDS), is(true));
    assertThat("rerun failed:\n" + Files.readString(log2), second.exitValue(), is(0));

    StatusReport report = StatusReport.compute(new WorkLayout(tmp.resolve("work").toString()),
        WorkLayout.Step.DESCRIBE);
    assertThat(report.passed, is((long) TASKS));
    assertThat(report.pending(), is(0L));
    assertThat(report.malformedLines, is(0L));
    assertThat(report.tornLines, lessThanOrEqualTo(1L)); // at most the line the kill cut

    Map<String, String> promptKeyToFile = new HashMap<>();
    for (String name : names) {
      String code = Files.readString(tmp.resolve("src").resolve(name));
      promptKeyToFile.put(SimulatedLlmServer.promptKey(Prompts.describe(name, code).user()), name);
    }
    Map<String, Long> successes = server.successCountsByPrompt();
    long repeatedJournaled = 0;
    for (StateRecord r : beforeKill) {
      String code = Files.readString(tmp.resolve("src").resolve(r.fileName()));
      String key = SimulatedLlmServer.promptKey(Prompts.describe(r.fileName(), code).user());
      if (successes.get(key) != 1L) {
        repeatedJournaled++;
      }
    }
    long totalSuccesses = successes.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("crash test: tasks %d, requests before kill %d, journaled before kill %d, "
        + "successful calls in all %d, repeated calls (answered but not journaled at the kill) %d, "
        + "journaled answers asked again %d%n", TASKS, callsBeforeKill, beforeKill.size(),
        totalSuccesses, totalSuccesses - TASKS, repeatedJournaled);
    assertThat(repeatedJournaled, is(0L));
    assertThat(successes.size(), is(TASKS));
    assertThat(promptKeyToFile.keySet(), is(successes.keySet()));
    // Only calls in flight at the kill can be repeated: at most the in-flight window.
    assertThat(totalSuccesses - TASKS, lessThanOrEqualTo(8L));
    assertThat(new File(tmp.resolve("work/manifest.jsonl").toString()).exists(), is(true));
  }
}
