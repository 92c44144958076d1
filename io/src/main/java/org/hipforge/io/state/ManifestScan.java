package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.FileSystems;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.util.Hash64;
import org.hipforge.io.util.LongSet;

/**
 * Streams {@code manifest.jsonl} strictly without holding its entries: each line is read by
 * {@link FlatLineScanner} (Jackson via {@link ManifestStore#parseLine} for the lines it leaves,
 * which also names a malformed line), and a duplicate id or file name stops the scan naming the
 * line, as {@link ManifestStore#read} does.
 *
 * <p>Memory: two sets of longs (ids, and 64-bit hashes of file names); a hash seen twice is
 * checked against the earlier line's text in a second pass, so two different names never count as
 * a duplicate.
 */
public final class ManifestScan {
  private ManifestScan() {}

  /** One manifest entry, reused from line to line: valid during {@link Visitor#entry} only. */
  public static final class Entry {
    public long id;
    public long bytes;
    /** Hash64 of the file name's UTF-8 bytes. */
    public long nameHash;
    final Sha256 sha = new Sha256();
    private byte[] line;
    private int nameFrom;
    private int nameTo;
    private ManifestEntry parsed;

    /** The file name (decoded on demand). */
    public String fileName() {
      return parsed != null ? parsed.fileName()
          : new String(line, nameFrom, nameTo - nameFrom, StandardCharsets.UTF_8);
    }

    /** The source hash, or null. */
    public String sha256() {
      return sha.text();
    }

    public ManifestEntry toManifestEntry() {
      return parsed != null ? parsed : new ManifestEntry(id, fileName(), bytes, sha256());
    }
  }

  /** Receives each entry in file order. */
  public interface Visitor {
    void entry(Entry e) throws IOException;
  }

  /** Streams the manifest at {@code path} (any Beam filesystem); returns the number of entries. */
  public static long forEach(String path, Visitor visitor) throws IOException {
    LongSet ids = new LongSet();
    LongSet names = new LongSet();
    LongSet repeatedNames = new LongSet(); // hashes seen twice: names to compare as text
    long n = scan(path, (e, lineNo) -> {
      if (!ids.add(e.id)) {
        throw new IOException(path + ":" + lineNo + ": duplicate id " + e.id);
      }
      if (!names.add(e.nameHash)) {
        repeatedNames.add(e.nameHash);
      }
      visitor.entry(e);
    });
    if (repeatedNames.size() > 0) {
      confirmRepeatedNames(path, repeatedNames);
    }
    return n;
  }

  private interface LineVisitor {
    void entry(Entry e, long lineNo) throws IOException;
  }

  private static long scan(String path, LineVisitor visitor) throws IOException {
    FlatLineScanner scanner = new FlatLineScanner();
    FlatLineScanner.ManifestFields f = new FlatLineScanner.ManifestFields();
    Entry e = new Entry();
    long n = 0;
    try (InputStream in = Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(path, false)))) {
      ByteLines.Cursor c = new ByteLines.Cursor(in);
      while (c.next()) {
        byte[] buf = c.buf();
        if (scanner.scanManifest(buf, c.from(), c.to(), f)) {
          e.parsed = null;
          e.id = f.id;
          e.bytes = f.bytes;
          e.line = buf;
          e.nameFrom = f.fileNameFrom;
          e.nameTo = f.fileNameTo;
          e.nameHash = Hash64.of(buf, f.fileNameFrom, f.fileNameTo);
          e.sha.set(buf, f.sha256From, f.sha256To);
        } else if (ByteLines.isBlank(buf, c.from(), c.to())) {
          continue;
        } else {
          ManifestEntry m = ManifestStore.parseLine(buf, c.from(), c.to(), path, c.lineNo());
          e.parsed = m;
          e.id = m.id();
          e.bytes = m.bytes();
          e.nameHash = Hash64.of(m.fileName());
          e.sha.set(m.sha256());
        }
        n++;
        visitor.entry(e, c.lineNo());
      }
    }
    return n;
  }

  /** Some file-name hashes were seen twice: fails on the first line whose name is a repeat. */
  private static void confirmRepeatedNames(String path, LongSet hashes) throws IOException {
    java.util.Set<String> seen = new java.util.HashSet<>();
    scan(path, (e, lineNo) -> {
      if (hashes.contains(e.nameHash) && !seen.add(e.fileName())) {
        throw new IOException(path + ":" + lineNo + ": duplicate file_name '" + e.fileName() + "'");
      }
    });
  }
}
