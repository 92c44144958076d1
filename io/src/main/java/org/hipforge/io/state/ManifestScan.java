package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * <p>Memory: two longs an entry (its id and a 64-bit hash of its file name), sorted after the
 * pass to find repeats; a repeat is located (and a repeated name hash checked against the text) in
 * a second pass, so the error names the line and two different names never count as one. The
 * visitor has seen every entry by the time a duplicate is reported.
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
    private long ordinal; // entries before this one

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
    // Duplicates are found by sorting the ids and name hashes afterwards: sequential work, where a
    // hash set would cost a cache miss per line; a duplicate is then located in a second pass.
    long[][] seen = {new long[1024], new long[1024]};
    long n = scan(path, (e, lineNo) -> {
      int i = (int) e.ordinal;
      if (i == seen[0].length) {
        seen[0] = Arrays.copyOf(seen[0], i + (i >> 1));
        seen[1] = Arrays.copyOf(seen[1], i + (i >> 1));
      }
      seen[0][i] = e.id;
      seen[1][i] = e.nameHash;
      visitor.entry(e);
    });
    LongSet repeatedIds = repeats(seen[0], (int) n);
    LongSet repeatedNames = repeats(seen[1], (int) n);
    if (repeatedIds.size() > 0 || repeatedNames.size() > 0) {
      failOnFirstDuplicate(path, repeatedIds, repeatedNames);
    }
    return n;
  }

  /** The values that occur more than once in {@code v[0, n)} (sorts it). */
  private static LongSet repeats(long[] v, int n) {
    Arrays.sort(v, 0, n);
    LongSet out = new LongSet();
    for (int i = 1; i < n; i++) {
      if (v[i] == v[i - 1]) {
        out.add(v[i]);
      }
    }
    return out;
  }

  /** Some id or file-name hash repeats: fails on the first line that repeats an id or a name. */
  private static void failOnFirstDuplicate(String path, LongSet ids, LongSet nameHashes) throws IOException {
    LongSet seenIds = new LongSet();
    java.util.Set<String> seenNames = new java.util.HashSet<>();
    scan(path, (e, lineNo) -> {
      if (ids.contains(e.id) && !seenIds.add(e.id)) {
        throw new IOException(path + ":" + lineNo + ": duplicate id " + e.id);
      }
      // Equal hashes of different names (about 2^-64 a pair) are not a duplicate: compare the text.
      if (nameHashes.contains(e.nameHash) && !seenNames.add(e.fileName())) {
        throw new IOException(path + ":" + lineNo + ": duplicate file_name '" + e.fileName() + "'");
      }
    });
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
        e.ordinal = n;
        n++;
        visitor.entry(e, c.lineNo());
      }
    }
    return n;
  }
}
