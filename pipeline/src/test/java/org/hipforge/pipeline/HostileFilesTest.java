package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files swapped or edited under a command's feet (issue 11): every command opens a recorded file
 * through the one rule ({@link org.hipforge.io.util.SafeFiles}), so a symlink leaving its root is
 * refused by describe, generate, validate, export, status and manifest alike, and a source edited
 * since describe is a stale pair, not a dataset row. Real files, real HTTP on loopback, real hipcc.
 */
class HostileFilesTest {
  private static final String MARKER = "OUTSIDE_THE_TREE_7f3a";
  private static final String SECRET =
      "#include <hip/hip_runtime.h>\n// "
          + MARKER
          + "\n"
          + "__global__ void secret(float* x) { x[threadIdx.x] = 1.0f; }\n";

  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private Path secret() throws Exception {
    Path secret = tmp.resolve("outside/secret.hip");
    Files.createDirectories(secret.getParent());
    Files.writeString(secret, SECRET, StandardCharsets.UTF_8);
    return secret;
  }

  private static void swapForSymlink(Path file, Path target) throws Exception {
    Files.delete(file);
    Files.createSymbolicLink(file, target);
  }

  /** The latest record per file name of a step, by the rule every command uses. */
  private Map<String, StateRecord> latest(WorkLayout.Step step) throws Exception {
    Map<String, StateRecord> byName = new HashMap<>();
    TestCorpus.latest(sim.work, step).forEach(r -> byName.put(r.fileName(), r));
    return byName;
  }

  private String export(String... extra) throws Exception {
    TestCorpus.Captured log = new TestCorpus.Captured();
    ExportCommand.run(sim.direct(extra), log.out);
    return log.text();
  }

  private List<JsonNode> rows() throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line :
        Files.readAllLines(sim.work.resolve("export/dataset.jsonl"), StandardCharsets.UTF_8)) {
      rows.add(json.readTree(line));
    }
    return rows;
  }

  @Test
  void eachCommandRefusesASymlinkLeavingItsRootAndNothingOutsideIsReadSentOrWritten()
      throws Exception {
    TestCorpus.assumeHipcc();
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, 3, SimulatorConfig.defaults().withLatencyMs(2).withSeed(3));
    Path secret = secret();

    // describe: a source swapped for a symlink after the manifest is refused, without a call.
    swapForSymlink(sim.src.resolve("kernel_1.hip"), secret);
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);
    assertThat(sim.paid(), is(2L));
    assertThat(
        sim.server
            .requestsByPrompt()
            .containsKey(
                SimulatedLlmServer.promptKey(Prompts.describe("kernel_1.hip", SECRET).user())),
        is(false));
    Map<String, StateRecord> described = latest(WorkLayout.Step.DESCRIBE);
    assertThat(described.get("kernel_1.hip").pass(), is(false));
    assertThat(described.get("kernel_1.hip").errorMsg(), containsString("unsafe_path"));

    // generate: a directory of out/hip that is a symlink out of it is not written through.
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.createDirectories(sim.work.resolve("out/hip"));
    Files.createSymbolicLink(sim.work.resolve("out/hip/sub0"), elsewhere);
    GenerateCommand.run(sim.direct("--validate=none"), new TestCorpus.Captured().out);
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertThat(s.count(), is(0L));
    }
    Map<String, StateRecord> generated = latest(WorkLayout.Step.GENERATE);
    assertThat(generated.get("sub0/kernel_0.hip").pass(), is(false));
    assertThat(generated.get("sub0/kernel_0.hip").errorMsg(), containsString("unsafe_path"));
    assertThat(generated.get("kernel_2.hip").pass(), is(true));

    // validate: a generated file swapped for a symlink out of out/hip is not compiled.
    swapForSymlink(sim.work.resolve("out/hip/kernel_2.hip"), secret);
    TestCorpus.Captured validate = new TestCorpus.Captured();
    assertThat(ValidateCommand.run(sim.direct(), validate.out), is(0L));
    assertThat(validate.text(), containsString("1 files not checked"));
    assertThat(validate.text(), containsString("kernel_2.hip"));
    assertThat(
        latest(WorkLayout.Step.GENERATE).get("kernel_2.hip").runId(),
        is(generated.get("kernel_2.hip").runId()));

    // export: neither swapped file reaches the dataset. Both rows' code is the journaled answer's
    // (checked against code_sha256): kernel_2's file in out/hip is refused, sub0/kernel_0's was
    // never written (its failure keeps the answer's prompt and code hash, so --includeFailed has
    // it).
    String exported = export("--includeFailed=true");
    assertThat(
        exported,
        containsString("1 generated files in " + sim.work.resolve("out/hip") + " refused"));
    List<JsonNode> rows = rows();
    assertThat(rows.size(), is(2)); // kernel_2 and sub0/kernel_0 were described
    for (JsonNode row : rows) {
      assertThat(row.toString(), not(containsString(MARKER)));
      assertThat(row.get("source_code").isNull(), is(false));
      boolean passed = row.get("file_name").asText().equals("kernel_2.hip");
      assertThat(row.get("generated_code").isNull(), is(false));
      assertThat(row.get("verdict").asText(), is(passed ? "unvalidated" : "unsafe_path"));
    }
    // A described source swapped afterwards: its row is left out, and the output says so.
    swapForSymlink(sim.src.resolve("kernel_2.hip"), secret);
    assertThat(
        export("--includeFailed=true"),
        containsString("1 rows left out: 0 stale (the source changed since describe"));
    assertThat(rows().size(), is(1));
    assertThat(
        Files.readString(sim.work.resolve("export/dataset.jsonl")), not(containsString(MARKER)));

    // status with --sourceDir counts it; a new manifest scan skips both.
    TestCorpus.Captured status = new TestCorpus.Captured();
    StatusCommand.run(sim.direct(), status.out);
    assertThat(
        status.text(), containsString(String.format("%-28s %10d", "refused (symlink/special)", 2)));
    TestCorpus.Captured manifest = new TestCorpus.Captured();
    ManifestCommand.run(sim.direct(), manifest.out);
    assertThat(manifest.text(), containsString("kernel_1.hip: kernel_1.hip under"));
    assertThat(manifest.text(), containsString("leading outside"));
    assertThat(
        Files.readString(sim.work.resolve("manifest.jsonl")), not(containsString("kernel_2.hip")));
  }

  @Test
  void aSourceEditedAfterDescribeIsAStalePairThatExportLeavesOutAndStatusCounts() throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, 3, SimulatorConfig.defaults().withLatencyMs(2).withSeed(3));
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);
    Files.writeString(
        sim.src.resolve("kernel_2.hip"), "\n// edited after describe\n", StandardOpenOption.APPEND);

    String exported =
        export("--includeFailed=true"); // described, not generated: exported with --includeFailed

    assertThat(exported, containsString("export: 2 rows"));
    assertThat(
        exported, containsString("1 rows left out: 1 stale (the source changed since describe"));
    assertThat(exported, containsString("kernel_2.hip changed since it was recorded"));
    for (JsonNode row : rows()) {
      assertThat(row.get("file_name").asText(), not(is("kernel_2.hip")));
      assertThat(row.get("source_code").asText(), not(containsString("edited after describe")));
    }
    TestCorpus.Captured status = new TestCorpus.Captured();
    StatusCommand.run(sim.direct(), status.out);
    assertThat(
        status.text(), containsString(String.format("%-28s %10d", "stale (changed on disk)", 1)));
    assertThat(status.text(), containsString("e.g. kernel_2.hip: run 'hipforge manifest'"));
    assertThat(sim.paid(), is(3L));
    // After a new manifest the task is pending again (stale), as status then says.
    ManifestCommand.run(sim.direct(), new TestCorpus.Captured().out);
    assertThat(
        DescribeCommand.plan(
                new WorkLayout(sim.work.toString()),
                org.hipforge.io.state.StateIndex.describe(
                    new WorkLayout(sim.work.toString()), false))
            .stale,
        is(1L));
  }
}
