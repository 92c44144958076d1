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
import org.hipforge.io.util.DaemonThreads;
import org.hipforge.io.util.Hash64;
import org.hipforge.io.util.LongTable;

/**
 * Streams {@code manifest.jsonl} strictly without holding its entries: each line is read by {@link
 * FlatLineScanner} (Jackson via {@link ManifestStore#parseLine} for the lines it leaves, which also
 * names a malformed line), and a duplicate id or file name stops the scan naming the line, as
 * {@link ManifestStore#read} does.
 *
 * <p>Memory: two longs an entry (its id and a 64-bit hash of its file name), sorted after the pass
 * to find repeats; a repeat is located (and a repeated name hash checked against the text) in a
 * second pass, so the error names the line and two different names never count as one. The visitor
 * has seen every entry by the time a duplicate is reported.
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
      return parsed != null
          ? parsed.fileName()
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
    Seen seen = new Seen();
    long n =
        scan(
            path,
            0,
            Long.MAX_VALUE,
            (e, lineNo) -> {
              seen.add(e);
              visitor.entry(e);
            });
    seen.checkUnique(path);
    return n;
  }

  /**
   * Like {@link #forEach}, on two threads when the manifest is big enough to pay for it: the file
   * is split at a line boundary near its middle and each half goes to its own visitor from {@code
   * visitors} (in no particular order: for visitors that only count). Returns the entries.
   */
  public static long forEachInParallel(String path, java.util.function.Supplier<Visitor> visitors)
      throws IOException {
    return forEachInParallel(path, visitors, PARALLEL_BYTES);
  }

  /**
   * {@link #forEachInParallel(String, java.util.function.Supplier)} from {@code minBytes} (tests:
   * 0).
   */
  static long forEachInParallel(
      String path, java.util.function.Supplier<Visitor> visitors, long minBytes)
      throws IOException {
    long split = splitPoint(path, minBytes);
    if (split < 0) {
      return forEach(path, visitors.get());
    }
    Visitor first = visitors.get();
    Visitor second = visitors.get();
    Seen seenFirst = new Seen();
    Seen seenSecond = new Seen();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            DaemonThreads.named("manifest-reader"));
    long n;
    try {
      java.util.concurrent.Future<Long> other =
          pool.submit(
              () ->
                  scan(
                      path,
                      split,
                      Long.MAX_VALUE,
                      (e, lineNo) -> {
                        seenSecond.add(e);
                        second.entry(e);
                      }));
      n =
          scan(
              path,
              0,
              split,
              (e, lineNo) -> {
                seenFirst.add(e);
                first.entry(e);
              });
      try {
        n += other.get();
      } catch (java.util.concurrent.ExecutionException ex) {
        // The second half counts lines from the split: read again in order for the exact message.
        forEach(path, e -> {});
        Throwable c = ex.getCause();
        throw c instanceof IOException ? (IOException) c : new IOException(c);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading " + path, ex);
      }
    } finally {
      pool.shutdownNow();
    }
    seenFirst.addAll(seenSecond);
    seenFirst.checkUnique(path);
    return n;
  }

  /** Manifests below this size are read on one thread: a second one would not pay for itself. */
  static final long PARALLEL_BYTES = 8L << 20;

  /**
   * Where the second half starts (after a newline near the middle), or -1 to read on one thread.
   */
  private static long splitPoint(String path, long minBytes) throws IOException {
    if (Runtime.getRuntime().availableProcessors() < 2) {
      return -1;
    }
    java.util.List<org.apache.beam.sdk.io.fs.MatchResult> m =
        FileSystems.match(java.util.List.of(path));
    if (m.get(0).status() != org.apache.beam.sdk.io.fs.MatchResult.Status.OK
        || m.get(0).metadata().size() != 1) {
      return -1;
    }
    long size = m.get(0).metadata().get(0).sizeBytes();
    if (size < minBytes || size == 0) {
      return -1;
    }
    try (java.nio.channels.ReadableByteChannel ch =
        FileSystems.open(FileSystems.matchNewResource(path, false))) {
      if (!(ch instanceof java.nio.channels.SeekableByteChannel)) {
        return -1;
      }
      long at = size / 2;
      ((java.nio.channels.SeekableByteChannel) ch).position(at);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64 * 1024);
      while (true) {
        b.clear();
        int r = ch.read(b);
        if (r <= 0) {
          return -1; // no newline after the middle: one long last line
        }
        for (int i = 0; i < r; i++) {
          if (b.get(i) == '\n') {
            return at + i + 1;
          }
        }
        at += r;
      }
    }
  }

  /**
   * Ids and file-name hashes seen, to find duplicates by sorting afterwards: sequential work, where
   * a hash set would cost a cache miss per line. A duplicate is then located in a second pass.
   */
  private static final class Seen {
    long[] ids = new long[1024];
    long[] names = new long[1024];
    int n;

    void add(Entry e) {
      if (n == ids.length) {
        ids = Arrays.copyOf(ids, n + (n >> 1));
        names = Arrays.copyOf(names, n + (n >> 1));
      }
      ids[n] = e.id;
      names[n] = e.nameHash;
      n++;
    }

    void addAll(Seen o) {
      ids = Arrays.copyOf(ids, n + o.n);
      names = Arrays.copyOf(names, n + o.n);
      System.arraycopy(o.ids, 0, ids, n, o.n);
      System.arraycopy(o.names, 0, names, n, o.n);
      n += o.n;
    }

    void checkUnique(String path) throws IOException {
      LongTable repeatedIds = repeats(ids, n);
      LongTable repeatedNames = repeats(names, n);
      if (repeatedIds.size() > 0 || repeatedNames.size() > 0) {
        failOnFirstDuplicate(path, repeatedIds, repeatedNames);
      }
    }
  }

  /** The values that occur more than once in {@code v[0, n)} (sorts it). */
  private static LongTable repeats(long[] v, int n) {
    Arrays.sort(v, 0, n);
    LongTable out = new LongTable();
    for (int i = 1; i < n; i++) {
      if (v[i] == v[i - 1]) {
        out.put(v[i], 1);
      }
    }
    return out;
  }

  /** Some id or file-name hash repeats: fails on the first line that repeats an id or a name. */
  private static void failOnFirstDuplicate(String path, LongTable ids, LongTable nameHashes)
      throws IOException {
    LongTable seenIds = new LongTable();
    java.util.Set<String> seenNames = new java.util.HashSet<>();
    scan(
        path,
        0,
        Long.MAX_VALUE,
        (e, lineNo) -> {
          if (ids.contains(e.id) && seenIds.put(e.id, 1) != 0) {
            throw new IOException(path + ":" + lineNo + ": duplicate id " + e.id);
          }
          // Equal hashes of different names (about 2^-64 a pair) are not a duplicate: compare the
          // text.
          if (nameHashes.contains(e.nameHash) && !seenNames.add(e.fileName())) {
            throw new IOException(
                path + ":" + lineNo + ": duplicate file_name '" + e.fileName() + "'");
          }
        });
  }

  /** {@code in} cut after {@code max} bytes. */
  private static InputStream limit(InputStream in, long max) {
    if (max == Long.MAX_VALUE || max < 0) {
      return in;
    }
    return new java.io.FilterInputStream(in) {
      private long left = max;

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        if (b >= 0) {
          left--;
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int r = super.read(buf, off, (int) Math.min(len, left));
        if (r > 0) {
          left -= r;
        }
        return r;
      }
    };
  }

  private interface LineVisitor {
    void entry(Entry e, long lineNo) throws IOException;
  }

  /** Reads the lines of {@code path} in bytes {@code [from, to)}; {@code from} starts a line. */
  private static long scan(String path, long from, long to, LineVisitor visitor)
      throws IOException {
    FlatLineScanner scanner = new FlatLineScanner();
    FlatLineScanner.ManifestFields f = new FlatLineScanner.ManifestFields();
    Entry e = new Entry();
    long n = 0;
    java.nio.channels.ReadableByteChannel ch =
        FileSystems.open(FileSystems.matchNewResource(path, false));
    if (from > 0) {
      ((java.nio.channels.SeekableByteChannel) ch).position(from);
    }
    try (InputStream in = limit(Channels.newInputStream(ch), to - from)) {
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
}
