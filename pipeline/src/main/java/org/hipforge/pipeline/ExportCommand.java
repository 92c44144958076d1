package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;

/**
 * {@code hipforge export}: the dataset itself, from the latest records: one JSON object per
 * described task {@code {id, file_name, instruction, source_code, generated_code, compiled, model,
 * tokens}}, loadable as is by Hugging Face {@code datasets.load_dataset("json", data_files=...)};
 * or, with {@code --format=json-array}, the older scripts' single {@code results.json} array.
 *
 * <p>Files are read by {@link SafeFiles}' rule: a source that changed since it was described (its
 * bytes no longer have the manifest's sha256) or that is a symlink leaving {@code --sourceDir}
 * leaves its row out; a generated file that is a symlink leaving {@code W/out/hip} or is not the
 * code its record was made from leaves the row without {@code generated_code}. Both are counted
 * and reported.
 */
public final class ExportCommand {
  private static final JsonFactory JSON = new JsonFactory();

  private ExportCommand() {}

  /** Returns the number of rows written. */
  public static long run(ExportOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    String format = o.getFormat();
    if (!"jsonl".equals(format) && !"json-array".equals(format)) {
      throw new UsageException("--format must be 'jsonl' or 'json-array', was '" + format + "'");
    }
    boolean array = "json-array".equals(format);
    Path target = o.getOut() != null ? Paths.get(o.getOut())
        : Paths.get(layout.root(), "export", array ? "results.json" : "dataset.jsonl");
    int shardRows = o.getShardRows();
    if (shardRows < 1) {
      throw new UsageException("--shardRows must be >= 1, was " + shardRows);
    }
    StateIndex described = StateIndex.describe(layout, true);
    StateIndex generated = StateIndex.generate(layout);
    // Rows: manifest entries whose describe record is current and passed (PendingRule: DONE).
    // Counted first (the manifest is streamed, never held), so the sharding is known up front.
    long[] rows = {0};
    ManifestScan.forEach(layout.manifest(), e -> {
      if (described.describe(e) == PendingRule.Outcome.DONE) {
        rows[0]++;
      }
    });
    Files.createDirectories(target.toAbsolutePath().getParent());
    boolean sharded = !array && rows[0] > shardRows;
    Writer w = new Writer(target, array, sharded, shardRows);
    Path sources = o.getSourceDir() == null ? null : Paths.get(o.getSourceDir());
    Path outHip = Paths.get(layout.outHipDir());
    Refusals refused = new Refusals();
    try (StateIndex.Records describeRecords = described.records();
        StateIndex.Records generateRecords = generated.records()) {
      ManifestScan.forEach(layout.manifest(), e -> {
        if (described.describe(e) != PendingRule.Outcome.DONE) {
          return;
        }
        // The source the instruction was made from: the manifest's sha256 is the describe
        // record's (DONE), so a file edited since describe is a stale pair, not a row.
        String source = null;
        if (sources != null) {
          try {
            source = readText(sources, e.fileName(), e.sha256());
          } catch (SafeFiles.Refused r) {
            if (!SafeFiles.MISSING.equals(r.category)) {
              refused.rowSkipped(r);
              return;
            }
          }
        }
        int d = described.slotOf(e.id);
        // Generated code belongs to the row only while it is current: made from this file, source
        // and instruction (PendingRule: DONE), not an older generation of a changed task.
        boolean generatedOk = StateIndex.generate(described, d, true, generated) == PendingRule.Outcome.DONE;
        StateRecord gen = generatedOk ? generateRecords.readId(e.id) : null;
        String code = null;
        if (gen != null) {
          try {
            code = readText(outHip, e.fileName(), gen.codeSha256());
          } catch (SafeFiles.Refused r) {
            if (!SafeFiles.MISSING.equals(r.category)) {
              refused.generatedDropped(r);
              gen = null; // not the code the record describes: the row goes out without it
            }
          }
        }
        writeRow(w.next(), e.id, e.fileName(), describeRecords.read(d), gen, source, code);
      });
      w.finish();
    } finally {
      w.closeQuietly();
    }
    long written = w.written;
    int shard = w.shard;
    out.printf("export: %d rows (%s) -> %s%s%n", written, format, sharded ? shardName(target, 0) + " ..." : target,
        sharded ? " (" + shard + " files)" : "");
    refused.report(out, o.getSourceDir(), layout.outHipDir());
    return written;
  }

  /** Largest file export reads into a row (a JSON string holds it): far above any kernel source. */
  private static final long MAX_FILE_BYTES = 64L << 20;

  /** What export left out, by the rule of {@link SafeFiles}, and one example of each. */
  private static final class Refusals {
    long staleRows;
    long unsafeRows;
    long staleCode;
    long unsafeCode;
    String rowExample;
    String codeExample;

    void rowSkipped(SafeFiles.Refused r) {
      if (SafeFiles.CHANGED.equals(r.category)) {
        staleRows++;
      } else {
        unsafeRows++;
      }
      rowExample = rowExample == null ? r.getMessage() : rowExample;
    }

    void generatedDropped(SafeFiles.Refused r) {
      if (SafeFiles.CHANGED.equals(r.category)) {
        staleCode++;
      } else {
        unsafeCode++;
      }
      codeExample = codeExample == null ? r.getMessage() : codeExample;
    }

    void report(PrintStream out, String sourceDir, String outHipDir) {
      if (staleRows + unsafeRows > 0) {
        out.printf("export: %d rows left out: %d stale (the source changed since describe: run 'hipforge "
            + "manifest', then 'describe' again), %d refused (a symlink leaving %s or not a regular "
            + "file); e.g. %s%n", staleRows + unsafeRows, staleRows, unsafeRows, sourceDir, rowExample);
      }
      if (staleCode + unsafeCode > 0) {
        out.printf("export: %d rows without generated_code: %d changed since generate, %d refused (a "
            + "symlink leaving %s or not a regular file); e.g. %s%n", staleCode + unsafeCode, staleCode,
            unsafeCode, outHipDir, codeExample);
      }
    }
  }

  private static String readText(Path root, String fileName, String sha256) throws java.io.IOException {
    byte[] bytes = SafeFiles.read(root, fileName, MAX_FILE_BYTES, sha256);
    // A Latin-1 source shows as the text describe sent (SourceText); anything else as before.
    org.hipforge.io.util.SourceText.Decoded text = org.hipforge.io.util.SourceText.decode(bytes);
    return text.ok() ? text.text() : new String(bytes, StandardCharsets.UTF_8);
  }

  /** The output file(s): one, or a new shard every {@code shardRows} rows. */
  private static final class Writer {
    final Path target;
    final boolean array;
    final boolean sharded;
    final int shardRows;
    long written;
    int shard;
    private java.io.Writer w;
    private JsonGenerator g;

    Writer(Path target, boolean array, boolean sharded, int shardRows) {
      this.target = target;
      this.array = array;
      this.sharded = sharded;
      this.shardRows = shardRows;
    }

    /** The generator for the next row (the previous row, if any, is ended). */
    JsonGenerator next() throws IOException {
      if (g != null && !array) {
        g.flush();
        w.write('\n');
      }
      if (g == null || (sharded && written % shardRows == 0)) {
        if (g != null) {
          closeFile(g, array);
        }
        open(sharded ? shardName(target, shard++) : target);
      }
      written++;
      return g;
    }

    void finish() throws IOException {
      if (g == null) {
        open(target);
      } else if (!array) {
        g.flush();
        w.write('\n');
      }
      closeFile(g, array);
    }

    private void open(Path file) throws IOException {
      w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      g = JSON.createGenerator(w);
      if (array) {
        g.writeStartArray();
      }
    }

    void closeQuietly() throws IOException {
      if (g != null && !g.isClosed()) {
        g.close();
      }
    }
  }

  private static void closeFile(JsonGenerator g, boolean array) throws IOException {
    if (array) {
      g.writeEndArray();
      g.writeRaw('\n');
    }
    g.close();
  }

  static Path shardName(Path target, int shard) {
    String name = target.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String base = dot < 0 ? name : name.substring(0, dot);
    String ext = dot < 0 ? "" : name.substring(dot);
    return target.resolveSibling(String.format("%s-%05d%s", base, shard, ext));
  }

  private static void writeRow(JsonGenerator g, long id, String fileName, StateRecord d, StateRecord gen,
      String source, String code) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", id);
    g.writeStringField("file_name", fileName);
    g.writeStringField("instruction", d.instruction());
    writeText(g, "source_code", source);
    boolean generatedOk = gen != null;
    writeText(g, "generated_code", code);
    if (generatedOk && gen.compiled() != null) {
      g.writeBooleanField("compiled", gen.compiled());
    } else {
      g.writeNullField("compiled");
    }
    g.writeStringField("model", generatedOk ? gen.model() : d.model());
    g.writeObjectFieldStart("tokens");
    g.writeNumberField("describe_input", d.inputTokens());
    g.writeNumberField("describe_output", d.outputTokens());
    g.writeNumberField("generate_input", generatedOk ? gen.inputTokens() : 0);
    g.writeNumberField("generate_output", generatedOk ? gen.outputTokens() : 0);
    g.writeEndObject();
    writeFidelity(g, generatedOk ? gen.fidelity() : null);
    g.writeEndObject();
  }

  /**
   * {@code fidelity: {kernels_source, ...}} and {@code fidelity_score}, both null when the generate
   * record has none (no generation, or generate ran without {@code --sourceDir}).
   */
  private static void writeFidelity(JsonGenerator g, org.hipforge.io.record.Fidelity f) throws IOException {
    if (f == null) {
      g.writeNullField("fidelity");
      g.writeNullField("fidelity_score");
      return;
    }
    g.writeObjectFieldStart("fidelity");
    g.writeNumberField("kernels_source", f.kernelsSource());
    g.writeNumberField("kernels_generated", f.kernelsGenerated());
    g.writeNumberField("names_matched", f.namesMatched());
    g.writeNumberField("params_matched", f.paramsMatched());
    g.writeNumberField("shared_matched", f.sharedMatched());
    g.writeNumberField("bounds_matched", f.boundsMatched());
    g.writeEndObject();
    g.writeNumberField("fidelity_score", f.score());
  }

  private static void writeText(JsonGenerator g, String key, String value) throws IOException {
    if (value == null) {
      g.writeNullField(key);
    } else {
      g.writeStringField(key, value);
    }
  }
}
