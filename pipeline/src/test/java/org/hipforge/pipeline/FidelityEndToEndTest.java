package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Path;
import java.util.List;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate records fidelity end to end: real HTTP on loopback against the simulator, real files.
 */
class FidelityEndToEndTest {
  private static final int TASKS = 6;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private void describeAll() throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, TASKS, SimulatorConfig.defaults().withLatencyMs(2).withSeed(7));
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);
  }

  @Test
  void generateWithSourceDirRecordsTheFidelityOfEveryExtractedFile() throws Exception {
    describeAll();
    GenerateCommand.run(sim.direct("--validate=none"), new TestCorpus.Captured().out);
    List<StateRecord> records = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
    assertThat(records.size(), is(TASKS));
    for (StateRecord r : records) {
      Fidelity f = r.fidelity();
      assertThat(r.fileName(), f, is(notNullValue()));
      // The simulator names its kernel after the instruction (so after the source's kernel) but
      // writes its own template's parameters: the name matches, the parameter types do not.
      assertThat(r.fileName(), f, is(new Fidelity(1, 1, 1, 0, 1, 1)));
      assertThat(f.score(), is(0.7));
    }

    ExportCommand.run(sim.options("--quiet=true"), new TestCorpus.Captured().out);
    List<String> rows = java.nio.file.Files.readAllLines(tmp.resolve("work/export/dataset.jsonl"));
    assertThat(rows.size(), is(TASKS));
    com.fasterxml.jackson.databind.JsonNode row =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(rows.get(0));
    assertThat(row.get("fidelity").get("kernels_source").asInt(), is(1));
    assertThat(row.get("fidelity").get("names_matched").asInt(), is(1));
    assertThat(row.get("fidelity").get("params_matched").asInt(), is(0));
    assertThat(row.get("fidelity_score").asDouble(), is(0.7));
  }

  @Test
  void generateWithoutSourceDirRecordsNoFidelity() throws Exception {
    describeAll();
    DemoOptions o = sim.direct("--validate=none");
    o.setSourceDir(null);
    GenerateCommand.run(o, new TestCorpus.Captured().out);
    List<StateRecord> records = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
    assertThat(records.size(), is(TASKS));
    for (StateRecord r : records) {
      assertThat(r.fileName(), r.fidelity(), is(nullValue()));
    }
  }
}
