package org.hipforge.io.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.record.ManifestEntry;

/**
 * Reads and atomically writes {@code manifest.jsonl}, and imports the older scripts' {@code
 * manifest.json} array.
 *
 * <p>The manifest is the dataset's index, so it is read strictly: a malformed line or a duplicate
 * id or name stops with an error naming the file and line instead of silently dropping a task.
 */
public final class ManifestStore {
  private ManifestStore() {}

  /** Receives each manifest entry with its line number. */
  public interface EntryVisitor {
    void entry(ManifestEntry entry, long lineNo) throws IOException;
  }

  public static List<ManifestEntry> read(Path file) throws IOException {
    UniqueEntries out = new UniqueEntries();
    String where = file + ":";
    try (InputStream in = Files.newInputStream(file)) {
      forEachEntry(in, file.toString(), (e, lineNo) -> out.add(e, where, lineNo));
    }
    return out.entries;
  }

  /** The entries read so far, refusing a second use of an id or a file name. */
  private static final class UniqueEntries {
    final List<ManifestEntry> entries = new ArrayList<>();
    final Set<Long> ids = new HashSet<>();
    final Set<String> names = new HashSet<>();

    /** Adds {@code e}, read at {@code where + n} (a file's line or array element). */
    void add(ManifestEntry e, String where, long n) throws IOException {
      if (!ids.add(e.id())) {
        throw new IOException(where + n + ": duplicate id " + e.id());
      }
      if (!names.add(e.fileName())) {
        throw new IOException(where + n + ": duplicate file_name '" + e.fileName() + "'");
      }
      entries.add(e);
    }
  }

  /**
   * Streams the entries of a manifest ({@code name} labels errors); a malformed line stops with
   * {@code name:line}. Used by {@link #read} and by the pipeline, which reads through Beam's
   * filesystems.
   */
  public static void forEachEntry(InputStream in, String name, EntryVisitor visitor)
      throws IOException {
    ByteLines.forEach(
        in,
        (buf, from, to, lineNo, unterminated) -> {
          if (!ByteLines.isBlank(buf, from, to)) {
            visitor.entry(parseLine(buf, from, to, name, lineNo), lineNo);
          }
        });
  }

  /**
   * Parses one non-blank manifest line {@code buf[from, to)} of {@code name}; a malformed line
   * stops with {@code name:line}.
   */
  public static ManifestEntry parseLine(byte[] buf, int from, int to, String name, long lineNo)
      throws IOException {
    try {
      return ManifestJson.parse(new String(buf, from, to - from, StandardCharsets.UTF_8));
    } catch (MalformedLineException ex) {
      throw new IOException(name + ":" + lineNo + ": malformed manifest line: " + ex.getMessage());
    }
  }

  /** Reads the older scripts' {@code manifest.json}: a JSON array of {id, file_name, ...}. */
  public static List<ManifestEntry> readLegacyArray(Path file) throws IOException {
    // The same uniqueness as read(): the imported ids go into manifest.jsonl, which read() checks.
    UniqueEntries out = new UniqueEntries();
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException(file + ": expected a JSON array of {id, file_name} objects");
      }
      String element = file + ": element ";
      int index = 0;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
        ManifestEntry e;
        try {
          e = ManifestJson.readObject(p);
        } catch (MalformedLineException ex) {
          throw new IOException(file + ": element " + index + ": " + ex.getMessage());
        }
        out.add(e, element, index);
        index++;
      }
      if (t != JsonToken.END_ARRAY) {
        throw new IOException(file + ": element " + index + " is not a JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    return out.entries;
  }

  /**
   * Writes the manifest to a temp file beside it and renames it over, so readers never see half.
   */
  public static void write(Path file, List<ManifestEntry> entries) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".manifest", ".tmp");
    try {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (ManifestEntry e : entries) {
          w.write(ManifestJson.toJson(e));
          w.write('\n');
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The key of the source root in {@code manifest.source.json}. */
  static final String SOURCE_ROOT_KEY = "source_root";

  /**
   * Records the absolute, normalized {@code sourceRoot} the manifest was scanned from in {@code
   * file} ({@code W/manifest.source.json}), written atomically like the manifest; rewritten by
   * every scan, so it names the directory the current manifest's hashes came from.
   */
  public static void writeSourceRoot(Path file, Path sourceRoot) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".manifest-source", ".tmp");
    try {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          com.fasterxml.jackson.core.JsonGenerator g = new JsonFactory().createGenerator(w)) {
        g.writeStartObject();
        g.writeStringField(SOURCE_ROOT_KEY, sourceRoot.toAbsolutePath().normalize().toString());
        g.writeEndObject();
        g.writeRaw('\n');
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The source root recorded by {@link #writeSourceRoot}, or null when {@code file} does not exist
   * (a manifest written before the root was recorded); a file that is not such a JSON object stops
   * with an error naming it.
   */
  public static String readSourceRoot(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    String root = null;
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException(file + ": expected a JSON object {\"" + SOURCE_ROOT_KEY + "\": ...}");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.getCurrentName();
        JsonToken v = p.nextToken();
        if (SOURCE_ROOT_KEY.equals(key)) {
          if (v != JsonToken.VALUE_STRING || p.getText().isBlank()) {
            throw new IOException(file + ": " + SOURCE_ROOT_KEY + " must be a non-empty string");
          }
          root = p.getText();
        } else {
          p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null) {
      throw new IOException(file + ": no " + SOURCE_ROOT_KEY);
    }
    return root;
  }
}
