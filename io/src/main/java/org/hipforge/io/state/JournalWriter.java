package org.hipforge.io.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Appends JSON lines to one worker's journal file so each finished LLM call is on disk at once.
 *
 * <p>On a local path every line is one unbuffered {@code write} on an append-mode channel: once
 * {@link #append} returns, the line survives a {@code kill -9} of the JVM (the OS holds it), which
 * is the guarantee the pipeline needs to never pay twice. Object stores have no append, so on any
 * other Beam filesystem the journal is written as a series of small part files, each closed (and so
 * made durable) after {@link #ROLL_LINES} lines or on {@link #close}. Thread-safe.
 *
 * <p><b>When the disk fills.</b> Calls already in flight are paid for whatever happens to the disk,
 * so on a local path {@link #open(String, String, long)} sets aside a reserve file ({@code
 * <reserveDir>/<worker>.reserve}, on the same filesystem, outside the state tree) big enough for
 * the answers of a full in-flight window. The first failed write deletes it and tries again, so the
 * answers still arriving fit; {@link #failure()} then reports the first error, and the caller must
 * stop sending. A line that cannot be written at all is cut back off the file, so the next line
 * does not join a fragment.
 */
public final class JournalWriter implements AutoCloseable {
  /** Lines per part file on non-local filesystems: bounds what a crash can lose there. */
  public static final int ROLL_LINES = 50;

  /** Opens the channel of a local journal file; tests substitute one that fails. */
  interface Opener {
    WritableByteChannel open(Path file) throws IOException;
  }

  static final Opener APPEND =
      file ->
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

  private final String dir;
  private final String workerId;
  private final boolean local;
  private final Opener opener;
  private WritableByteChannel channel;
  private int part;
  private int linesInPart;
  private long linesWritten;
  private Path reserve;
  private IOException failure;
  private String failureDescription;

  private JournalWriter(String dir, boolean local, Opener opener) {
    this(dir, local, opener, "");
  }

  private JournalWriter(String dir, boolean local, Opener opener, String prefix) {
    this.dir = dir;
    this.local = local;
    this.opener = opener;
    this.workerId = prefix + UUID.randomUUID().toString().substring(0, 13).replace("-", "");
  }

  /** A journal in {@code dir} (created when missing); its file is created on the first append. */
  public static JournalWriter open(String dir) {
    return new JournalWriter(dir, WorkLayout.isLocal(dir), APPEND);
  }

  /**
   * A journal in {@code dir} whose file name starts with {@code prefix} (a new file, never one a
   * crash may have left with a torn last line): Batch API answers go to {@code batch-*.jsonl}
   * ({@link RunLedger#BATCH_PREFIX}) so the ledger can price them apart.
   */
  public static JournalWriter open(String dir, String prefix) {
    return new JournalWriter(dir, WorkLayout.isLocal(dir), APPEND, prefix);
  }

  /**
   * A journal in {@code dir} that first sets aside {@code reserveBytes} of disk in {@code
   * reserveDir} (local paths only, same filesystem as {@code dir}) for the answers in flight when
   * the disk fills.
   *
   * @throws IOException naming the directory and its free space when the reserve cannot be made
   */
  public static JournalWriter open(String dir, String reserveDir, long reserveBytes)
      throws IOException {
    return open(dir, reserveDir, reserveBytes, APPEND);
  }

  static JournalWriter open(String dir, String reserveDir, long reserveBytes, Opener opener)
      throws IOException {
    JournalWriter w = new JournalWriter(dir, WorkLayout.isLocal(dir), opener);
    if (w.local && reserveDir != null && WorkLayout.isLocal(reserveDir) && reserveBytes > 0) {
      Path r = WorkLayout.localPath(reserveDir + "/" + w.workerId + ".reserve");
      try {
        Files.createDirectories(r.getParent());
        fill(r, reserveBytes);
      } catch (IOException e) {
        Files.deleteIfExists(r);
        throw new IOException(
            "cannot set aside "
                + reserveBytes / 1024
                + " KB for the answers in "
                + "flight: "
                + describe(reserveDir, e),
            e);
      }
      w.reserve = r;
    }
    return w;
  }

  /**
   * Proves that {@code dir} takes journal lines before anything is sent: creates it, writes a probe
   * file, forces it to disk and deletes it.
   *
   * @throws IOException whose message names the directory, its free space and the error
   */
  public static void probe(String dir) throws IOException {
    String name = ".probe-" + UUID.randomUUID() + ".tmp";
    try {
      if (WorkLayout.isLocal(dir)) {
        Path file = WorkLayout.localPath(dir + "/" + name);
        Files.createDirectories(file.getParent());
        try (FileChannel c =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap("{}\n".getBytes(StandardCharsets.UTF_8));
          while (b.hasRemaining()) {
            c.write(b);
          }
          c.force(true);
        } finally {
          Files.deleteIfExists(file);
        }
      } else {
        org.apache.beam.sdk.io.fs.ResourceId id =
            FileSystems.matchNewResource(dir + "/" + name, false);
        try (WritableByteChannel c = FileSystems.create(id, MimeTypes.TEXT)) {
          c.write(ByteBuffer.wrap("{}\n".getBytes(StandardCharsets.UTF_8)));
        }
        FileSystems.delete(java.util.List.of(id));
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(describe(dir, e), e);
    }
  }

  /**
   * One line naming a journal problem: the directory, the free space of its filesystem (local
   * paths) and the error, e.g. {@code /w/state/describe/journal/r1 (free: 0.0 MB): No space left on
   * device}.
   */
  public static String describe(String dir, Throwable e) {
    String free = "";
    if (WorkLayout.isLocal(dir)) {
      try {
        Path p = WorkLayout.localPath(dir).toAbsolutePath();
        while (p != null && !Files.exists(p)) {
          p = p.getParent();
        }
        if (p != null) {
          FileStore store = Files.getFileStore(p);
          free =
              String.format(
                  Locale.ROOT, " (free on its filesystem: %.1f MB)", store.getUsableSpace() / 1e6);
        }
      } catch (IOException | RuntimeException ignored) {
        // The free space is a hint; the error below is the message.
      }
    }
    String what =
        e.getMessage() == null
            ? e.getClass().getSimpleName()
            : e.getClass().getSimpleName() + ": " + e.getMessage();
    return dir + free + ": " + what;
  }

  /**
   * Deletes the reserve files left in {@code reserveDir} by a run that was killed before it could
   * close its journals. Only call it while no run of the step is writing (the command holds the
   * work directory).
   */
  public static void removeStaleReserves(String reserveDir) throws IOException {
    if (!WorkLayout.isLocal(reserveDir)) {
      return;
    }
    Path d = WorkLayout.localPath(reserveDir);
    if (!Files.isDirectory(d)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.list(d)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".reserve")) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** The first write error, also when the reserve let the line through; null while all is well. */
  public synchronized IOException failure() {
    return failure;
  }

  /**
   * {@link #describe} of the first write error, taken when it happened (before the reserve was
   * released, so the free space is what filled up); null while all is well.
   */
  public synchronized String failureDescription() {
    return failureDescription;
  }

  /** The journal directory. */
  public String dir() {
    return dir;
  }

  /**
   * Writes {@code bytes} of incompressible filler (a compressing filesystem keeps zeros for free).
   */
  private static void fill(Path file, long bytes) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long x = 0x9E3779B97F4A7C15L;
    for (int i = 0; i + 8 <= chunk.length; i += 8) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      for (int k = 0; k < 8; k++) {
        chunk[i + k] = (byte) (x >>> (8 * k));
      }
    }
    try (FileChannel c =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long left = bytes;
      while (left > 0) {
        ByteBuffer b = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, left));
        while (b.hasRemaining()) {
          left -= c.write(b);
        }
      }
      c.force(true);
    }
  }

  /**
   * Appends one line (a newline is added) and returns once it is written.
   *
   * @throws IOException when the line could not be written, even after releasing the reserve
   */
  public synchronized void append(String jsonLine) throws IOException {
    if (jsonLine.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a journal line must not contain a newline");
    }
    ByteBuffer buffer = ByteBuffer.wrap((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
    long before = -1;
    try {
      if (channel == null) {
        openPart();
      }
      before = size();
      writeFully(buffer);
    } catch (IOException first) {
      if (failure == null) {
        failure = first;
        failureDescription = describe(dir, first); // the free space before the reserve is let go
      }
      if (!releaseReserve()) {
        cutBack(before);
        throw first;
      }
      try {
        if (channel == null) {
          openPart();
        }
        if (before < 0) {
          before = size();
        }
        writeFully(buffer); // the rest of the line: a partial write kept its position
      } catch (IOException again) {
        again.addSuppressed(first);
        cutBack(before);
        throw again;
      }
    }
    linesWritten++;
    if (!local && ++linesInPart >= ROLL_LINES) {
      channel.close();
      channel = null;
    }
  }

  private void writeFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private long size() throws IOException {
    return channel instanceof SeekableByteChannel ? ((SeekableByteChannel) channel).size() : -1;
  }

  /** Removes a fragment of a line that could not be written whole (local files only). */
  private void cutBack(long before) {
    if (before >= 0 && channel instanceof SeekableByteChannel) {
      try {
        ((SeekableByteChannel) channel).truncate(before);
      } catch (IOException ignored) {
        // The fragment stays: readers skip it as a malformed line, naming file and line.
      }
    }
  }

  /** Frees the reserve; false when there was none left. */
  private boolean releaseReserve() {
    if (reserve == null) {
      return false;
    }
    try {
      Files.deleteIfExists(reserve);
    } catch (IOException ignored) {
      // Nothing freed; the retry will fail and say why.
    }
    reserve = null;
    return true;
  }

  private void openPart() throws IOException {
    String name = local ? workerId + ".jsonl" : workerId + "-" + (part++) + ".jsonl";
    String file = dir + "/" + name;
    linesInPart = 0;
    if (local) {
      Path path = WorkLayout.localPath(file);
      Files.createDirectories(path.getParent());
      channel = opener.open(path);
    } else {
      channel = FileSystems.create(FileSystems.matchNewResource(file, false), MimeTypes.TEXT);
    }
  }

  public synchronized long linesWritten() {
    return linesWritten;
  }

  /** Closes the file and gives the reserve back. */
  @Override
  public synchronized void close() throws IOException {
    releaseReserve();
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
