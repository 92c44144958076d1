package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generate end to end: real HTTP on loopback, real hipcc, real files. */
class GenerateEndToEndTest {
  private static final int TASKS = 12;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;
  private SimulatedLlmServer server;

  private void describeAll(double compileErrorRate) throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, TASKS, TestCorpus.compiling(2, compileErrorRate, 7));
    server = sim.server;
    assertThat(
        DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out).passed, is((long) TASKS));
  }

  @Test
  void generatedCodeIsCompiledAndOnlyCompilingCodeIsWrittenAndARerunCallsNothing()
      throws Exception {
    TestCorpus.assumeHipcc();
    // Half the answers are broken on purpose (draws depend on arrival order; 0.5^12 makes
    // "none broken" or "all broken" a 1-in-4096 event).
    describeAll(0.5);
    long afterDescribe = server.totalRequests();
    TestCorpus.Captured log = new TestCorpus.Captured();

    // Without the repair loop (--repairRounds=0): one answer per task, as before it existed.
    StatusReport report = GenerateCommand.run(sim.direct("--repairRounds=0"), log.out);
    assertThat(server.totalRequests(), is(afterDescribe + TASKS));
    assertThat("no round fields without the repair loop", report.maxRounds, is(-1));
    assertThat(report.passed + report.failed, is((long) TASKS));
    assertThat("some answers compile", report.compiled, greaterThan(0L));
    assertThat("some answers were broken on purpose", report.failed, greaterThan(0L));
    assertThat(report.failedByCategory, is(Map.of("compile_error", report.failed)));
    assertThat(report.compiled, is(report.passed));

    List<StateRecord> generated = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
    assertThat(generated.size(), is(TASKS));
    for (StateRecord r : generated) {
      assertThat(r.roundVerdicts(), nullValue());
      Path file = tmp.resolve("work/out/hip").resolve(r.fileName());
      if (r.pass()) {
        assertThat(r.compiled(), is(true));
        assertThat(r.outputPath(), is("out/hip/" + r.fileName()));
        assertThat(Files.readString(file), containsString("__global__"));
        assertThat(r.codeSha256(), not(emptyOrNullString()));
        assertThat(r.toolchain(), containsString("HIP"));
      } else {
        assertThat(r.compiled(), is(false));
        assertThat(r.compileError(), containsString("error"));
        assertThat(r.errorMsg(), containsString("compile_error: "));
        assertThat(r.outputPath(), nullValue());
        assertThat(Files.exists(file), is(false));
      }
    }

    // The rerun retries the failed ones, but their prompts were paid for: all from the journal.
    long beforeRerun = server.totalRequests();
    StatusReport again = GenerateCommand.run(sim.direct("--repairRounds=0"), log.out);
    assertThat(server.totalRequests(), is(beforeRerun));
    assertThat(again.passed, is(report.passed));

    // Every task, the failed ones too (without --includeFailed only compiled pairs are rows).
    long rows = ExportCommand.run(sim.direct("--includeFailed=true"), log.out);
    assertThat(rows, is((long) TASKS));
    List<String> lines =
        Files.readAllLines(tmp.resolve("work/export/dataset.jsonl"), StandardCharsets.UTF_8);
    assertThat(lines.size(), is(TASKS));
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("instruction").asText(), containsString("kernel"));
    assertThat(first.get("source_code").asText(), containsString("__global__"));
    assertThat(first.has("generated_code"), is(true));
    assertThat(first.get("tokens").get("describe_input").asLong(), greaterThan(0L));
    assertThat(ExportCommand.run(sim.direct(), log.out), is(report.passed));
  }

  @Test
  void withoutValidationCodeIsWrittenWithCompiledUnknown() throws Exception {
    describeAll(0.0);
    StatusReport report =
        GenerateCommand.run(sim.direct("--validate=none"), new TestCorpus.Captured().out);
    assertThat(report.passed, is((long) TASKS));
    assertThat(report.compiled, is(0L));
    try (var files = Files.walk(tmp.resolve("work/out/hip"))) {
      assertThat(files.filter(Files::isRegularFile).count(), is((long) TASKS));
    }
  }

  @Test
  void validateRechecksCodeWrittenWithoutValidationAndRecordsTheVerdicts() throws Exception {
    TestCorpus.assumeHipcc();
    describeAll(0.0);
    GenerateCommand.run(sim.direct("--validate=none"), new TestCorpus.Captured().out);
    // One file is broken by hand after generation: validate must catch it.
    Path broken;
    try (var files = Files.walk(tmp.resolve("work/out/hip"))) {
      broken = files.filter(Files::isRegularFile).sorted().findFirst().orElseThrow();
    }
    Files.writeString(broken, Files.readString(broken) + "\nint broken = undeclared_thing;\n");

    long compiled = ValidateCommand.run(sim.direct(), new TestCorpus.Captured().out);

    assertThat(compiled, is((long) TASKS - 1));
    StatusReport report =
        StatusReport.compute(
            new WorkLayout(tmp.resolve("work").toString()), WorkLayout.Step.GENERATE);
    assertThat(report.compiled, is((long) TASKS - 1));
    assertThat(report.failedByCategory, is(Map.of("compile_error", 1L)));
  }

  @Test
  void idsSelectTasksAndUnknownIdsAreReportedNotIgnored() throws Exception {
    describeAll(0.0);
    UsageException unknown =
        assertThrows(
            UsageException.class,
            () ->
                GenerateCommand.run(
                    sim.direct("--validate=none", "--ids=1,999,1000"),
                    new TestCorpus.Captured().out));
    assertThat(unknown.getMessage(), containsString("[999, 1000]"));

    long before = server.totalRequests();
    StatusReport report =
        GenerateCommand.run(
            sim.direct("--validate=none", "--ids=3,5"), new TestCorpus.Captured().out);
    assertThat(server.totalRequests(), is(before + 2));
    assertThat(report.passed, is(2L));
  }
}
