package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
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
    List<ManifestEntry> manifest = ManifestStore.read(Paths.get(layout.manifest()));
    Map<Long, StateRecord> described = StateIndex.latest(List.of(
        layout.shardGlob(WorkLayout.Step.DESCRIBE), layout.journalGlob(WorkLayout.Step.DESCRIBE)));
    Map<Long, StateRecord> generated = StateIndex.latest(List.of(layout.shardGlob(WorkLayout.Step.GENERATE)));
    int shardRows = o.getShardRows();
    if (shardRows < 1) {
      throw new UsageException("--shardRows must be >= 1, was " + shardRows);
    }
    List<ManifestEntry> rows = new ArrayList<>();
    for (ManifestEntry e : manifest) {
      StateRecord d = described.get(e.id());
      if (d != null && d.pass() && e.fileName().equals(d.fileName())
          && (e.sha256() == null || e.sha256().equals(d.sourceSha256()) || d.sourceSha256() == null)) {
        rows.add(e);
      }
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    boolean sharded = !array && rows.size() > shardRows;
    long written = 0;
    int shard = 0;
    BufferedWriter w = null;
    JsonGenerator g = null;
    try {
      for (int i = 0; i < rows.size(); i++) {
        if (g == null || (sharded && i % shardRows == 0)) {
          if (g != null) {
            closeFile(g, array);
          }
          Path file = sharded ? shardName(target, shard++) : target;
          w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
          g = JSON.createGenerator(w);
          if (array) {
            g.writeStartArray();
          }
        }
        ManifestEntry e = rows.get(i);
        writeRow(g, e, described.get(e.id()), generated.get(e.id()), o, layout);
        if (!array) {
          g.flush();
          w.write('\n');
        }
        written++;
      }
      if (g == null) {
        w = Files.newBufferedWriter(target, StandardCharsets.UTF_8);
        g = JSON.createGenerator(w);
        if (array) {
          g.writeStartArray();
        }
      }
      closeFile(g, array);
    } finally {
      if (g != null && !g.isClosed()) {
        g.close();
      }
    }
    out.printf("export: %d rows (%s) -> %s%s%n", written, format, sharded ? shardName(target, 0) + " ..." : target,
        sharded ? " (" + shard + " files)" : "");
    return written;
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

  private static void writeRow(JsonGenerator g, ManifestEntry e, StateRecord d, StateRecord gen,
      HipforgeOptions o, WorkLayout layout) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", e.id());
    g.writeStringField("file_name", e.fileName());
    g.writeStringField("instruction", d.instruction());
    writeText(g, "source_code", o.getSourceDir() == null ? null : readIfSafe(o.getSourceDir(), e.fileName()));
    boolean generatedOk = gen != null && gen.pass() && gen.fileName().equals(e.fileName());
    writeText(g, "generated_code", generatedOk ? readIfSafe(layout.outHipDir(), e.fileName()) : null);
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
