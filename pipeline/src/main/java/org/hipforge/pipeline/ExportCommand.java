package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Hex;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.pipeline.report.SourceFiles;

/**
 * {@code hipforge export}: the dataset itself, from the latest records: one row per exported task
 * with the columns of {@link ExportColumns} (both steps' models, providers, finish reasons and
 * prompt versions, the compile verdict, toolchain and targets, tokens per step, fidelity), as JSON
 * lines ({@code jsonl}, loadable by pandas and Hugging Face {@code datasets}), chat rows ({@code
 * messages}: the generate prompt as it was sent and the generated file as the assistant turn) or
 * the older scripts' single {@code results.json} array; and a {@code README.md} dataset card beside
 * it ({@link DatasetCard}).
 *
 * <p>Rows: described tasks (describe passed and its source is unchanged in the manifest) whose
 * current generation passed; with {@code --includeFailed} every described task, failed generations
 * with their code (rebuilt from the generate journal and checked against {@code code_sha256}) and
 * tasks not generated yet. {@code source_code} is always there: the sources are read from the
 * source root the manifest recorded ({@code W/manifest.source.json}), or {@code --sourceDir} (which
 * wins); with neither, export stops with a usage error before writing anything.
 *
 * <p>Files are read by {@link SafeFiles}' rule: a source that changed since it was described (its
 * bytes no longer have the manifest's sha256), is gone, or is a symlink leaving the source root
 * leaves its row out; generated code is read from {@code W/out/hip} when it still is the code its
 * record was made from, else from the journal. Everything left out is counted, reported with an
 * example and listed in the card.
 */
public final class ExportCommand {
  private ExportCommand() {}

  /** The output formats. */
  private enum Format {
    JSONL("jsonl", "dataset.jsonl"),
    MESSAGES("messages", "messages.jsonl"),
    JSON_ARRAY("json-array", "results.json");

    final String flag;
    final String defaultFile;

    Format(String flag, String defaultFile) {
      this.flag = flag;
      this.defaultFile = defaultFile;
    }

    static Format of(String flag) {
      for (Format f : values()) {
        if (f.flag.equals(flag)) {
          return f;
        }
      }
      throw new UsageException(
          "--format must be 'jsonl', 'messages' or 'json-array', was '" + flag + "'");
    }
  }

  /** Returns the number of rows written. */
  public static long run(ExportOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    Format format = Format.of(o.getFormat());
    boolean array = format == Format.JSON_ARRAY;
    boolean includeFailed = Boolean.TRUE.equals(o.getIncludeFailed());
    Path target =
        o.getOut() != null
            ? Paths.get(o.getOut())
            : WorkLayout.localPath(layout.exportFile(format.defaultFile));
    int shardRows = o.getShardRows();
    if (shardRows < 1) {
      throw new UsageException("--shardRows must be >= 1, was " + shardRows);
    }
    // Messages are rendered from the templates the answers were asked with: a bad --promptDir stops
    // here (exit 2, naming the file and line), before anything is written.
    PromptSet prompts = format == Format.MESSAGES ? PromptSet.fromDir(o.getPromptDir()) : null;
    Path sources = sourceRoot(o, layout);
    StateIndex described = StateIndex.describe(layout, true);
    StateIndex generated = StateIndex.generate(layout);
    DatasetCard.Stats stats = new DatasetCard.Stats();
    // Pass 1: the verdict of every described task (for the card's yield) and the rows to write
    // (so the sharding is known up front). The manifest is streamed, never held.
    long[] rows = {0};
    ManifestScan.forEach(
        layout.manifest(),
        e -> {
          String verdict = verdictOf(described, generated, e);
          if (verdict != null) {
            stats.task(verdict);
            if (selected(verdict, includeFailed)) {
              rows[0]++;
            }
          }
        });
    Files.createDirectories(target.toAbsolutePath().getParent());
    boolean sharded = !array && rows[0] > shardRows;
    ExportWriter w = new ExportWriter(target, array, sharded, shardRows);
    Path outHip = WorkLayout.localPath(layout.outHipDir());
    ExportRefusals refused = new ExportRefusals();
    CodeFinder codes = new CodeFinder(outHip, layout, refused);
    try (StateIndex.Records describeRecords = described.records();
        StateIndex.Records generateRecords = generated.records()) {
      ManifestScan.forEach(
          layout.manifest(),
          e -> {
            String verdict = verdictOf(described, generated, e);
            if (verdict == null || !selected(verdict, includeFailed)) {
              return;
            }
            // The source the instruction was made from: the manifest's sha256 is the describe
            // record's (DONE), so a file edited since describe is a stale pair, not a row.
            String source;
            try {
              source = SourceFiles.readText(sources, e.fileName(), e.sha256());
            } catch (SafeFiles.Refused r) {
              stats.leftOut(refused.rowSkipped(r));
              return;
            }
            StateRecord d = describeRecords.read(described.slotOf(e.id));
            StateRecord gen =
                ExportColumns.NOT_GENERATED.equals(verdict) ? null : generateRecords.readId(e.id);
            String code = gen == null ? null : codes.find(gen);
            ExportColumns.Row row =
                new ExportColumns.Row(e.id, e.fileName(), e.sha256(), d, gen, source, code);
            if (code == null && gen != null && gen.pass()) {
              // A passed pair without its code is no pair: left out unless every task is asked for.
              if (!includeFailed) {
                stats.leftOut(refused.noCode(e.fileName()));
                return;
              }
            }
            if (format == Format.MESSAGES) {
              String why = MessagesRow.problem(prompts, row);
              if (why != null) {
                stats.leftOut(refused.noMessages(why, e.fileName()));
                return;
              }
              MessagesRow.write(w.next(), prompts, row);
            } else {
              writeRow(w.next(), row);
            }
            stats.row(row);
          });
      w.finish();
    } finally {
      w.closeQuietly();
    }
    long written = w.written;
    int shard = w.shard;
    Path first = sharded ? ExportWriter.shardName(target, 0) : target;
    out.printf(
        "export: %d rows (%s%s) -> %s%s%n",
        written,
        format.flag,
        includeFailed ? ", failed included" : "",
        sharded ? first + " ..." : target,
        sharded ? " (" + shard + " files)" : "");
    refused.report(out, sources.toString(), layout.outHipDir());
    long notPassed = stats.described - rows[0];
    if (!includeFailed && notPassed > 0) {
      out.printf(
          "export: %d described tasks have no passed generation (failed or not generated yet); "
              + "--includeFailed exports them too%n",
          notPassed);
    }
    String files =
        sharded
            ? "`"
                + ExportWriter.shardName(target, 0).getFileName()
                + "` ... ("
                + shard
                + " files of up to "
                + shardRows
                + " rows)"
            : "`" + target.getFileName() + "`";
    Path card =
        DatasetCard.write(
            target.toAbsolutePath().getParent(),
            "hipforge dataset: "
                + WorkLayout.localPath(layout.root()).toAbsolutePath().normalize().getFileName(),
            files,
            first.getFileName().toString(),
            format.flag,
            includeFailed,
            stats);
    out.println(
        card != null
            ? "export: dataset card -> " + card
            : "export: no dataset card: "
                + target.toAbsolutePath().getParent().resolve("README.md")
                + " exists and was not written by hipforge (left as it is)");
    return written;
  }

  /**
   * Where the sources are: {@code --sourceDir} when given, else the root the manifest recorded;
   * with neither (a manifest written before roots were recorded) a usage error naming the flag.
   */
  static Path sourceRoot(SourceOptions o, WorkLayout layout) throws IOException {
    String given = o.getSourceDir();
    String recorded =
        given != null
            ? null
            : ManifestStore.readSourceRoot(WorkLayout.localPath(layout.manifestSource()));
    if (given == null && recorded == null) {
      throw new UsageException(
          "export needs the sources for source_code: "
              + layout.manifest()
              + " was written before manifests recorded their source root; pass --sourceDir=DIR (the "
              + "directory 'hipforge manifest' scanned), or run 'hipforge manifest --sourceDir=DIR' again");
    }
    Path root = Paths.get(given != null ? given : recorded);
    if (!Files.isDirectory(root)) {
      throw new UsageException(
          given != null
              ? "--sourceDir=" + given + " is not a directory"
              : "the source root the manifest recorded ("
                  + recorded
                  + ", in "
                  + layout.manifestSource()
                  + ") is not a directory any more; pass --sourceDir=DIR where the sources are now");
    }
    return root;
  }

  /**
   * The verdict of a described task's current generation ({@link ExportColumns#verdictOf}, decided
   * on the indexes), or null when the task is no row at all (not described with pass and an
   * instruction, or its source changed since).
   */
  private static String verdictOf(
      StateIndex described, StateIndex generated, ManifestScan.Entry e) {
    int d = described.slotOf(e.id);
    if (described.describe(e, d) != PendingRule.Outcome.DONE) {
      return null;
    }
    // Generated code belongs to the row only while it is current: made from this file, source
    // and instruction (PendingRule), not an older generation of a changed task.
    PendingRule.Outcome g = StateIndex.generate(described, d, true, generated);
    switch (g) {
      case NOT_READY:
        return null; // passed describe without an instruction: nothing to pair
      case DONE:
        {
          int slot = generated.slotOf(e.id);
          return Boolean.TRUE.equals(generated.compiled(slot))
              ? ExportColumns.COMPILED
              : ExportColumns.UNVALIDATED;
        }
      case FAILED:
        return generated.errorCategory(generated.slotOf(e.id));
      default:
        return ExportColumns.NOT_GENERATED;
    }
  }

  private static boolean selected(String verdict, boolean includeFailed) {
    return includeFailed
        || ExportColumns.COMPILED.equals(verdict)
        || ExportColumns.UNVALIDATED.equals(verdict);
  }

  /**
   * The generated code a generate record was made from: {@code W/out/hip/<file_name>} while it
   * still has the record's {@code code_sha256} (passed code is written there), else the journaled
   * answer to the record's prompt, extracted by the same rule ({@link CodeExtractor}) and checked
   * against {@code code_sha256} (failed code is never written to out/hip).
   */
  private static final class CodeFinder {
    private final Path outHip;
    private final WorkLayout layout;
    private final ExportRefusals refused;
    private ResponseCache journal;

    CodeFinder(Path outHip, WorkLayout layout, ExportRefusals refused) {
      this.outHip = outHip;
      this.layout = layout;
      this.refused = refused;
    }

    String find(StateRecord gen) throws IOException {
      if (gen.codeSha256() == null) {
        return null; // no code was extracted (no_code, truncated, refused, ...)
      }
      if (gen.pass()) {
        try {
          return SourceFiles.readText(outHip, gen.fileName(), gen.codeSha256());
        } catch (SafeFiles.Refused r) {
          if (!SafeFiles.MISSING.equals(r.category)) {
            refused.generatedRefused(r);
          }
        }
      }
      if (journal == null) {
        journal = ResponseCache.forGlob(layout.journalGlob(WorkLayout.Step.GENERATE));
      }
      StateRecord answer = journal.get(gen.promptSha256());
      if (answer == null || answer.response() == null) {
        return null;
      }
      ExtractedCode x = CodeExtractor.extract(answer.response());
      return x.isPresent() && gen.codeSha256().equals(Hex.sha256(x.code())) ? x.code() : null;
    }
  }

  /** One row: every column of {@link ExportColumns#ALL}, in order. */
  private static void writeRow(JsonGenerator g, ExportColumns.Row row) throws IOException {
    g.writeStartObject();
    for (ExportColumns.Column c : ExportColumns.ALL) {
      c.write(row, g);
    }
    g.writeEndObject();
  }
}
