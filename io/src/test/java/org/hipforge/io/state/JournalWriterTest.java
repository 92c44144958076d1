package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalWriterTest {

  @TempDir Path tmp;

  private Path reserveDir;

  @org.junit.jupiter.api.BeforeEach
  void reserveDir() {
    reserveDir = tmp.resolve("tmp/journal-reserve/describe");
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().collect(Collectors.toList());
    }
  }

  private static String record(long id, String instruction) {
    return AnswerLines.answer(id, instruction, 0, 0, true);
  }

  @Test
  void appendCreatesTheMissingDirectoryAndExactlyOneFile() throws Exception {
    Path dir = tmp.resolve("state/describe/journal/run-1");
    try (JournalWriter w = JournalWriter.open(dir.toString())) {
      assertThat(Files.exists(dir), is(false)); // nothing is created before the first append
      w.append(record(0, "a"));
      w.append(record(1, "b"));
      assertThat(w.linesWritten(), is(2L));
    }
    List<Path> files = files(dir);
    assertThat(files.size(), is(1));
    assertThat(files.get(0).getFileName().toString(), endsWith(".jsonl"));
    assertThat(Files.readAllLines(files.get(0)), contains(record(0, "a"), record(1, "b")));
  }

  @Test
  void eachLineIsOnDiskAsSoonAsAppendReturns() throws Exception {
    Path dir = tmp.resolve("journal");
    try (JournalWriter w = JournalWriter.open(dir.toString())) {
      for (int i = 0; i < 5; i++) {
        String line = record(i, "answer " + i + " ünï");
        w.append(line);
        // A fresh reader, while the writer is still open: the line must already be there, whole.
        Path f = files(dir).get(0);
        byte[] bytes = Files.readAllBytes(f);
        assertThat(bytes[bytes.length - 1], is((byte) '\n'));
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        assertThat(lines.size(), is(i + 1));
        assertThat(lines.get(i), is(line));
        assertThat(StateRecordJson.parse(lines.get(i)).id(), is((long) i));
      }
    }
  }

  @Test
  void lineWithANewlineIsRefusedAndNothingIsWritten() throws Exception {
    Path dir = tmp.resolve("journal");
    try (JournalWriter w = JournalWriter.open(dir.toString())) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> w.append("{\"id\":1}\n{\"id\":2}"));
      assertThat(e.getMessage(), is("a journal line must not contain a newline"));
      assertThrows(IllegalArgumentException.class, () -> w.append("trailing\n"));
      assertThat(w.linesWritten(), is(0L));
      w.append(record(3, "fine"));
    }
    assertThat(Files.readAllLines(files(dir).get(0)), contains(record(3, "fine")));
  }

  @Test
  void manyThreadsAppendingConcurrentlyGiveIntactLines() throws Exception {
    int threads = 8;
    int perThread = 500;
    Path dir = tmp.resolve("journal/run-c");
    // Lines of different lengths, some long, so interleaved writes would show as broken JSON.
    try (JournalWriter w = JournalWriter.open(dir.toString())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    long id = (long) thread * perThread + i;
                    w.append(record(id, "x".repeat((int) (id % 97) * 40) + " thread " + thread));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertThat(w.linesWritten(), is((long) threads * perThread));
    }
    List<Path> files = files(dir);
    assertThat(files.size(), is(1));
    List<String> lines = Files.readAllLines(files.get(0), StandardCharsets.UTF_8);
    assertThat(lines.size(), is(threads * perThread));
    Set<Long> ids = new HashSet<>();
    for (String line : lines) {
      StateRecord r = StateRecordJson.parse(line); // throws on any torn or interleaved line
      assertThat(r.instruction(), endsWith(" thread " + (r.id() / perThread)));
      ids.add(r.id());
    }
    assertThat(ids.size(), is(threads * perThread));
  }

  @Test
  void twoWritersInOneDirectoryUseTwoFiles() throws Exception {
    Path dir = tmp.resolve("journal");
    try (JournalWriter a = JournalWriter.open(dir.toString());
        JournalWriter b = JournalWriter.open(dir.toString())) {
      a.append(record(1, "a"));
      b.append(record(2, "b"));
    }
    List<Path> files = files(dir);
    assertThat(files.size(), is(2));
    assertThat(files.get(0), is(not(files.get(1))));
  }

  @Test
  void appendAfterCloseContinuesTheSameFile() throws Exception {
    Path dir = tmp.resolve("journal");
    JournalWriter w = JournalWriter.open(dir.toString());
    w.append(record(1, "before"));
    w.close();
    w.append(record(2, "after"));
    w.close();
    w.close(); // closing twice is harmless
    List<Path> files = files(dir);
    assertThat(files.size(), is(1));
    assertThat(Files.readAllLines(files.get(0)), contains(record(1, "before"), record(2, "after")));
  }

  @Test
  void fileUriIsALocalJournal() throws Exception {
    Path dir = tmp.resolve("uri journal");
    try (JournalWriter w = JournalWriter.open(dir.toUri().toString().replaceAll("/$", ""))) {
      w.append(record(7, "via file://"));
      assertThat(Files.readAllLines(files(dir).get(0)), contains(record(7, "via file://")));
    }
    assertThat(WorkLayout.isLocal("/tmp/x"), is(true));
    assertThat(WorkLayout.isLocal("file:///tmp/x"), is(true));
    assertThat(WorkLayout.isLocal("gs://bucket/x"), is(false));
  }

  @Test
  void closeWithoutAppendCreatesNothing() throws Exception {
    Path dir = tmp.resolve("journal");
    JournalWriter.open(dir.toString()).close();
    assertThat(Files.exists(dir), is(false));
    assertThat(files(tmp), is(empty()));
  }

  // ------------------------------------------------------------------ when the disk fills

  /**
   * A journal file channel that runs out of space: from write number {@code failFrom} on, the next
   * {@code failures} writes each put half of what they are given on disk, then fail like ENOSPC.
   */
  static final class FillingChannel implements java.nio.channels.SeekableByteChannel {
    final java.nio.channels.FileChannel file;
    final int failFrom;
    int failures;
    int writes;

    FillingChannel(Path path, int failFrom, int failures) throws IOException {
      this.file =
          java.nio.channels.FileChannel.open(
              path,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE,
              java.nio.file.StandardOpenOption.APPEND);
      this.failFrom = failFrom;
      this.failures = failures;
    }

    @Override
    public int write(java.nio.ByteBuffer src) throws IOException {
      if (++writes >= failFrom && failures > 0) {
        failures--;
        java.nio.ByteBuffer half = src.duplicate();
        half.limit(src.position() + src.remaining() / 2);
        int n = file.write(half);
        src.position(src.position() + n);
        throw new IOException("No space left on device");
      }
      return file.write(src);
    }

    @Override
    public int read(java.nio.ByteBuffer dst) {
      throw new UnsupportedOperationException("a journal channel is only appended to");
    }

    @Override
    public long position() throws IOException {
      return file.position();
    }

    @Override
    public java.nio.channels.SeekableByteChannel position(long p) {
      throw new UnsupportedOperationException("a journal channel is only appended to");
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public java.nio.channels.SeekableByteChannel truncate(long size) throws IOException {
      file.truncate(size);
      return this;
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  private static List<Path> reserves(Path dir) throws IOException {
    return files(dir).stream()
        .filter(p -> p.toString().endsWith(".reserve"))
        .collect(Collectors.toList());
  }

  private static List<Path> journals(Path dir) throws IOException {
    return files(dir).stream()
        .filter(p -> p.toString().endsWith(".jsonl"))
        .collect(Collectors.toList());
  }

  /**
   * Opens a journal in {@code dir} with a reserve of {@code reserveBytes} whose files are {@link
   * FillingChannel}s failing {@code failures} times from the second write; each goes into {@code
   * opened}.
   */
  private JournalWriter openFilling(
      Path dir, long reserveBytes, int failures, List<FillingChannel> opened) throws IOException {
    return JournalWriter.open(
        dir.toString(),
        reserveDir.toString(),
        reserveBytes,
        path -> {
          FillingChannel c = new FillingChannel(path, 2, failures);
          opened.add(c);
          return c;
        });
  }

  @Test
  void aWriteThatFindsTheDiskFullReleasesTheReserveAndTheLineStillLandsWhole() throws Exception {
    Path dir = tmp.resolve("journal");
    List<FillingChannel> opened = new ArrayList<>();
    try (JournalWriter w = openFilling(dir, 64 * 1024, 1, opened)) {
      assertThat(reserves(reserveDir).size(), is(1));
      assertThat(Files.size(reserves(reserveDir).get(0)), is(64L * 1024));
      w.append(record(1, "first"));
      assertThat(w.failure(), is(org.hamcrest.Matchers.nullValue()));
      w.append(record(2, "second, written after the reserve was released"));
      assertThat(
          "the caller is told the journal is failing",
          w.failure().getMessage(),
          is("No space left on device"));
      assertThat(reserves(reserveDir), is(empty()));
      assertThat(w.linesWritten(), is(2L));
    }
    assertThat(
        Files.readAllLines(journals(dir).get(0)),
        contains(record(1, "first"), record(2, "second, written after the reserve was released")));
  }

  @Test
  void aLineThatCannotBeWrittenIsCutBackOffTheFileAndThrown() throws Exception {
    Path dir = tmp.resolve("journal");
    List<FillingChannel> opened = new ArrayList<>();
    try (JournalWriter w = openFilling(dir, 0, Integer.MAX_VALUE, opened)) {
      w.append(record(1, "first"));
      IOException e = assertThrows(IOException.class, () -> w.append(record(2, "lost")));
      assertThat(e.getMessage(), is("No space left on device"));
      assertThat(w.failure(), is(e));
      opened.get(0).failures = 0; // space came back
      w.append(record(3, "third"));
    }
    assertThat(
        "no fragment of the lost line joins the next one",
        Files.readAllLines(journals(dir).get(0)),
        contains(record(1, "first"), record(3, "third")));
  }

  @Test
  void closeGivesTheReserveBackAndAKilledRunsReserveIsRemovedByTheNext() throws Exception {
    Path dir = tmp.resolve("state/describe/journal/run-1");
    JournalWriter w = JournalWriter.open(dir.toString(), reserveDir.toString(), 10_000);
    JournalWriter killed = JournalWriter.open(dir.toString(), reserveDir.toString(), 10_000);
    assertThat(reserves(reserveDir).size(), is(2));
    w.append(record(1, "a"));
    w.close();
    assertThat(reserves(reserveDir).size(), is(1));
    assertThat(files(dir).size(), is(1));
    JournalWriter.removeStaleReserves(reserveDir.toString());
    assertThat(reserves(reserveDir), is(empty()));
    killed.close(); // closing after the sweep is harmless
  }

  @Test
  void probeLeavesNothingBehindInAWritableDirectory() throws Exception {
    Path dir = tmp.resolve("state/describe/journal/run-1");
    JournalWriter.probe(dir.toString());
    assertThat(Files.isDirectory(dir), is(true));
    assertThat(files(dir), is(empty()));
  }

  @Test
  void probeNamesThePathWhenAFileBlocksTheJournalDirectory() throws Exception {
    Files.createDirectories(tmp.resolve("state/describe"));
    Files.writeString(tmp.resolve("state/describe/journal"), "not a directory");
    String dir = tmp.resolve("state/describe/journal/run-1").toString();
    IOException e = assertThrows(IOException.class, () -> JournalWriter.probe(dir));
    assertThat(
        e.getMessage(), org.hamcrest.Matchers.startsWith(dir + " (free on its filesystem: "));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("Not a directory"));
    String blocked = tmp.resolve("state/describe/journal/reserve").toString();
    IOException r = assertThrows(IOException.class, () -> JournalWriter.open(dir, blocked, 1000));
    assertThat(r.getMessage(), org.hamcrest.Matchers.containsString(blocked));
  }
}
