package org.hipforge.io.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
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
 */
public final class JournalWriter implements AutoCloseable {
  /** Lines per part file on non-local filesystems: bounds what a crash can lose there. */
  public static final int ROLL_LINES = 50;

  private final String dir;
  private final String workerId;
  private final boolean local;
  private WritableByteChannel channel;
  private int part;
  private int linesInPart;
  private long linesWritten;

  private JournalWriter(String dir, boolean local) {
    this.dir = dir;
    this.local = local;
    this.workerId = UUID.randomUUID().toString().substring(0, 13).replace("-", "");
  }

  /** A journal in {@code dir} (created when missing); its file is created on the first append. */
  public static JournalWriter open(String dir) {
    return new JournalWriter(dir, isLocal(dir));
  }

  static boolean isLocal(String path) {
    int colon = path.indexOf("://");
    return colon < 0 || path.startsWith("file://");
  }

  private static Path localPath(String path) {
    return path.startsWith("file://") ? Paths.get(java.net.URI.create(path)) : Paths.get(path);
  }

  /** Appends one line (a newline is added) and returns once it is written. */
  public synchronized void append(String jsonLine) throws IOException {
    if (jsonLine.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a journal line must not contain a newline");
    }
    byte[] bytes = (jsonLine + "\n").getBytes(StandardCharsets.UTF_8);
    if (channel == null) {
      openPart();
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    linesWritten++;
    if (!local && ++linesInPart >= ROLL_LINES) {
      channel.close();
      channel = null;
    }
  }

  private void openPart() throws IOException {
    String name = local ? workerId + ".jsonl" : workerId + "-" + (part++) + ".jsonl";
    String file = dir + "/" + name;
    linesInPart = 0;
    if (local) {
      Path path = localPath(file);
      Files.createDirectories(path.getParent());
      channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    } else {
      channel = FileSystems.create(FileSystems.matchNewResource(file, false), MimeTypes.TEXT);
    }
  }

  public synchronized long linesWritten() {
    return linesWritten;
  }

  @Override
  public synchronized void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
