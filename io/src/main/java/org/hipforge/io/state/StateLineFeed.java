package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.record.StateRecord;

/**
 * The lines of the state or journal files matching some globs (any Beam filesystem), read
 * incrementally: the one reader behind {@link StateIndex}, {@link ResponseCache} and {@link
 * RunLedger}.
 *
 * <p>Each {@link #refresh} (or {@link #pending} then {@link #read}) matches the globs again and
 * reads only what is new: files not seen before, and the bytes appended to known files since the
 * end of their last complete line. Each non-blank line goes to the caller as the fields {@link
 * FlatLineScanner} read, or, for a line the scanner leaves, as a record parsed by Jackson ({@link
 * StateFileReader.LineParser}); either way with its file number (0, 1, ... in the order files were
 * first matched) and the line's byte offset. A malformed line is counted and the first few are
 * named as {@code file:line: reason}; never fatal.
 *
 * <p>A last line without its '\n' is still being written or was torn by a crash. {@link
 * LastLine#READ} hands it over (a torn one is counted as torn) and, when the file has grown at the
 * next refresh, takes back what it counted and reads it again: status and the pending counts see
 * every line there is. {@link LastLine#WAIT} leaves it alone until its newline is there: the
 * response cache indexes only whole lines.
 *
 * <p>Not thread-safe, except that the parts {@link #pending} returns may be {@link #read} on
 * different threads (each file's progress is in one part), with {@link #count} afterwards.
 *
 * <pre>{@code
 * StateLineFeed feed = new StateLineFeed(List.of(glob), StateLineFeed.LastLine.READ);
 * feed.refresh(lines); // everything; later calls: only what is new
 * }</pre>
 */
final class StateLineFeed {
  /** What becomes of a last line without its newline. */
  enum LastLine {
    /** Handed over (counted torn when it does not parse), and read again once the file grows. */
    READ,
    /** Not handed over until its newline is written. */
    WAIT
  }

  /** Receives the lines read; the arguments are valid only during the call. */
  interface Lines {
    /**
     * A line {@link FlatLineScanner} read; {@code offset} is its first byte in file {@code file}.
     */
    void fields(FlatLineScanner.StateFields f, int file, long offset);

    /** A line the scanner left, read whole by Jackson. */
    void record(StateRecord r, int file, long offset);
  }

  /** Malformed lines named in {@link #malformedExamples}: enough to find the problem. */
  static final int EXAMPLES = 5;

  /** The first read of a big file: the per-read cost vanishes next to the per-line work. */
  private static final int MAX_READ_BUFFER = 1 << 20;

  /** Enough for a typical journal line (a few KB); a longer one grows the buffer. */
  private static final int MIN_READ_BUFFER = 16 << 10;

  private final List<String> globs;
  private final LastLine lastLine;
  private final List<FileState> files = new ArrayList<>();
  private final Map<String, FileState> filesByName = new HashMap<>();
  private final Tally total = new Tally();

  StateLineFeed(List<String> globs, LastLine lastLine) {
    this.globs = List.copyOf(globs);
    this.lastLine = lastLine;
  }

  /**
   * Reads what is new on this thread into {@code lines}; returns the non-blank lines read (a last
   * line read again included).
   */
  long refresh(Lines lines) throws IOException {
    return read(pending(), lines);
  }

  /** Reads {@code parts} on this thread into {@code lines}, counted; returns the lines read. */
  long read(List<Part> parts, Lines lines) throws IOException {
    Tally t = new Tally();
    read(parts, lines, t);
    count(t);
    return t.lines;
  }

  /**
   * Matches the globs again and returns what is new to read, one part per file. A last line read
   * before without its newline is read again: what it counted is taken back here.
   */
  List<Part> pending() throws IOException {
    List<Part> parts = new ArrayList<>();
    for (MatchResult m : FileSystems.match(globs, EmptyMatchTreatment.ALLOW)) {
      if (m.status() != MatchResult.Status.OK) {
        continue;
      }
      for (MatchResult.Metadata md : m.metadata()) {
        String name = md.resourceId().toString();
        FileState fs = filesByName.get(name);
        if (fs == null) {
          fs = new FileState(files.size(), name, md.resourceId());
          synchronized (files) {
            files.add(fs);
          }
          filesByName.put(name, fs);
        } else if (md.sizeBytes() == fs.readTo || md.sizeBytes() < fs.resumeOffset) {
          continue; // nothing new (a file that shrank was replaced: what it held was read)
        }
        if (fs.tail != FileState.TAIL_NONE) {
          total.lines--;
          if (fs.tail == FileState.TAIL_TORN) {
            total.torn--;
          }
          fs.tail = FileState.TAIL_NONE;
        }
        parts.add(new Part(fs, md.sizeBytes() - fs.resumeOffset));
      }
    }
    return parts;
  }

  /**
   * Reads {@code parts} into {@code lines}, counting into {@code tally} (add it with {@link
   * #count}). Parts of different files may be read on different threads at once.
   */
  void read(List<Part> parts, Lines lines, Tally tally) throws IOException {
    FlatLineScanner scanner = new FlatLineScanner();
    FlatLineScanner.StateFields fields = new FlatLineScanner.StateFields();
    for (Part p : parts) {
      readFile(p, scanner, fields, lines, tally);
    }
  }

  /** Adds what a {@link #read} counted to this feed's counts. */
  void count(Tally t) {
    total.add(t);
  }

  private void readFile(
      Part p, FlatLineScanner scanner, FlatLineScanner.StateFields f, Lines lines, Tally tally)
      throws IOException {
    FileState fs = p.file;
    long from = fs.resumeOffset;
    long fromLine = fs.resumeLine;
    long[] at = new long[1]; // the offset of the line the Jackson path is reading
    StateFileReader.LineParser slow =
        new StateFileReader.LineParser(
            fs.name,
            new StateFileReader.Sink() {
              @Override
              public void record(StateRecord r) {
                lines.record(r, fs.index, at[0]);
              }

              @Override
              public void malformed(String file, long line, String reason, boolean torn) {
                tally.malformed(file + ":" + line + ": " + reason, torn);
              }
            },
            false);
    try (ReadableByteChannel ch = FileSystems.open(fs.resourceId)) {
      InputStream in = Channels.newInputStream(positioned(ch, from));
      ByteLines.Cursor c = new ByteLines.Cursor(in, bufferFor(p.bytes));
      while (c.next()) {
        boolean unterminated = c.unterminated();
        if (unterminated && lastLine == LastLine.WAIT) {
          break; // read again once its newline is there
        }
        byte[] buf = c.buf();
        long lineNo = fromLine + c.lineNo();
        int tail = FileState.TAIL_NONE;
        if (!ByteLines.isBlank(buf, c.from(), c.to())) {
          tally.lines++;
          long offset = from + c.offset();
          if (scanner.scanState(buf, c.from(), c.to(), f)) {
            lines.fields(f, fs.index, offset);
            tail = FileState.TAIL_RECORD;
          } else {
            long tornBefore = tally.torn;
            at[0] = offset;
            slow.line(buf, c.from(), c.to(), lineNo, unterminated);
            tail = tally.torn > tornBefore ? FileState.TAIL_TORN : FileState.TAIL_RECORD;
          }
        }
        if (unterminated) {
          fs.tail = tail;
        } else {
          fs.resumeOffset = from + c.nextOffset();
          fs.resumeLine = lineNo;
          fs.tail = FileState.TAIL_NONE;
        }
      }
      fs.readTo = from + c.nextOffset();
    }
  }

  /**
   * A whole first read gets the cursor's full buffer; a refresh that finds a few new lines a small
   * one (it grows for a longer line).
   */
  private static int bufferFor(long bytes) {
    return (int) Math.min(MAX_READ_BUFFER, Math.max(MIN_READ_BUFFER, bytes + 1));
  }

  /**
   * Moves a channel to {@code offset}: seeks when it can, else skips bytes (then it must be freshly
   * opened).
   */
  static ReadableByteChannel positioned(ReadableByteChannel ch, long offset) throws IOException {
    if (ch instanceof SeekableByteChannel) {
      ((SeekableByteChannel) ch).position(offset);
      return ch;
    }
    if (offset == 0) {
      return ch;
    }
    ByteBuffer skip = ByteBuffer.allocate(64 * 1024);
    long left = offset;
    while (left > 0) {
      skip.clear().limit((int) Math.min(skip.capacity(), left));
      int n = ch.read(skip);
      if (n < 0) {
        throw new IOException("ends before byte " + offset);
      }
      left -= n;
    }
    return ch;
  }

  /**
   * Reads the single line at a byte offset that a {@link Lines} call was given: the whole record
   * behind an index entry, read on demand. Reuses its buffers; not thread-safe.
   */
  static final class LineAt {
    private final ByteBuffer chunk;
    private byte[] line;

    /** With buffers of {@code bytes} (the line buffer grows for a longer line). */
    LineAt(int bytes) {
      chunk = ByteBuffer.allocate(bytes);
      line = new byte[bytes];
    }

    /**
     * The line starting at {@code offset} of {@code ch}, without its '\n' (and a '\r' before it),
     * up to the end of the file when it has no newline; "" when the file ends at {@code offset}.
     */
    String read(ReadableByteChannel ch, long offset) throws IOException {
      positioned(ch, offset);
      int n = 0;
      while (true) {
        chunk.clear();
        int r = ch.read(chunk);
        if (r <= 0) {
          break;
        }
        int nl = -1;
        for (int i = 0; i < r; i++) {
          if (chunk.get(i) == '\n') {
            nl = i;
            break;
          }
        }
        int take = nl < 0 ? r : nl;
        if (n + take > line.length) {
          line = Arrays.copyOf(line, Math.max(line.length * 2, n + take));
        }
        chunk.get(0, line, n, take);
        n += take;
        if (nl >= 0) {
          break;
        }
      }
      if (n > 0 && line[n - 1] == '\r') {
        n--;
      }
      return new String(line, 0, n, StandardCharsets.UTF_8);
    }
  }

  /** The file numbered {@code file} (thread-safe: the response cache reads hits on any thread). */
  ResourceId file(int file) {
    synchronized (files) {
      return files.get(file).resourceId;
    }
  }

  /** Files matched so far. */
  int files() {
    synchronized (files) {
      return files.size();
    }
  }

  /** Non-blank lines read (records, malformed and torn; a last line read again counts once). */
  long lines() {
    return total.lines;
  }

  long malformedLines() {
    return total.malformed;
  }

  /** Last lines without their newline that did not parse: a crash mid-write. */
  long tornLines() {
    return total.torn;
  }

  /** The first few malformed lines, as "file:line: reason". */
  List<String> malformedExamples() {
    return List.copyOf(total.examples);
  }

  /** What one {@link #read} counted. */
  static final class Tally {
    long lines;
    long malformed;
    long torn;
    final List<String> examples = new ArrayList<>();

    void malformed(String where, boolean isTorn) {
      if (isTorn) {
        torn++;
      } else {
        malformed++;
        if (examples.size() < EXAMPLES) {
          examples.add(where);
        }
      }
    }

    void add(Tally t) {
      lines += t.lines;
      malformed += t.malformed;
      torn += t.torn;
      for (String e : t.examples) {
        if (examples.size() < EXAMPLES) {
          examples.add(e);
        }
      }
    }
  }

  /** One file's new bytes to read. */
  static final class Part {
    final FileState file;

    /** About how many bytes are new (the file's size at the match minus where the read starts). */
    final long bytes;

    Part(FileState file, long bytes) {
      this.file = file;
      this.bytes = bytes;
    }
  }

  /** One file: where the next read starts and what its unfinished last line counted. */
  static final class FileState {
    static final int TAIL_NONE = 0;
    static final int TAIL_RECORD = 1;
    static final int TAIL_TORN = 2;

    final int index;
    final String name;
    final ResourceId resourceId;
    long resumeOffset; // after the last line that had its newline
    long resumeLine;
    long readTo; // bytes of the file seen
    int tail; // what a last line without newline counted

    FileState(int index, String name, ResourceId resourceId) {
      this.index = index;
      this.name = name;
      this.resourceId = resourceId;
    }
  }
}
