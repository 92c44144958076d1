package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.util.Hex;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export end to end: a small corpus described and generated against the simulated provider on
 * loopback (half its generate answers broken on purpose), compiled by the real HIP compiler, then
 * exported in every format, with and without {@code --includeFailed}, and from an old manifest that
 * recorded no source root. Every export is checked for one JSON type per column across rows.
 */
class ExportEndToEndTest {
  private static final int TASKS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  /** Export options without --sourceDir: the source root comes from the manifest. */
  private DemoOptions exportOptions(String... extra) {
    DemoOptions o = sim.direct(extra);
    o.setSourceDir(null);
    return o;
  }

  private void describeAndGenerate(double compileErrorRate, String... generateFlags)
      throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, TASKS, TestCorpus.compiling(2, compileErrorRate, 11));
    assertThat(
        DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out).passed, is((long) TASKS));
    // No repair rounds: these tests need the broken answers to stay broken (the repair loop has its
    // own test).
    List<String> flags = new ArrayList<>(List.of("--repairRounds=0"));
    flags.addAll(List.of(generateFlags));
    GenerateCommand.run(sim.direct(flags.toArray(new String[0])), new TestCorpus.Captured().out);
  }

  private static List<JsonNode> rows(Path file) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      rows.add(JSON.readTree(line));
    }
    return rows;
  }

  private Path export(String name) {
    return sim.work.resolve("export").resolve(name);
  }

  @Test
  void aPlainExportHasOnlyCompiledPairsWithBothStepsAndTheSourceFromTheManifestsRoot()
      throws Exception {
    TestCorpus.assumeHipcc();
    describeAndGenerate(0.5);
    TestCorpus.Captured log = new TestCorpus.Captured();

    long written = ExportCommand.run(exportOptions(), log.out);

    List<JsonNode> rows = rows(export("dataset.jsonl"));
    assertThat(rows.size(), is((int) written));
    assertThat("some answers compile", rows.size(), greaterThan(0));
    assertThat("some answers were broken on purpose", rows.size(), lessThan(TASKS));
    assertThat(
        log.text(),
        containsString((TASKS - rows.size()) + " described tasks have no passed generation"));
    for (JsonNode r : rows) {
      String name = r.get("file_name").asText();
      byte[] source = Files.readAllBytes(sim.src.resolve(name));
      assertThat(r.get("source_code").asText(), is(new String(source, StandardCharsets.UTF_8)));
      assertThat(r.get("source_sha256").asText(), is(Hex.sha256(source)));
      assertThat(r.get("verdict").asText(), is("compiled"));
      assertThat(r.get("compiled").asBoolean(), is(true));
      assertThat(Hex.sha256(r.get("generated_code").asText()), is(r.get("code_sha256").asText()));
      assertThat(r.get("describe_model").asText(), is("sim-model"));
      assertThat(r.get("generate_model").asText(), is("sim-model"));
      assertThat(r.get("describe_provider").asText(), is("sim"));
      assertThat(r.get("generate_finish_reason").asText(), is("stop"));
      assertThat(r.get("describe_prompt_version").asText(), is("built-in"));
      assertThat(r.get("offload_arch").asText(), is("gfx90a"));
      assertThat(r.get("toolchain").asText(), containsString("HIP"));
      assertThat(r.get("compile_error").isNull(), is(true));
      assertThat(r.get("tokens").get("generate_output").asLong(), greaterThan(0L));
    }
    assertOneTypePerColumn(rows);

    String card = Files.readString(export("README.md"));
    assertThat(card, startsWith(DatasetCard.MARKER));
    assertThat(
        card, containsString("| described (instruction made, source unchanged) | " + TASKS + " |"));
    assertThat(card, containsString("| rows written | " + rows.size() + " |"));
    assertThat(
        card,
        containsString(
            "**Compile yield**: " + rows.size() + " of " + TASKS + " generations compiled"));
    assertThat(card, containsString("| `compile_error` | " + (TASKS - rows.size()) + " | 0 |"));
    assertThat(card, containsString("| describe | sim / sim-model | " + rows.size() + " |"));
    assertThat(card, containsString("| generate | built-in | " + rows.size() + " |"));
    assertThat(card, containsString("syntax-only compile"));
    assertThat(card, containsString("never run"));
    assertThat(card, containsString("| gfx90a | " + rows.size() + " |"));
    assertThat(card, containsString("| `compiled` | boolean | no |"));
    assertThat(card, containsString("\"compiled\": \"bool\", \"compile_error\": \"object\""));
    assertThat(card, containsString("pd.read_json(\"dataset.jsonl\", lines=True, dtype=DTYPES)"));
  }

  @Test
  void includeFailedKeepsFailedPairsWithTheirCodeVerdictsAndBilledTokens() throws Exception {
    TestCorpus.assumeHipcc();
    describeAndGenerate(0.5);

    ExportCommand.run(exportOptions("--includeFailed=true"), new TestCorpus.Captured().out);

    List<JsonNode> rows = rows(export("dataset.jsonl"));
    assertThat(rows.size(), is(TASKS));
    int failed = 0;
    for (JsonNode r : rows) {
      // Failed code is not in out/hip: it is rebuilt from the journal and must be the code judged.
      assertThat(Hex.sha256(r.get("generated_code").asText()), is(r.get("code_sha256").asText()));
      assertThat(r.get("tokens").get("generate_input").asLong(), greaterThan(0L));
      if (!r.get("compiled").asBoolean()) {
        failed++;
        assertThat(r.get("verdict").asText(), is("compile_error"));
        assertThat(r.get("compile_error").asText(), containsString("error"));
        assertThat(r.get("generate_error").asText(), startsWith("compile_error: "));
        assertThat(r.get("toolchain").asText(), containsString("HIP"));
      }
    }
    assertThat(failed, greaterThan(0));
    assertOneTypePerColumn(rows);
    assertThat(
        Files.readString(export("README.md")), containsString("Exported with `--includeFailed`"));
  }

  @Test
  void messagesAreTheGeneratePromptThatWasSentWithTheCodeAsTheAssistantTurn() throws Exception {
    TestCorpus.assumeHipcc();
    describeAndGenerate(0.5);

    long plain =
        ExportCommand.run(exportOptions("--format=messages"), new TestCorpus.Captured().out);
    long all =
        ExportCommand.run(
            exportOptions(
                "--format=messages",
                "--includeFailed=true",
                "--out=" + tmp.resolve("all/messages.jsonl")),
            new TestCorpus.Captured().out);

    assertThat(all, is((long) TASKS));
    assertThat(plain, lessThan(all));
    List<JsonNode> rows = rows(tmp.resolve("all/messages.jsonl"));
    Set<String> askedUserPrompts = sim.server.requestsByPrompt().keySet();
    for (JsonNode r : rows) {
      JsonNode m = r.get("messages");
      assertThat(m.size(), is(3));
      assertThat(m.get(0).get("role").asText(), is("system"));
      assertThat(
          m.get(0).get("content").asText(),
          is(PromptSet.defaults().template(PromptSet.Kind.GENERATE, true).text()));
      assertThat(m.get(1).get("role").asText(), is("user"));
      assertThat(
          "the user turn is a prompt the provider was sent",
          askedUserPrompts.contains(SimulatedLlmServer.promptKey(m.get(1).get("content").asText())),
          is(true));
      assertThat(m.get(2).get("role").asText(), is("assistant"));
      assertThat(m.get(2).get("content").asText(), startsWith("```hip\n"));
      assertThat(r.has("instruction"), is(false));
      assertThat(r.has("generated_code"), is(false));
      assertThat(r.get("source_code").asText(), containsString("__global__"));
    }
    assertOneTypePerColumn(rows);
    assertOneTypePerColumn(rows(export("messages.jsonl")));
    assertThat(Files.readString(tmp.resolve("all/README.md")), containsString("format `messages`"));
  }

  @Test
  void messagesOfEditedTemplatesNeedThoseTemplatesAndRenderTheirOffloadArch() throws Exception {
    Path prompts = tmp.resolve("prompts");
    PromptSet.writeDefaults(prompts);
    Files.writeString(
        prompts.resolve("generate.user.txt"), "Target {{offload_arch}}.\n\n{{instruction}}\n");
    describeAndGenerate(0.0, "--validate=none", "--promptDir=" + prompts, "--offloadArch=gfx942");

    TestCorpus.Captured builtIn = new TestCorpus.Captured();
    long none = ExportCommand.run(exportOptions("--format=messages"), builtIn.out);
    long edited =
        ExportCommand.run(
            exportOptions("--format=messages", "--promptDir=" + prompts),
            new TestCorpus.Captured().out);

    assertThat(none, is(0L));
    assertThat(builtIn.text(), containsString(TASKS + " rows without a chat row"));
    assertThat(builtIn.text(), containsString("--promptDir gives built-in"));
    assertThat(edited, is((long) TASKS));
    Set<String> asked = sim.server.requestsByPrompt().keySet();
    for (JsonNode r : rows(export("messages.jsonl"))) {
      String user = r.get("messages").get(1).get("content").asText();
      assertThat(user, startsWith("Target gfx942.\n\n"));
      assertThat(asked.contains(SimulatedLlmServer.promptKey(user)), is(true));
      assertThat(r.get("verdict").asText(), is("unvalidated"));
      assertThat(r.get("compiled").asBoolean(), is(false));
      assertThat(
          r.get("generate_prompt_version").asText(),
          is(PromptSet.load(prompts).version(PromptSet.Kind.GENERATE)));
    }
  }

  @Test
  void anOldManifestWithoutItsSourceRootNeedsSourceDirAndOtherwiseStopsWithExitTwo()
      throws Exception {
    describeAndGenerate(0.0, "--validate=none");
    Files.delete(
        sim.work.resolve(
            "manifest.source.json")); // as a manifest written before roots were recorded

    UsageException e =
        assertThrows(
            UsageException.class,
            () -> ExportCommand.run(exportOptions(), new TestCorpus.Captured().out));
    assertThat(e.getMessage(), containsString("--sourceDir=DIR"));
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(
        Main.run(
            new String[] {"export", "--workDir=" + sim.work},
            new TestCorpus.Captured().out,
            err.out),
        is(2));
    assertThat(err.text(), containsString("--sourceDir"));
    assertThat(Files.exists(export("dataset.jsonl")), is(false));

    long rows = ExportCommand.run(sim.direct(), new TestCorpus.Captured().out); // with --sourceDir
    assertThat(rows, is((long) TASKS));
    List<JsonNode> exported = rows(export("dataset.jsonl"));
    for (JsonNode r : exported) {
      assertThat(r.get("source_code").asText(), containsString("__global__"));
      assertThat(r.get("verdict").asText(), is("unvalidated"));
    }
    assertOneTypePerColumn(exported);
  }

  @Test
  void aSourceRootThatMovedIsAUsageErrorNamingWhereItWasRecorded() throws Exception {
    describeAndGenerate(0.0, "--validate=none");
    Files.move(sim.src, tmp.resolve("moved"));

    UsageException e =
        assertThrows(
            UsageException.class,
            () -> ExportCommand.run(exportOptions(), new TestCorpus.Captured().out));

    assertThat(e.getMessage(), containsString(sim.src.toString()));
    assertThat(e.getMessage(), containsString("--sourceDir"));
    DemoOptions moved = exportOptions();
    moved.setSourceDir(tmp.resolve("moved").toString());
    assertThat(ExportCommand.run(moved, new TestCorpus.Captured().out), is((long) TASKS));
  }

  @Test
  void aDescribedTaskNotGeneratedYetIsExportedOnlyWithIncludeFailedAndKeepsItsTypes()
      throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, 3, SimulatorConfig.defaults().withLatencyMs(2).withSeed(3));
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);

    TestCorpus.Captured log = new TestCorpus.Captured();
    assertThat(ExportCommand.run(exportOptions(), log.out), is(0L));
    assertThat(log.text(), containsString("3 described tasks have no passed generation"));
    assertThat(
        ExportCommand.run(exportOptions("--includeFailed=true"), new TestCorpus.Captured().out),
        is(3L));

    List<JsonNode> rows = rows(export("dataset.jsonl"));
    for (JsonNode r : rows) {
      assertThat(r.get("verdict").asText(), is("not_generated"));
      assertThat(r.get("compiled").getNodeType(), is(JsonNodeType.BOOLEAN));
      assertThat(r.get("generated_code").isNull(), is(true));
      assertThat(r.get("tokens").get("generate_input").asLong(), is(0L));
      assertThat(r.get("describe_prompt_version").asText(), is("built-in"));
    }
    assertOneTypePerColumn(rows);
  }

  @Test
  void aReadmeThatHipforgeDidNotWriteIsNeverOverwritten() throws Exception {
    describeAndGenerate(0.0, "--validate=none");
    Path mine = tmp.resolve("mine");
    Files.createDirectories(mine);
    Files.writeString(mine.resolve("README.md"), "my own notes\n");

    TestCorpus.Captured log = new TestCorpus.Captured();
    ExportCommand.run(exportOptions("--out=" + mine.resolve("data.jsonl")), log.out);

    assertThat(Files.readString(mine.resolve("README.md")), is("my own notes\n"));
    assertThat(log.text(), containsString("no dataset card"));
    assertThat(rows(mine.resolve("data.jsonl")).size(), is(TASKS));
  }

  /**
   * Every column (and every key of a nested object) has one JSON type in every row, null aside;
   * booleans and integers are never null; every row has the same keys in the same order; and the
   * types are the ones {@link ExportColumns#ALL} declares.
   */
  static void assertOneTypePerColumn(List<JsonNode> rows) {
    Map<String, Set<JsonNodeType>> types = new LinkedHashMap<>();
    List<String> firstKeys = null;
    for (JsonNode row : rows) {
      List<String> keys = new ArrayList<>();
      row.fieldNames().forEachRemaining(keys::add);
      if (firstKeys == null) {
        firstKeys = keys;
      }
      assertThat("the same keys in the same order in every row", keys, is(firstKeys));
      collect("", row, types);
    }
    for (Map.Entry<String, Set<JsonNodeType>> e : types.entrySet()) {
      Set<JsonNodeType> nonNull = new TreeSet<>(e.getValue());
      nonNull.remove(JsonNodeType.NULL);
      assertThat(e.getKey() + " has one JSON type: " + e.getValue(), nonNull.size() <= 1, is(true));
      if (nonNull.contains(JsonNodeType.BOOLEAN)) {
        assertThat(
            e.getKey() + " is a boolean column, never null",
            e.getValue().contains(JsonNodeType.NULL),
            is(false));
      }
    }
    for (ExportColumns.Column c : ExportColumns.ALL) {
      Set<JsonNodeType> seen = types.get(c.name());
      if (seen == null) {
        continue; // a column the messages format writes inside messages
      }
      if (!c.nullable()) {
        assertThat(
            c.name() + " is declared never null", seen.contains(JsonNodeType.NULL), is(false));
      }
      Set<JsonNodeType> nonNull = new TreeSet<>(seen);
      nonNull.remove(JsonNodeType.NULL);
      assertThat(
          c.name() + " has its declared type " + c.type(),
          nonNull,
          everyItem(is(expected(c.type()))));
    }
    for (JsonNode row : rows) {
      // Integers are written as integers, floats as floats: pandas must not see "1" next to "1.0".
      assertThat(row.get("id").isIntegralNumber(), is(true));
      if (!row.get("fidelity_score").isNull()) {
        assertThat(row.get("fidelity_score").isFloatingPointNumber(), is(true));
      }
    }
  }

  private static JsonNodeType expected(ExportColumns.Type t) {
    switch (t) {
      case STRING:
        return JsonNodeType.STRING;
      case INTEGER:
      case NUMBER:
        return JsonNodeType.NUMBER;
      case BOOLEAN:
        return JsonNodeType.BOOLEAN;
      case ARRAY:
        return JsonNodeType.ARRAY;
      default:
        return JsonNodeType.OBJECT;
    }
  }

  private static void collect(String prefix, JsonNode node, Map<String, Set<JsonNodeType>> types) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = prefix + f.getKey();
      JsonNodeType t = f.getValue().getNodeType();
      types.computeIfAbsent(key, k -> new java.util.HashSet<>()).add(t);
      if (t == JsonNodeType.NUMBER) {
        // integral and floating point are different dtypes to pandas
        types
            .computeIfAbsent(key + "#number", k -> new java.util.HashSet<>())
            .add(f.getValue().isIntegralNumber() ? JsonNodeType.NUMBER : JsonNodeType.POJO);
      }
      if (t == JsonNodeType.OBJECT) {
        collect(key + ".", f.getValue(), types);
      }
    }
  }
}
