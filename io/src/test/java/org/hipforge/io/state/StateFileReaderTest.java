package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StateFileReaderTest {

  @TempDir Path dir;

  /** One reported bad line. */
  record Bad(String file, long line, String reason, boolean torn) {}

  /** Collects what the reader hands out. */
  static final class Collector implements StateFileReader.Sink {
    final List<StateRecord> records = new ArrayList<>();
    final List<Bad> bad = new ArrayList<>();

    @Override
    public void record(StateRecord record) {
      records.add(record);
    }

    @Override
    public void malformed(String file, long line, String reason, boolean torn) {
      bad.add(new Bad(file, line, reason, torn));
    }

    List<Long> ids() {
      return records.stream().map(StateRecord::id).collect(Collectors.toList());
    }
  }

  private static String line(long id) {
    return StateRecordJson.toJson(
        StateRecord.builder()
            .id(id)
            .fileName("k" + id + ".hip")
            .pass(true)
            .instruction("describe " + id)
            .finishedAtMillis(1_700_000_000_000L + id)
            .runId("r")
            .build());
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private Path file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private static long read(Path p, Collector c) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return StateFileReader.read(in, p.toString(), c);
    }
  }

  static Stream<Arguments> wellFormedFiles() {
    return Stream.of(
        arguments(
            "good lines are all read in order",
            line(0) + "\n" + line(1) + "\n" + line(2) + "\n",
            3L,
            List.of(0L, 1L, 2L)),
        arguments(
            "a complete last line without newline still parses as a record",
            line(0) + "\n" + line(1),
            2L,
            List.of(0L, 1L)),
        arguments(
            "CRLF lines parse",
            line(0) + "\r\n" + line(1) + "\r\n\r\n" + line(2) + "\r\n",
            4L,
            List.of(0L, 1L, 2L)),
        arguments(
            "blank lines are ignored but counted",
            "\n" + line(0) + "\n\n   \n\t\n" + line(1) + "\n  ",
            7L,
            List.of(0L, 1L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wellFormedFiles")
  void wellFormedLinesAreReadWholeAndInOrder(
      String what, String content, long lines, List<Long> ids) throws Exception {
    Collector c = new Collector();
    assertThat(read(file("part-00000-of-00001.jsonl", content), c), is(lines));
    assertThat(c.ids(), is(ids));
    assertThat(c.bad, is(empty()));
    for (StateRecord r : c.records) {
      assertThat(r.fileName(), is("k" + r.id() + ".hip"));
      assertThat(r.instruction(), is("describe " + r.id()));
    }
  }

  @Test
  void emptyFileHasNoLines() throws Exception {
    Collector c = new Collector();
    assertThat(read(file("empty.jsonl", ""), c), is(0L));
    assertThat(c.records, is(empty()));
    assertThat(c.bad, is(empty()));
  }

  @Test
  void malformedMiddleLineIsReportedWithFileAndLineAndReadingContinues() throws Exception {
    Path p =
        file(
            "x.jsonl",
            line(0) + "\n" + "{\"id\":1,\"pass\":true}\n" + "not json at all\n" + line(3) + "\n");
    Collector c = new Collector();
    assertThat(read(p, c), is(4L));
    assertThat(c.ids(), contains(0L, 3L));
    assertThat(c.bad.size(), is(2));
    assertThat(c.bad.get(0), is(new Bad(p.toString(), 2, "missing \"file_name\"", false)));
    assertThat(c.bad.get(1).file(), is(p.toString()));
    assertThat(c.bad.get(1).line(), is(3L));
    assertThat(c.bad.get(1).reason(), startsWith("invalid JSON"));
    assertThat(c.bad.get(1).torn(), is(false));
  }

  @Test
  void tornLastLineIsReportedAsTornNotFatal() throws Exception {
    String full = line(2);
    Path p =
        file("torn.jsonl", line(0) + "\n" + line(1) + "\n" + full.substring(0, full.length() / 2));
    Collector c = new Collector();
    assertThat(read(p, c), is(3L));
    assertThat(c.ids(), contains(0L, 1L));
    assertThat(c.bad.size(), is(1));
    Bad b = c.bad.get(0);
    assertThat(b.line(), is(3L));
    assertThat(b.torn(), is(true));
    assertThat(b.reason(), startsWith("torn last line (no newline): "));
  }

  @Test
  void invalidUtf8LineIsReportedAndOthersStillParse() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((line(0) + "\n").getBytes(StandardCharsets.UTF_8));
    byte[] bad = (line(1) + "\n").getBytes(StandardCharsets.UTF_8);
    int at = new String(bad, StandardCharsets.UTF_8).indexOf("describe");
    bad[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
    bad[at + 2] = (byte) 0xFF; // never valid in UTF-8
    out.write(bad);
    out.write((line(2) + "\n").getBytes(StandardCharsets.UTF_8));
    out.write(new byte[] {'{', (byte) 0xFE, '}'}); // torn and not UTF-8
    Path p = file("utf8.jsonl", out.toByteArray());
    Collector c = new Collector();
    assertThat(read(p, c), is(4L));
    assertThat(c.ids(), contains(0L, 2L));
    assertThat(
        c.bad,
        contains(
            new Bad(p.toString(), 2, "not valid UTF-8", false),
            new Bad(p.toString(), 4, "torn last line (not UTF-8)", true)));
  }

  @Test
  void multiByteCharactersAndLinesSplitAcrossReadsAreReassembled() throws Exception {
    StateRecord r =
        StateRecord.builder()
            .id(9)
            .fileName("核/ü.hip")
            .pass(true)
            .instruction("ünïcödé 核函数 \uD83D\uDE80 ".repeat(5000))
            .build();
    Path p = file("split.jsonl", StateRecordJson.toJson(r) + "\n" + line(1) + "\n");
    Collector c = new Collector();
    long lines;
    // A stream that hands out at most 7 bytes per read: every line and most characters straddle
    // reads.
    try (InputStream in =
        new FilterInputStream(Files.newInputStream(p)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 7));
          }
        }) {
      lines = StateFileReader.read(in, "split.jsonl", c);
    }
    assertThat(lines, is(2L));
    assertThat(c.bad, is(empty()));
    assertThat(c.records.get(0), is(r));
    assertThat(c.ids(), contains(9L, 1L));
  }

  @Test
  void veryLongLineWithAOneMegabyteInstructionParses() throws Exception {
    StringBuilder sb = new StringBuilder(1 << 20);
    while (sb.length() < (1 << 20)) {
      sb.append("Explain the reduction kernel step by step, \"quoted\"\n\tand ünïcödé. ");
    }
    String instruction = sb.toString();
    StateRecord big =
        StateRecord.builder().id(5).fileName("big.hip").pass(true).instruction(instruction).build();
    Path p =
        file("big.jsonl", line(0) + "\n" + StateRecordJson.toJson(big) + "\n" + line(6) + "\n");
    assertThat(Files.size(p) > (1 << 20), is(true));
    Collector c = new Collector();
    assertThat(read(p, c), is(3L));
    assertThat(c.bad, is(empty()));
    assertThat(c.ids(), contains(0L, 5L, 6L));
    assertThat(c.records.get(1).instruction(), is(instruction));
  }

  @Test
  void reasonOfAMalformedLineNamesTheProblem() throws Exception {
    Path p =
        file(
            "neg.jsonl",
            "{\"id\":-1,\"file_name\":\"a.hip\",\"pass\":true}\n"
                + "{\"id\":1,\"file_name\":\"../x\",\"pass\":true}\n");
    Collector c = new Collector();
    read(p, c);
    assertThat(c.bad.get(0).reason(), containsString("id must be >= 0"));
    assertThat(c.bad.get(1).reason(), containsString("'..'"));
    assertThat(c.bad.get(1).line(), is(2L));
  }
}
