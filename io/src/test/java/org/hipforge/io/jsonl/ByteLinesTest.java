package org.hipforge.io.jsonl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ByteLinesTest {
  /** One line as handed out. */
  record Line(String text, long lineNo, boolean unterminated) {}

  private static List<Line> split(byte[] content, int bufferBytes, boolean trickle)
      throws IOException {
    List<Line> out = new ArrayList<>();
    InputStream in = new ByteArrayInputStream(content);
    if (trickle) { // reads of 1 to 7 bytes, as a slow network filesystem may return
      SplittableRandom r = new SplittableRandom(content.length);
      in =
          new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              return super.read(b, off, Math.min(len, 1 + r.nextInt(7)));
            }
          };
    }
    long n =
        ByteLines.forEach(
            in,
            (buf, from, to, lineNo, unterminated) ->
                out.add(
                    new Line(
                        new String(buf, from, to - from, StandardCharsets.UTF_8),
                        lineNo,
                        unterminated)),
            bufferBytes);
    assertThat(n, is((long) out.size()));
    return out;
  }

  /** The reference: split on '\n', drop one trailing '\r', the last piece is unterminated. */
  private static List<Line> reference(String content) {
    List<Line> out = new ArrayList<>();
    int start = 0;
    long no = 0;
    for (int i = 0; i < content.length(); i++) {
      if (content.charAt(i) == '\n') {
        out.add(new Line(trimCr(content.substring(start, i)), ++no, false));
        start = i + 1;
      }
    }
    if (start < content.length()) {
      out.add(new Line(trimCr(content.substring(start)), ++no, true));
    }
    return out;
  }

  private static String trimCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  @Test
  void splitsLikeTheReferenceWhateverTheBufferSizeAndReadSizes() throws IOException {
    SplittableRandom random = new SplittableRandom(3);
    String alphabet = "ab\n\r\n{}\"x\u00e9";
    for (int round = 0; round < 2_000; round++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(300);
      for (int i = 0; i < len; i++) {
        sb.append(
            random.nextInt(10) == 0
                ? "a".repeat(random.nextInt(60))
                : String.valueOf(alphabet.charAt(random.nextInt(alphabet.length()))));
      }
      String content = sb.toString();
      byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
      for (int buffer : new int[] {16, 17, 64, 1 << 20}) {
        assertThat(content, split(bytes, buffer, round % 2 == 0), is(reference(content)));
      }
    }
  }

  @Test
  void eachLinesOffsetIsWhereItStartsInTheStreamWhateverTheBuffer() throws IOException {
    SplittableRandom random = new SplittableRandom(5);
    for (int round = 0; round < 500; round++) {
      StringBuilder sb = new StringBuilder();
      int lines = random.nextInt(30);
      for (int i = 0; i < lines; i++) {
        sb.append("l").append(i).append("x".repeat(random.nextInt(40))).append('\n');
      }
      if (random.nextBoolean()) {
        sb.append("torn");
      }
      byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
      ByteLines.Cursor c =
          new ByteLines.Cursor(new ByteArrayInputStream(bytes), 16 + random.nextInt(50));
      while (c.next()) {
        String line = new String(c.buf(), c.from(), c.to() - c.from(), StandardCharsets.UTF_8);
        String atOffset =
            new String(bytes, (int) c.offset(), c.to() - c.from(), StandardCharsets.UTF_8);
        assertThat(atOffset, is(line));
        assertThat(
            c.nextOffset(),
            is(c.unterminated() ? (long) bytes.length : c.offset() + line.length() + 1));
      }
    }
  }

  @Test
  void aLineLongerThanTheBufferGrowsIt() throws IOException {
    String big = "x".repeat(100_000);
    assertThat(
        split((big + "\nshort\n" + big).getBytes(StandardCharsets.UTF_8), 16, false),
        is(List.of(new Line(big, 1, false), new Line("short", 2, false), new Line(big, 3, true))));
  }

  @Test
  void anEmptyStreamHasNoLinesAndBlankLinesAreCounted() throws IOException {
    assertThat(split(new byte[0], 16, false), is(List.of()));
    assertThat(
        split("\n\r\n \n".getBytes(StandardCharsets.UTF_8), 16, false),
        is(List.of(new Line("", 1, false), new Line("", 2, false), new Line(" ", 3, false))));
  }

  @Test
  void findsANewlineAtEveryOffsetOfAWord() {
    for (int len = 0; len < 40; len++) {
      for (int at = -1; at < len; at++) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) 'a');
        if (at >= 0) {
          b[at] = '\n';
          if (at + 1 < len) {
            b[at + 1] = '\n';
          }
        }
        for (int from = 0; from <= len; from++) {
          int expected =
              at >= from ? at : (at + 1 >= from && at >= 0 && at + 1 < len ? at + 1 : -1);
          assertThat(
              len + "/" + at + "/" + from, ByteLines.indexOfNewline(b, from, len), is(expected));
        }
      }
    }
  }
}
