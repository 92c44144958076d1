package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

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
import org.hipforge.io.llm.sim.SimulatedLlmServer;
import org.hipforge.io.llm.sim.SimulatorConfig;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.AfterEach;
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
  private SimulatedLlmServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** {@code describe} in a child JVM that leads its own process group (setsid), like a shell job. */
  static Process startInOwnGroup(Path tmp, Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("setsid",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("child-tmp")),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Sends {@code signal} to the whole process group led by {@code p} ({@code kill -SIG -- -pgid}). */
  static void signalGroup(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + p.pid()).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS), is(true));
    assertThat("kill -" + signal + " -" + p.pid(), kill.exitValue(), is(0));
  }

  static List<StateRecord> journaled(Path work, WorkLayout.Step step) throws Exception {
    List<StateRecord> out = new ArrayList<>();
    Path dir = work.resolve("state/" + step.dir() + "/journal");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          try {
            out.add(StateRecordJson.parse(line));
          } catch (MalformedLineException torn) {
            // not an answer
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM"})
  void aSignalMidDescribeJournalsEveryAnswerInFlightAndTheRerunAsksOnlyForTheRest(String signal)
      throws Exception {
    List<String> names = TestCorpus.writeKernels(tmp.resolve("src"), TASKS);
    // 1 s per answer, 8 in flight: ~8 answers a second, so the signal lands with 8 calls in flight.
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(1000));
    Path config = TestCorpus.writeConfig(tmp, server.baseUrl());
    Path work = tmp.resolve("work");
    ManifestCommand.run(TestCorpus.options("--workDir=" + work, "--sourceDir=" + tmp.resolve("src")),
        new TestCorpus.Captured().out);

    Path log = tmp.resolve("describe.log");
    Process child = startInOwnGroup(tmp, log, "describe", "--workDir=" + work,
        "--sourceDir=" + tmp.resolve("src"), "--config=" + config, "--modelName=sim",
        "--maxInFlight=" + IN_FLIGHT, "--parallelism=1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (journaled(work, WorkLayout.Step.DESCRIBE).size() < IN_FLIGHT && child.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat("the run ended before the signal:\n" + Files.readString(log), child.isAlive(), is(true));
    signalGroup(child, signal);
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = Files.readString(log);
    int expected = signal.equals("INT") ? 130 : 143;
    assertThat(out, child.exitValue(), is(expected));
    assertThat(out, containsString("describe: stopping (SIG" + signal + "): no new requests; waiting up to 25 s for "));
    assertThat(out, containsString("calls in flight to reach the journal; "));
    assertThat(out, containsString("describe: stopped: "));
    assertThat(out, containsString("tasks left pending; 0 answers paid for but not journaled"));
    assertThat(out, containsString("describe: stopped by SIG" + signal + " after "));

    // Paid = answered 200 by the provider; every one of them is in the journal.
    long paid = server.successCountsByPrompt().values().stream().mapToLong(Long::longValue).sum();
    List<StateRecord> atStop = journaled(work, WorkLayout.Step.DESCRIBE);
    System.out.printf("polite stop (SIG%s): %d tasks, %d answers paid, %d journaled at the stop%n", signal,
        TASKS, paid, atStop.size());
    assertThat(out, (long) atStop.size(), is(paid));
    assertThat(atStop.size(), greaterThan(IN_FLIGHT));
    assertThat(atStop.size(), lessThan(TASKS));
    assertThat("the stop's summary counts them", out,
        containsString(atStop.size() + " answers journaled"));
    assertThat("no compiler or temp dir left", Files.list(tmp.resolve("child-tmp"))
        .filter(p -> p.getFileName().toString().startsWith("hipforge-hip-")).count(), is(0L));

    // The rerun finishes the rest and asks for nothing the journal holds.
    TestCorpus.Captured rerun = new TestCorpus.Captured();
    DescribeCommand.run(TestCorpus.options("--workDir=" + work, "--sourceDir=" + tmp.resolve("src"),
        "--config=" + config, "--modelName=sim", "--maxInFlight=" + IN_FLIGHT, "--runner=DirectRunner"), rerun.out);
    StatusReport report = StatusReport.compute(new WorkLayout(work.toString()), WorkLayout.Step.DESCRIBE);
    assertThat(rerun.text(), report.passed, is((long) TASKS));
    Map<String, String> keyToFile = new HashMap<>();
    for (String name : names) {
      String code = Files.readString(tmp.resolve("src").resolve(name));
      keyToFile.put(SimulatedLlmServer.promptKey(Prompts.describe(name, code).user()), name);
    }
    Map<String, Long> successes = server.successCountsByPrompt();
    assertThat(successes.keySet(), is(keyToFile.keySet()));
    long repeats = successes.values().stream().filter(n -> n != 1L).count();
    System.out.printf("polite stop (SIG%s): rerun asked %d of the %d journaled tasks again%n", signal, repeats,
        atStop.size());
    assertThat("no answer paid twice", repeats, is(0L));
  }

  @org.junit.jupiter.api.Test
  void aSecondCtrlCStopsAtOnceWithoutWaitingForTheCallsInFlight() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 4);
    // Answers that take ten minutes: only the second Ctrl-C can end this run soon.
    server = SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(600_000));
    Path config = tmp.resolve("config.json");
    Files.writeString(config, "{\"sim\": {\"api\": \"openai\", \"base_url\": \"" + server.baseUrl()
        + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_TEST_UNSET_KEY\", \"timeout_s\": 900}}");
    Path work = tmp.resolve("work");
    ManifestCommand.run(TestCorpus.options("--workDir=" + work, "--sourceDir=" + tmp.resolve("src")),
        new TestCorpus.Captured().out);
    Path log = tmp.resolve("describe.log");
    Process child = startInOwnGroup(tmp, log, "describe", "--workDir=" + work, "--sourceDir=" + tmp.resolve("src"),
        "--config=" + config, "--modelName=sim", "--parallelism=1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (server.maxConcurrentRequests() == 0 && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat("no request was sent:\n" + Files.readString(log), server.maxConcurrentRequests(), greaterThan(0));
    signalGroup(child, "INT");
    while (!Files.readString(log).contains("describe: stopping (SIGINT)") && child.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat("the first-call probe: one request out", Files.readString(log),
        containsString("waiting up to 905 s for 1 calls in flight"));
    assertThat("the first Ctrl-C waits for the call in flight", child.isAlive(), is(true));
    signalGroup(child, "INT");
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = Files.readString(log);
    assertThat(out, child.exitValue(), is(130));
    assertThat(out, containsString("hipforge: SIGINT again: stopping at once"));
    assertThat(journaled(work, WorkLayout.Step.DESCRIBE).size(), is(0));
  }
}
