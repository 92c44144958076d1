package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Export's output file(s): one, or a new shard every {@code shardRows} rows; JSON lines or one JSON
 * array.
 */
final class ExportWriter {
  /**
   * A generator factory with a codec, so a column may write a Map or a List ({@link
   * ExportColumns#object}).
   */
  private static final JsonFactory JSON = new ObjectMapper().getFactory();

  final Path target;
  final boolean array;
  final boolean sharded;
  final int shardRows;
  long written;
  int shard;
  private java.io.Writer w;
  private JsonGenerator g;

  ExportWriter(Path target, boolean array, boolean sharded, int shardRows) {
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

  private static void closeFile(JsonGenerator g, boolean array) throws IOException {
    if (array) {
      g.writeEndArray();
      g.writeRaw('\n');
    }
    g.close();
  }

  /** Shard {@code shard} of {@code target}: {@code dataset.jsonl} → {@code dataset-00003.jsonl}. */
  static Path shardName(Path target, int shard) {
    String name = target.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String base = dot < 0 ? name : name.substring(0, dot);
    String ext = dot < 0 ? "" : name.substring(dot);
    return target.resolveSibling(String.format("%s-%05d%s", base, shard, ext));
  }
}
