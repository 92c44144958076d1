package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel resources end to end: generate and validate against the simulator with real hipcc. */
class KernelResourcesEndToEndTest {
  private static final int TASKS = 4;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @Test
  void compiledGenerationsRecordEachKernelsResourcesPerArchAndValidateCanLeaveThemOut()
      throws Exception {
    TestCorpus.assumeHipcc();
    sim = TestCorpus.SimulatedWork.start(tmp, TASKS, TestCorpus.compiling(2, 0.0, 3));
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);

    GenerateCommand.run(sim.direct("--offloadArch=gfx90a,gfx1030"), new TestCorpus.Captured().out);

    List<StateRecord> generated = TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE);
    assertThat(generated.size(), is(TASKS));
    for (StateRecord r : generated) {
      assertThat(r.toString(), r.compiled(), is(true));
      assertThat(r.toString(), r.resources().isEmpty(), is(false));
      assertThat(
          r.resources().stream().map(KernelResources::arch).distinct().sorted().toList(),
          is(List.of("gfx1030", "gfx90a")));
      for (KernelResources k : r.resources()) {
        assertThat(k.toString(), k.vgprs(), greaterThan(0));
        assertThat(k.toString(), k.occupancy(), greaterThan(0));
      }
    }
    String lines;
    try (Stream<Path> files = Files.walk(tmp.resolve("work/state/generate"))) {
      StringBuilder sb = new StringBuilder();
      for (Path f :
          files
              .filter(f -> f.toString().endsWith(".jsonl") && !f.toString().contains("journal"))
              .toList()) {
        sb.append(Files.readString(f));
      }
      lines = sb.toString();
    }
    assertThat(lines, containsString("\"resources_vgprs_max\":"));
    assertThat(lines, containsString("\"resources_occupancy_min\":"));
    assertThat(lines, containsString("\"resources_kernels\":\"gfx"));

    // validate shares the compiler path: --resources=false records verdicts without resources.
    long compiled =
        ValidateCommand.run(sim.direct("--resources=false"), new TestCorpus.Captured().out);
    assertThat(compiled, is((long) TASKS));
    for (StateRecord r : TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE)) {
      assertThat(r.compiled(), is(true));
      assertThat(r.toString(), r.resources().isEmpty(), is(true));
    }
    // ...and by default it records them again.
    ValidateCommand.run(sim.direct(), new TestCorpus.Captured().out);
    for (StateRecord r : TestCorpus.latest(sim.work, WorkLayout.Step.GENERATE)) {
      assertThat(r.toString(), r.resources().isEmpty(), is(not(true)));
    }
  }
}
