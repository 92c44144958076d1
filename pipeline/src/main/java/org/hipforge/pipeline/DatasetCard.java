package org.hipforge.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.util.TokenMath;

/**
 * The {@code README.md} dataset card written beside an export: counts, models, prompt versions,
 * compile yield, what "compiled" means, the toolchain and the columns ({@link ExportColumns#ALL}).
 *
 * <p>It is rewritten by every export into the same directory; a {@code README.md} there that
 * hipforge did not write (no {@link #MARKER} on its first line) is never overwritten.
 */
final class DatasetCard {
  /** The first line of every card: what makes a README.md hipforge's to rewrite. */
  static final String MARKER = "<!-- hipforge export: dataset card, rewritten by every export -->";

  /** Counts gathered while exporting. */
  static final class Stats {
    /**
     * Described tasks (describe passed with an instruction, the source unchanged in the manifest).
     */
    long described;

    /** Verdict of every described task's current generation (exported or not). */
    final Map<String, Long> taskVerdicts = new TreeMap<>();

    long rows;
    final Map<String, Long> rowVerdicts = new TreeMap<>();
    final Map<String, Long> describeModels = new TreeMap<>();
    final Map<String, Long> generateModels = new TreeMap<>();
    final Map<String, Long> describePrompts = new TreeMap<>();
    final Map<String, Long> generatePrompts = new TreeMap<>();
    final Map<String, Long> toolchains = new TreeMap<>();
    final Map<String, Long> archs = new TreeMap<>();
    final Map<String, Long> leftOut = new TreeMap<>();
    long describeTokens;
    long generateTokens;

    void task(String verdict) {
      described++;
      taskVerdicts.merge(verdict, 1L, Long::sum);
    }

    void leftOut(String why) {
      leftOut.merge(why, 1L, Long::sum);
    }

    void row(ExportColumns.Row r) {
      rows++;
      rowVerdicts.merge(r.verdict(), 1L, Long::sum);
      describeModels.merge(r.described().provider() + " / " + r.described().model(), 1L, Long::sum);
      describePrompts.merge(version(r.described().promptVersion()), 1L, Long::sum);
      describeTokens =
          TokenMath.add(
              describeTokens,
              TokenMath.add(r.described().inputTokens(), r.described().outputTokens()));
      if (r.generated() != null) {
        generateModels.merge(
            r.generated().provider() + " / " + r.generated().model(), 1L, Long::sum);
        generatePrompts.merge(version(r.generated().promptVersion()), 1L, Long::sum);
        if (r.generated().toolchain() != null) {
          toolchains.merge(r.generated().toolchain(), 1L, Long::sum);
        }
        if (r.generated().offloadArch() != null) {
          archs.merge(r.generated().offloadArch(), 1L, Long::sum);
        }
        generateTokens =
            TokenMath.add(
                generateTokens,
                TokenMath.add(r.generated().inputTokens(), r.generated().outputTokens()));
      }
    }

    /**
     * Tasks whose generation went through compiling: every verdict but unvalidated and
     * not_generated.
     */
    long compileAttempts() {
      long n = 0;
      for (Map.Entry<String, Long> e : taskVerdicts.entrySet()) {
        if (!ExportColumns.UNVALIDATED.equals(e.getKey())
            && !ExportColumns.NOT_GENERATED.equals(e.getKey())) {
          n += e.getValue();
        }
      }
      return n;
    }

    long tasks(String verdict) {
      return taskVerdicts.getOrDefault(verdict, 0L);
    }

    private static String version(String v) {
      return v == null ? ExportColumns.BUILT_IN_PROMPTS : v;
    }
  }

  private DatasetCard() {}

  /**
   * Writes the card to {@code dir/README.md} (atomically); returns its path, or null when a
   * README.md that hipforge did not write is there (it is left as it is).
   */
  static Path write(
      Path dir,
      String title,
      String files,
      String loadName,
      String format,
      boolean includeFailed,
      Stats s)
      throws IOException {
    Path card = dir.resolve("README.md");
    if (Files.exists(card) && !Files.readString(card, StandardCharsets.UTF_8).startsWith(MARKER)) {
      return null;
    }
    Path tmp = Files.createTempFile(dir, ".README", ".tmp");
    try {
      Files.writeString(
          tmp, text(title, files, loadName, format, includeFailed, s), StandardCharsets.UTF_8);
      Files.move(tmp, card, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return card;
  }

  static String text(
      String title, String files, String loadName, String format, boolean includeFailed, Stats s) {
    StringBuilder b = new StringBuilder();
    b.append(MARKER).append("\n\n# ").append(title).append("\n\n");
    b.append(
        "Instruction ↔ HIP code pairs made by hipforge: an LLM described each HIP source file (the "
            + "`instruction`), a second call wrote one HIP file back from that instruction "
            + "(`generated_code`), and the HIP compiler checked it (`compiled`). `source_code` is the "
            + "original file the instruction was made from.\n\n");
    b.append("## Files\n\n");
    b.append("- ")
        .append(files)
        .append(": format `")
        .append(format)
        .append("`, ")
        .append(s.rows)
        .append(" rows. ");
    switch (format) {
      case "messages":
        b.append(
            "Each row is `{\"messages\": [system, user, assistant], ...}`: system and user are the "
                + "generate prompt as it was sent (rendered from the templates of the row's "
                + "`generate_prompt_version`), the assistant turn is the generated file in a ```hip fence; "
                + "the other columns below follow as metadata (`instruction` and `generated_code` are in "
                + "the messages). Rows without generated code have no assistant turn and are not written.\n");
        break;
      case "json-array":
        b.append("One JSON array of row objects (the older scripts' `results.json`).\n");
        break;
      default:
        b.append("One JSON object per line.\n");
    }
    b.append(
        includeFailed
            ? "- Exported with `--includeFailed`: every described task, also failed generations (their "
                + "code rebuilt from the journal and checked against `code_sha256`; negative or "
                + "preference data) and tasks not generated yet. Filter on `verdict` / `compiled`.\n"
            : "- Only pairs whose generation passed (`verdict` `compiled`, or `unvalidated` when generate "
                + "ran with `--validate=none`). `hipforge export --includeFailed` adds failed and "
                + "not-yet-generated tasks.\n");
    b.append("\n## Counts\n\n| | tasks |\n|---|---:|\n");
    b.append("| described (instruction made, source unchanged) | ")
        .append(s.described)
        .append(" |\n");
    b.append("| rows written | ").append(s.rows).append(" |\n");
    for (Map.Entry<String, Long> e : s.leftOut.entrySet()) {
      b.append("| left out: ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
    }
    b.append(
        "\nVerdict of every described task's current generation, and of the rows written:\n\n");
    b.append("| verdict | described tasks | rows |\n|---|---:|---:|\n");
    for (Map.Entry<String, Long> e : s.taskVerdicts.entrySet()) {
      b.append("| `")
          .append(e.getKey())
          .append("` | ")
          .append(e.getValue())
          .append(" | ")
          .append(s.rowVerdicts.getOrDefault(e.getKey(), 0L))
          .append(" |\n");
    }
    long attempts = s.compileAttempts();
    long compiled = s.tasks(ExportColumns.COMPILED);
    b.append("\n**Compile yield**: ")
        .append(compiled)
        .append(" of ")
        .append(attempts)
        .append(" generations compiled");
    if (attempts > 0) {
      b.append(String.format(" (%.1f %%)", 100.0 * compiled / attempts));
    }
    b.append(
        " (every current generation except `unvalidated` and `not_generated`; an answer without "
            + "code or cut off counts as not compiled).\n");
    b.append("\nTokens billed for the rows written (failed answers included): describe ")
        .append(s.describeTokens)
        .append(", generate ")
        .append(s.generateTokens)
        .append(".\n");
    b.append("\n## Models\n\n| step | provider / model | rows |\n|---|---|---:|\n");
    table(b, "describe", s.describeModels);
    table(b, "generate", s.generateModels);
    b.append(
        "\n## Prompt versions\n\n`built-in` is hipforge's own templates; another value is the "
            + "`prompt_version` (12 hex digits of the SHA-256 of the step's two template files) of edited "
            + "templates (`hipforge prompts`, `--promptDir`).\n\n| step | prompt_version | rows |\n|---|---|---:|\n");
    table(b, "describe", s.describePrompts);
    table(b, "generate", s.generatePrompts);
    b.append(
        "\n## What \"compiled\" means\n\n`compiled: true` means the HIP compiler accepted the file in a "
            + "**syntax-only compile** (`-fsyntax-only`: the host pass and one device pass per target in "
            + "`offload_arch`, `-std=c++17`, no GPU needed). The code was **never run**: it says nothing "
            + "about correct results or speed, only that it parses and type-checks as HIP for those AMD GPU "
            + "targets with that toolchain. Code that includes a file by an absolute or `..` path is refused "
            + "without compiling (`unsafe_include`). `compiled` is false for everything else, including code "
            + "that was not compiled at all (`verdict: unvalidated`).\n\n");
    b.append("| toolchain | rows |\n|---|---:|\n");
    table(b, null, s.toolchains);
    b.append("\n| offload_arch | rows |\n|---|---:|\n");
    table(b, null, s.archs);
    b.append(
        "\n## Columns\n\nEvery column has one JSON type in every row. Booleans and integers are never "
            + "null (`compiled` is false and token counts are 0 where there is no generation); strings, "
            + "objects and `fidelity_score` are null when absent, never a missing key.\n\n");
    b.append("| column | type | null | meaning |\n|---|---|---|---|\n");
    for (ExportColumns.Column c : ExportColumns.ALL) {
      b.append("| `")
          .append(c.name())
          .append("` | ")
          .append(c.type().json)
          .append(" | ")
          .append(c.nullable() ? "yes" : "no")
          .append(" | ")
          .append(c.doc().replace("|", "\\|"))
          .append(" |\n");
    }
    String load = loadName.replace("\"", "\\\"");
    StringBuilder dtypes = new StringBuilder("{");
    if ("messages".equals(format)) {
      dtypes.append("\"messages\": \"object\", ");
    }
    for (ExportColumns.Column c : ExportColumns.ALL) {
      if (!"messages".equals(format) || !ExportColumns.IN_MESSAGES.contains(c.name())) {
        dtypes
            .append('"')
            .append(c.name())
            .append("\": \"")
            .append(c.type().pandas())
            .append("\", ");
      }
    }
    dtypes.setLength(dtypes.length() - 2);
    dtypes.append('}');
    b.append(
        "\n## Loading\n\nWith these dtypes pandas keeps every column's type in every export: without "
            + "them it reads a column that is null in every row (say `compile_error` when all rows "
            + "compiled) as float64 NaN, and a string column of digits only as int64.\n\n");
    b.append("```python\nimport pandas as pd\nDTYPES = ")
        .append(dtypes)
        .append("\ndf = pd.read_json(\"")
        .append(load)
        .append("\", lines=")
        .append("json-array".equals(format) ? "False" : "True")
        .append(
            ", dtype=DTYPES)\n\nfrom datasets import load_dataset\nds = load_dataset(\"json\", data_files=\"")
        .append(load)
        .append("\")\n```\n");
    return b.toString();
  }

  private static void table(StringBuilder b, String step, Map<String, Long> counts) {
    if (counts.isEmpty()) {
      b.append(step == null ? "| (none) | 0 |\n" : "| " + step + " | (none) | 0 |\n");
      return;
    }
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (step != null) {
        b.append("| ").append(step).append(" ");
      }
      b.append("| ")
          .append(e.getKey().replace("|", "\\|"))
          .append(" | ")
          .append(e.getValue())
          .append(" |\n");
    }
  }
}
