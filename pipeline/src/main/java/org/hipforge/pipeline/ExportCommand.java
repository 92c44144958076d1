package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.WorkLayout;

/**
 * {@code hipforge export}: the dataset itself, from the latest records: one JSON object per
 * described task {@code {id, file_name, instruction, source_code, generated_code, compiled, model,
 * tokens}}, loadable as is by Hugging Face {@code datasets.load_dataset("json", data_files=...)};
 * or, with {@code --format=json-array}, the older scripts' single {@code results.json} array.
 */
public final class ExportCommand {
  private static final JsonFactory JSON = new JsonFactory();

  private ExportCommand() {}

  /** Returns the number of rows written. */
  public static long run(HipforgeOptions o, PrintStream out) throws IOException {
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
    try (StateIndex.Records describeRecords = described.records();
        StateIndex.Records generateRecords = generated.records()) {
      ManifestScan.forEach(layout.manifest(), e -> {
        if (described.describe(e) != PendingRule.Outcome.DONE) {
          return;
        }
        int d = described.slotOf(e.id);
        // Generated code belongs to the row only while it is current: made from this file, source
        // and instruction (PendingRule: DONE), not an older generation of a changed task.
        boolean generatedOk = StateIndex.generate(described, d, true, generated) == PendingRule.Outcome.DONE;
        StateRecord gen = generatedOk ? generateRecords.readId(e.id) : null;
        writeRow(w.next(), e.id, e.fileName(), describeRecords.read(d), gen, o, layout);
      });
      w.finish();
    } finally {
      w.closeQuietly();
    }
    long written = w.written;
    int shard = w.shard;
    out.printf("export: %d rows (%s) -> %s%s%n", written, format, sharded ? shardName(target, 0) + " ..." : target,
        sharded ? " (" + shard + " files)" : "");
    return written;
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
      HipforgeOptions o, WorkLayout layout) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", id);
    g.writeStringField("file_name", fileName);
    g.writeStringField("instruction", d.instruction());
    writeText(g, "source_code", o.getSourceDir() == null ? null : readIfSafe(o.getSourceDir(), fileName));
    boolean generatedOk = gen != null;
    writeText(g, "generated_code", generatedOk ? readIfSafe(layout.outHipDir(), fileName) : null);
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
    g.writeEndObject();
  }

  private static void writeText(JsonGenerator g, String key, String value) throws IOException {
    if (value == null) {
      g.writeNullField(key);
    } else {
      g.writeStringField(key, value);
    }
  }

  private static String readIfSafe(String dir, String fileName) throws IOException {
    if (!FileNames.isSafe(fileName)) {
      return null;
    }
    Path p = Paths.get(dir).resolve(fileName);
    return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
  }
}
