package org.hipforge.io.jsonl;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Splits a stream into '\n'-terminated lines of raw bytes, without decoding them.
 *
 * <p>Lines are handed out as ranges of one read buffer, so the common line costs no copy and no
 * allocation; only a line that crosses a buffer boundary is moved to the buffer's front (and the
 * buffer grows when one line is longer than it). A trailing '\r' is dropped. A last line without
 * its '\n' is reported as {@code unterminated}: in an append-only file that is a torn write.
 */
public final class ByteLines {
  /** Read size: large enough that the per-read cost vanishes next to the per-line work. */
  static final int BUFFER_BYTES = 1 << 20;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /** Receives each line as {@code buf[from, to)}; the range is valid only during the call. */
  public interface Visitor {
    void line(byte[] buf, int from, int to, long lineNo, boolean unterminated) throws IOException;
  }

  /**
   * Pulls lines one at a time: after {@link #next} returns true, the line is {@code buf()[from(),
   * to())}, valid until the next call.
   */
  public static final class Cursor {
    private final InputStream in;
    private byte[] buf;
    private int start; // first byte of the next line
    private int filled; // bytes of buf holding data
    private long shifted; // bytes of the stream moved out of the front of buf so far
    private boolean eof;
    private int from;
    private int to;
    private long lineNo;
    private boolean unterminated;

    public Cursor(InputStream in) {
      this(in, BUFFER_BYTES);
    }

    /** With a first buffer of {@code bufferBytes} (it grows for a longer line). */
    public Cursor(InputStream in, int bufferBytes) {
      this.in = in;
      this.buf = new byte[Math.max(16, bufferBytes)];
    }

    public boolean next() throws IOException {
      int scanFrom = start;
      while (true) {
        int nl = indexOfNewline(buf, scanFrom, filled);
        if (nl >= 0) {
          lineNo++;
          from = start;
          to = trimCr(buf, start, nl);
          unterminated = false;
          start = nl + 1;
          return true;
        }
        if (eof) {
          if (start < filled) {
            lineNo++;
            from = start;
            to = trimCr(buf, start, filled);
            unterminated = true;
            start = filled;
            return true;
          }
          return false;
        }
        scanFrom = filled - start; // what is left was searched already
        fill();
        scanFrom += start;
      }
    }

    /** Moves the unfinished line to the front (or grows the buffer) and reads more. */
    private void fill() throws IOException {
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, filled - start);
        filled -= start;
        shifted += start;
        start = 0;
      }
      if (filled == buf.length) { // one line fills the whole buffer
        byte[] bigger = new byte[buf.length * 2];
        System.arraycopy(buf, 0, bigger, 0, filled);
        buf = bigger;
      }
      int n = in.read(buf, filled, buf.length - filled);
      if (n < 0) {
        eof = true;
      } else {
        filled += n;
      }
    }

    public byte[] buf() {
      return buf;
    }

    public int from() {
      return from;
    }

    public int to() {
      return to;
    }

    public long lineNo() {
      return lineNo;
    }

    /**
     * Where the current line starts, in bytes from the start of the stream: a reader can come back
     * to it (read one record on demand, or resume after a line that was still being written).
     */
    public long offset() {
      return shifted + from;
    }

    /** Where the next line starts, in bytes from the start of the stream. */
    public long nextOffset() {
      return shifted + start;
    }

    /** True for a last line without its '\n' (a torn write in an append-only file). */
    public boolean unterminated() {
      return unterminated;
    }
  }

  private ByteLines() {}

  /** Reads {@code in} to its end; returns the number of lines (blank ones included). */
  public static long forEach(InputStream in, Visitor visitor) throws IOException {
    return forEach(in, visitor, BUFFER_BYTES);
  }

  static long forEach(InputStream in, Visitor visitor, int bufferBytes) throws IOException {
    Cursor c = new Cursor(in, bufferBytes);
    while (c.next()) {
      visitor.line(c.buf, c.from, c.to, c.lineNo, c.unterminated);
    }
    return c.lineNo;
  }

  /**
   * The first '\n' in {@code b[from, to)}, or -1: eight bytes at a time (the classic "has a zero
   * byte" test on the word XOR '\n'), because this scan touches every byte of every file.
   */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      long found = (x - ONES) & ~x & HIGHS; // the lowest flag marks the first '\n' exactly
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static int trimCr(byte[] buf, int from, int to) {
    return to > from && buf[to - 1] == '\r' ? to - 1 : to;
  }

  /** True when the range holds only spaces, tabs and carriage returns (or nothing). */
  public static boolean isBlank(byte[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = buf[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
