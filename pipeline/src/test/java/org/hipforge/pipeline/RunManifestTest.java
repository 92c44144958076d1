package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code W/runs/<run-id>.json}: written when a run starts, completed when it ends, also when a
 * SIGTERM stops it; and the progress lines a run prints on the way.
 */
class RunManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private static List<Path> manifests(Path work) throws Exception {
    Path runs = work.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(runs)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".json"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void aFinishedDescribeRecordsItsFlagsProviderCountsTokensAndCost() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 6, SimulatorConfig.defaults().withLatencyMs(5));
    Files.writeString(
        sim.config,
        Files.readString(sim.config)
            .replace(
                "\"model\"",
                "\"input_price_per_mtok\": 1.0, \"output_price_per_mtok\": 2.0, \"model\""));
    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(
        err.text(),
        Main.run(
            sim.args("describe", "--runner=DirectRunner", "--runId=r1", "--maxInFlight", "4"),
            out.out,
            err.out),
        is(0));
    assertThat(manifests(sim.work).size(), is(1));
    JsonNode m = JSON.readTree(sim.work.resolve("runs/r1.json").toFile());
    assertThat(m.get("schema").asInt(), is(1));
    assertThat(m.get("command").asText(), is("describe"));
    assertThat(m.get("status").asText(), is("done"));
    assertThat(m.get("exit_code").asInt(), is(0));
    assertThat(m.get("flags").get("maxInFlight").asText(), is("4"));
    assertThat(m.get("flags").get("modelName").asText(), is("sim"));
    assertThat(m.get("engine").get("runner").asText(), is("DirectRunner"));
    assertThat(m.get("engine").get("job_name").asText(), is("hipforge-describe-r1"));
    assertThat(m.get("provider").get("name").asText(), is("sim"));
    assertThat(m.get("provider").get("model").asText(), is(not("")));
    assertThat(m.get("prompt_version").isNull(), is(true));
    assertThat(m.get("tasks").get("planned").asLong(), is(6L));
    assertThat(m.get("tasks").get("recorded").asLong(), is(6L));
    assertThat(m.get("categories").get("pass").asLong(), is(6L));
    assertThat(m.get("requests").get("sent").asLong(), is(6L));
    assertThat(m.get("tokens").get("input").asLong(), greaterThan(0L));
    assertThat(m.get("tokens").get("answers_journaled").asLong(), is(6L));
    double cost =
        m.get("tokens").get("input").asLong() / 1e6
            + 2 * m.get("tokens").get("output").asLong() / 1e6;
    assertThat(Math.abs(m.get("cost_usd").asDouble() - cost) < 1e-5, is(true));
    assertThat(m.get("ended_at").asText(), containsString("T"));
    assertThat("no temp file left", Files.list(sim.work.resolve("runs")).count(), is(1L));
    assertThat(
        Files.readString(sim.work.resolve("runs/r1.json")), not(containsString("HIPFORGE_TEST")));
  }

  @Test
  void aSigtermMidDescribeLeavesAStoppedManifestWithWhatWasJournaled() throws Exception {
    // 1 s per answer, 8 in flight, 64 tasks: 8 s of calls, long enough for a progress line.
    sim = TestCorpus.SimulatedWork.start(tmp, 64, SimulatorConfig.defaults().withLatencyMs(1000));
    Path log = tmp.resolve("describe.log");
    Process child =
        ChildRun.startInOwnGroup(
            tmp.resolve("child-tmp"),
            log,
            sim.args("describe", "--maxInFlight=8", "--parallelism=1", "--runId=stopped-run"));
    Path manifest = sim.work.resolve("runs/stopped-run.json");
    ChildRun.awaitWhileAlive(
        child,
        120,
        () ->
            TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE).size() >= 8
                && Files.exists(manifest)
                && Files.readString(log).contains(" tasks/s, "));
    assertThat(
        "the run ended before the signal:\n" + Files.readString(log), child.isAlive(), is(true));
    JsonNode running = JSON.readTree(manifest.toFile());
    assertThat(running.get("status").asText(), is("running"));
    assertThat(running.get("exit_code"), is(JSON.nullNode()));
    assertThat(running.get("engine").get("job_name").asText(), is("hipforge-describe-stopped-run"));
    ChildRun.signalGroup(child, "TERM");
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = Files.readString(log);
    assertThat(out, child.exitValue(), is(143));
    JsonNode m = JSON.readTree(manifest.toFile());
    assertThat(out, m.get("status").asText(), is("stopped"));
    assertThat(m.get("exit_code").asInt(), is(143));
    assertThat(m.get("stop_reason").asText(), is("SIGTERM"));
    long journaled = TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE).size();
    assertThat(
        "counted from the journal",
        m.get("tokens").get("answers_journaled").asLong(),
        is(journaled));
    assertThat(m.get("categories").get("pass").asLong(), is(journaled));
    assertThat(m.get("ended_at"), is(not(nullValue())));
    // The progress lines of a run in a log: plain lines, in flight and the rate shown.
    assertThat(out, containsString("describe: "));
    assertThat(out, containsString(", in flight "));
    assertThat(out, containsString(" tasks/s"));
    assertThat(out, not(containsString("\r")));
  }
}
