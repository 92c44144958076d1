package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;

/**
 * Reads one state or journal file line by line, handing good records and bad lines to a sink.
 *
 * <p>A bad line never stops the read: it is reported with its file and line number. A last line
 * without its newline is a torn write (a crash mid-append) and is reported as torn, unless it
 * still parses as a whole record.
 */
public final class StateFileReader {
  /** Receives what a file holds. */
  public interface Sink {
    void record(StateRecord record);

    void malformed(String file, long line, String reason, boolean torn);
  }

  private StateFileReader() {}

  /** Reads {@code in} to its end; {@code file} names it in reports. Returns the lines read. */
  public static long read(InputStream in, String file, Sink sink) throws IOException {
    return read(in, file, sink, false);
  }

  /**
   * Like {@link #read(InputStream, String, Sink)}; with {@code slim} only the fields the pending
   * decision needs are decoded ({@link StateRecordJson#parseSlim}).
   */
  public static long read(InputStream in, String file, Sink sink, boolean slim) throws IOException {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    byte[] buf = new byte[1 << 16];
    byte[] line = new byte[1 << 12];
    int lineLen = 0;
    long lineNo = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          int len = i - start;
          if (lineLen + len > line.length) {
            line = grow(line, lineLen + len);
          }
          System.arraycopy(buf, start, line, lineLen, len);
          lineLen += len;
          lineNo++;
          handle(line, lineLen, file, lineNo, false, utf8, sink, slim);
          lineLen = 0;
          start = i + 1;
        }
      }
      int rest = n - start;
      if (rest > 0) {
        if (lineLen + rest > line.length) {
          line = grow(line, lineLen + rest);
        }
        System.arraycopy(buf, start, line, lineLen, rest);
        lineLen += rest;
      }
    }
    if (lineLen > 0) {
      lineNo++;
      handle(line, lineLen, file, lineNo, true, utf8, sink, slim);
    }
    return lineNo;
  }

  private static byte[] grow(byte[] a, int need) {
    int size = a.length;
    while (size < need) {
      size *= 2;
    }
    byte[] b = new byte[size];
    System.arraycopy(a, 0, b, 0, a.length);
    return b;
  }

  private static void handle(byte[] bytes, int len, String file, long lineNo, boolean unterminated,
      CharsetDecoder utf8, Sink sink, boolean slim) {
    int end = len;
    if (end > 0 && bytes[end - 1] == '\r') {
      end--;
    }
    if (isBlank(bytes, end)) {
      return;
    }
    String text;
    try {
      CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(bytes, 0, end));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      sink.malformed(file, lineNo, unterminated ? "torn last line (not UTF-8)" : "not valid UTF-8",
          unterminated);
      return;
    }
    try {
      sink.record(slim ? StateRecordJson.parseSlim(text) : StateRecordJson.parse(text));
    } catch (MalformedLineException e) {
      sink.malformed(file, lineNo,
          unterminated ? "torn last line (no newline): " + e.getMessage() : e.getMessage(),
          unterminated);
    }
  }

  private static boolean isBlank(byte[] bytes, int len) {
    for (int i = 0; i < len; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
