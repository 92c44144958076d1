package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;

/**
 * Reads one state or journal file line by line, handing good records and bad lines to a sink.
 *
 * <p>A bad line never stops the read: it is reported with its file and line number. A last line
 * without its newline is a torn write (a crash mid-append) and is reported as torn, unless it still
 * parses as a whole record.
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
    LineParser parser = new LineParser(file, sink, slim);
    return ByteLines.forEach(in, parser::line);
  }

  /**
   * Reads single lines of one file into a sink: the per-line half of {@link #read}, for readers
   * that split the file themselves and try a faster path first.
   */
  public static final class LineParser {
    private final String file;
    private final Sink sink;
    private final boolean slim;
    private final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    public LineParser(String file, Sink sink, boolean slim) {
      this.file = file;
      this.sink = sink;
      this.slim = slim;
    }

    /** Parses the line {@code bytes[from, to)}; blank lines are skipped. */
    public void line(byte[] bytes, int from, int to, long lineNo, boolean unterminated) {
      if (ByteLines.isBlank(bytes, from, to)) {
        return;
      }
      String text;
      try {
        CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(bytes, from, to - from));
        text = chars.toString();
      } catch (CharacterCodingException e) {
        sink.malformed(
            file,
            lineNo,
            unterminated ? "torn last line (not UTF-8)" : "not valid UTF-8",
            unterminated);
        return;
      }
      try {
        sink.record(slim ? StateRecordJson.parseSlim(text) : StateRecordJson.parse(text));
      } catch (MalformedLineException e) {
        sink.malformed(
            file,
            lineNo,
            unterminated ? "torn last line (no newline): " + e.getMessage() : e.getMessage(),
            unterminated);
      }
    }
  }
}
