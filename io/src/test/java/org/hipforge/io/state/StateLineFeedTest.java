package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLineFeedTest {
  @TempDir Path work;

  /** What the feed handed over, one string per line: "how id file@offset". */
  private static final class Seen implements StateLineFeed.Lines {
    final List<String> lines = new ArrayList<>();

    @Override
    public void fields(FlatLineScanner.StateFields f, int file, long offset) {
      lines.add("scanner " + f.id + " " + file + "@" + offset);
    }

    @Override
    public void record(StateRecord r, int file, long offset) {
      lines.add("jackson " + r.id() + " " + file + "@" + offset);
    }

    List<String> take() {
      List<String> out = List.copyOf(lines);
      lines.clear();
      return out;
    }
  }

  /** What the feed of the running test handed over. */
  private final Seen seen = new Seen();

  private static StateRecord record(long id) {
    return StateRecord.builder()
        .id(id)
        .fileName("k" + id + ".hip")
        .pass(true)
        .finishedAtMillis(1_700_000_000_000L + id)
        .runId("run")
        .attempts(1)
        .build();
  }

  private static String line(long id) {
    return StateRecordJson.toJson(record(id)) + "\n";
  }

  private Path file(String name) throws Exception {
    Path p = work.resolve(name);
    Files.createDirectories(p.getParent());
    return p;
  }

  private static void append(Path file, String text) throws Exception {
    append(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void append(Path file, byte[] bytes) throws Exception {
    Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private StateLineFeed feed(StateLineFeed.LastLine lastLine) {
    return new StateLineFeed(List.of(work + "/a/*.jsonl", work + "/b/*.jsonl"), lastLine);
  }

  @Test
  void everyLineComesWithItsFileNumberAndByteOffsetAsScannerFieldsOrAJacksonRecord()
      throws Exception {
    Path a = file("a/1.jsonl");
    String nested =
        line(2).replaceFirst("}\n$", ", \"extra\": {\"a\": [1, 2]}}\n"); // the scanner leaves it
    append(a, line(1) + "\n" + nested);
    append(file("b/1.jsonl"), line(3));
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    assertThat(feed.refresh(seen), is(3L)); // the blank line is not a line
    long second = line(1).length() + 1;
    assertThat(seen.take(), contains("scanner 1 0@0", "jackson 2 0@" + second, "scanner 3 1@0"));
    assertThat(feed.files(), is(2));
    assertThat(feed.file(1).toString(), endsWith("b/1.jsonl"));
    assertThat(feed.malformedLines(), is(0L));
  }

  @Test
  void aRefreshReadsOnlyNewFilesAndAppendedLines() throws Exception {
    Path a = file("a/1.jsonl");
    append(a, line(1));
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    feed.refresh(seen);
    seen.take();
    assertThat(feed.refresh(seen), is(0L)); // nothing new
    assertThat(seen.take(), is(empty()));

    append(a, line(2));
    append(file("b/9.jsonl"), line(3));
    assertThat(feed.refresh(seen), is(2L));
    assertThat(seen.take(), contains("scanner 2 0@" + line(1).length(), "scanner 3 1@0"));
    assertThat(feed.lines(), is(3L));
  }

  /**
   * Writes line 1 and the first {@code cut} characters of line 2 to {@code a}, reads it once with a
   * new feed in {@code mode} (expecting {@code lines} lines, line 1 handed over) and returns the
   * feed.
   */
  private StateLineFeed firstReadOfHalfWritten(
      Path a, int cut, StateLineFeed.LastLine mode, long lines) throws Exception {
    append(a, line(1) + line(2).substring(0, cut));
    StateLineFeed feed = feed(mode);
    assertThat(feed.refresh(seen), is(lines));
    assertThat(seen.take(), contains("scanner 1 0@0"));
    return feed;
  }

  @Test
  void readATornLastLineIsCountedAndReadAgainOnceItIsWhole() throws Exception {
    Path a = file("a/1.jsonl");
    StateLineFeed feed = firstReadOfHalfWritten(a, 20, StateLineFeed.LastLine.READ, 2L);
    assertThat(feed.tornLines(), is(1L));
    assertThat(feed.malformedLines(), is(0L));
    assertThat(feed.refresh(seen), is(0L)); // not grown: not read again

    append(a, line(2).substring(20));
    assertThat(feed.refresh(seen), is(1L));
    assertThat(seen.take(), contains("scanner 2 0@" + line(1).length()));
    assertThat(feed.lines(), is(2L)); // the torn line's count was taken back
    assertThat(feed.tornLines(), is(0L));
  }

  @Test
  void readALastLineWithoutNewlineThatParsesIsHandedOverAndAgainOnceTheFileGrows()
      throws Exception {
    Path a = file("a/1.jsonl");
    append(a, line(1).trim());
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    feed.refresh(seen);
    assertThat(seen.take(), contains("scanner 1 0@0"));
    append(a, "\n" + line(2));
    feed.refresh(seen);
    assertThat(seen.take(), contains("scanner 1 0@0", "scanner 2 0@" + line(1).length()));
    assertThat(feed.lines(), is(2L));
  }

  @Test
  void waitLeavesAHalfWrittenLastLineUntilItsNewlineIsThere() throws Exception {
    Path a = file("a/1.jsonl");
    String two = line(2);
    StateLineFeed feed = firstReadOfHalfWritten(a, 40, StateLineFeed.LastLine.WAIT, 1L);
    assertThat(feed.tornLines(), is(0L)); // not torn yet: it may still be being written
    assertThat(feed.refresh(seen), is(0L));

    append(a, two.substring(40, 60));
    assertThat(feed.refresh(seen), is(0L)); // grown, still no newline
    append(a, two.substring(60));
    assertThat(feed.refresh(seen), is(1L));
    assertThat(seen.take(), contains("scanner 2 0@" + line(1).length()));
    assertThat(feed.lines(), is(2L));
  }

  @Test
  void malformedLinesAreCountedAndNamedByFileAndLineAndTheReadGoesOn() throws Exception {
    Path a = file("a/1.jsonl");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(line(1).getBytes(StandardCharsets.UTF_8));
    bytes.write("not json at all\n".getBytes(StandardCharsets.UTF_8));
    bytes.write("   \n".getBytes(StandardCharsets.UTF_8)); // blank: skipped, not counted
    bytes.write(
        new byte[] {'{', '"', 'i', 'd', '"', ':', '1', ',', (byte) 0xC3, '}', '\n'}); // not UTF-8
    for (int i = 0; i < 4; i++) {
      bytes.write("{\"id\": 7, \"pass\": true}\n".getBytes(StandardCharsets.UTF_8)); // no file_name
    }
    bytes.write(line(2).getBytes(StandardCharsets.UTF_8));
    append(a, bytes.toByteArray());
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    feed.refresh(seen);
    assertThat(seen.take(), hasSize(2));
    assertThat(feed.malformedLines(), is(6L));
    List<String> named = feed.malformedExamples();
    assertThat(named, hasSize(StateLineFeed.EXAMPLES));
    assertThat(named.get(0), startsWith(a + ":2: "));
    assertThat(named.get(1), startsWith(a + ":4: not valid UTF-8"));
    feed.refresh(seen); // nothing new: nothing counted twice
    assertThat(feed.malformedLines(), is(6L));
  }

  @Test
  void thePendingPartsOfDifferentFilesCanBeReadOnTwoThreads() throws Exception {
    Path a = file("a/1.jsonl");
    Path b = file("b/1.jsonl");
    for (int i = 0; i < 1000; i++) {
      append(i % 2 == 0 ? a : b, line(i));
    }
    append(b, "torn {");
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    List<StateLineFeed.Part> parts = feed.pending();
    assertThat(parts, hasSize(2));
    Seen first = new Seen();
    Seen second = new Seen();
    StateLineFeed.Tally firstCounts = new StateLineFeed.Tally();
    StateLineFeed.Tally secondCounts = new StateLineFeed.Tally();
    CompletableFuture<Void> other =
        CompletableFuture.runAsync(
            () -> {
              try {
                feed.read(parts.subList(1, 2), second, secondCounts);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    feed.read(parts.subList(0, 1), first, firstCounts);
    other.join();
    feed.count(firstCounts);
    feed.count(secondCounts);
    assertThat(first.lines.size() + second.lines.size(), is(1000));
    assertThat(feed.lines(), is(1001L));
    assertThat(feed.tornLines(), is(1L));

    append(b, "\n" + line(1000)); // the torn line is whole now (and malformed), a new line after it
    Seen again = new Seen();
    assertThat(feed.refresh(again), is(2L));
    assertThat(again.take(), contains(startsWith("scanner 1000 ")));
    assertThat(feed.lines(), is(1002L));
    assertThat(feed.tornLines(), is(0L));
    assertThat(feed.malformedLines(), is(1L));
  }

  @Test
  void lineAtReadsTheWholeLineAtAnOffsetTheFeedGaveInAnyOrderAndPastItsBuffer() throws Exception {
    Path a = file("a/1.jsonl");
    String longLine =
        StateRecordJson.toJson(record(2).toBuilder().instruction("x".repeat(5000)).build());
    append(
        a,
        line(1) + longLine + "\r\n" + line(3).trim()); // a CRLF line, a last line without newline
    StateLineFeed feed = feed(StateLineFeed.LastLine.READ);
    List<Long> offsets = new ArrayList<>();
    feed.refresh(
        new StateLineFeed.Lines() {
          @Override
          public void fields(FlatLineScanner.StateFields f, int file, long offset) {
            offsets.add(offset);
          }

          @Override
          public void record(StateRecord r, int file, long offset) {
            offsets.add(offset);
          }
        });
    assertThat(offsets, hasSize(3));
    StateLineFeed.LineAt lines = new StateLineFeed.LineAt(64); // smaller than a line: it grows
    try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(a)) {
      assertThat(lines.read(ch, offsets.get(2)), is(line(3).trim()));
      assertThat(lines.read(ch, offsets.get(0)), is(line(1).trim()));
      assertThat(lines.read(ch, offsets.get(1)), is(longLine));
      assertThat(lines.read(ch, Files.size(a)), is(""));
    }
  }
}
