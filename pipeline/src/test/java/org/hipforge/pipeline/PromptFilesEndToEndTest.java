package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompt templates as files, from the command line: real files, real HTTP on loopback,
 * DirectRunner.
 */
class PromptFilesEndToEndTest {
  private static final int TASKS = 4;
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private int main(TestCorpus.Captured out, TestCorpus.Captured err, String... args) {
    return Main.run(args, out.out, err.out);
  }

  @Test
  void editedPromptsAreUsedRecordedWithTheirVersionAndCountedByStatus() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, TASKS, SimulatorConfig.defaults().withLatencyMs(2));
    Path dir = tmp.resolve("prompts");
    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(main(out, err, "prompts", "--out=" + dir), is(0));
    assertThat(out.text(), containsString("describe.user.txt"));
    assertThat(out.text(), containsString("{{source}} {{file_name}}"));

    // A described kernel, then the describe template edited: a new question for every later task.
    String describeUser =
        "Kernel file {{file_name}}. Explain what it computes.\n\n```hip\n{{source}}```\n";
    Files.writeString(dir.resolve("describe.user.txt"), describeUser);
    PromptSet edited = PromptSet.load(dir);
    String version = edited.version(PromptSet.Kind.DESCRIBE);
    assertThat(
        main(
            out,
            err,
            sim.args("describe", "--promptDir=" + dir, "--runner=DirectRunner", "--quiet=true")),
        is(0));
    assertThat(
        out.text(),
        containsString("describe: prompts from " + dir + " (prompt_version " + version + ")"));
    Set<String> expectedKeys = new HashSet<>();
    for (String name : sim.names) {
      expectedKeys.add(
          SimulatedLlmServer.promptKey(
              edited.describe(name, Files.readString(sim.src.resolve(name))).user()));
    }
    assertThat(sim.server.successCountsByPrompt().keySet(), is(expectedKeys));
    List<StateRecord> records = TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE);
    assertThat(records.size(), is(TASKS));
    for (StateRecord r : records) {
      assertThat(r.promptVersion(), is(version));
    }

    // status against the built-in templates counts them apart; against the edited ones it does not.
    TestCorpus.Captured status = new TestCorpus.Captured();
    assertThat(main(status, err, "status", "--workDir=" + sim.work), is(0));
    assertThat(status.text(), containsString("  made with another prompt"));
    TestCorpus.Captured same = new TestCorpus.Captured();
    assertThat(main(same, err, "status", "--workDir=" + sim.work, "--promptDir=" + dir), is(0));
    assertThat(same.text(), not(containsString("another prompt")));

    // generate with an edited template that uses the target: its records carry the generate
    // version.
    Files.writeString(
        dir.resolve("generate.user.txt"),
        "{{instruction}}\n\nIt must compile for {{offload_arch}}.\n");
    String generateVersion = PromptSet.load(dir).version(PromptSet.Kind.GENERATE);
    assertThat(
        main(
            out,
            err,
            sim.args(
                "generate",
                "--promptDir=" + dir,
                "--validate=none",
                "--offloadArch=gfx942",
                "--runner=DirectRunner",
                "--quiet=true")),
        is(0));
    List<StateRecord> generated = shardRecords(sim.work.resolve("state/generate"));
    assertThat(generated.size(), is(TASKS));
    List<String> versions = new ArrayList<>();
    generated.forEach(r -> versions.add(r.promptVersion()));
    assertThat(versions, everyItem(is(generateVersion)));
    assertThat(err.text(), is(""));
  }

  @Test
  void aBadTemplateStopsDescribeWithExit2NamingFileAndLineBeforeAnyCall() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, TASKS, SimulatorConfig.defaults().withLatencyMs(2));
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.writeString(
        dir.resolve("describe.user.txt"), "File {{file_name}}\n{{instruction}}\n{{source}}\n");
    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(
        main(out, err, sim.args("describe", "--promptDir=" + dir, "--runner=DirectRunner")), is(2));
    assertThat(
        err.text(),
        is(
            "hipforge describe: "
                + dir.resolve("describe.user.txt")
                + ":2: {{instruction}} is not available in this template (it may use: {{source}}, {{file_name}})\n"));
    assertThat(sim.server.totalRequests(), is(0L));

    Files.writeString(dir.resolve("describe.user.txt"), "File {{file_name}}\n{{source}}\n");
    Files.delete(dir.resolve("generate.system.txt"));
    TestCorpus.Captured err2 = new TestCorpus.Captured();
    assertThat(
        main(out, err2, sim.args("generate", "--promptDir=" + dir, "--validate=none")), is(2));
    assertThat(err2.text(), containsString("generate.system.txt: missing"));
    assertThat(err2.text().lines().count(), is(1L));
    assertThat(sim.server.totalRequests(), is(0L));

    TestCorpus.Captured err3 = new TestCorpus.Captured();
    assertThat(main(out, err3, "prompts", "--out=" + dir), is(2));
    assertThat(err3.text(), containsString("exists already"));
    assertThat(main(out, err3, "prompts"), is(2));
  }

  /** Every record of the state shards (not the journals) under {@code stepDir}. */
  private static List<StateRecord> shardRecords(Path stepDir) throws Exception {
    List<StateRecord> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(stepDir)) {
      for (Path f : s.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            out.add(StateRecordJson.parse(line));
          }
        }
      }
    }
    return out;
  }
}
