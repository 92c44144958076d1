package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal that cannot be written stops the calls: before the first request (exit 2, nothing sent)
 * or in the middle of a run on a real full filesystem (exit 1, the answers in flight still
 * journaled, the rerun pays for nothing twice).
 */
class JournalFailureTest {
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private int describe(TestCorpus.Captured out, TestCorpus.Captured err, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("--quiet=true"));
    args.addAll(List.of(extra));
    return Main.run(sim.args("describe", args.toArray(new String[0])), out.out, err.out);
  }

  @Test
  void aJournalDirectoryBlockedByAFileStopsDescribeBeforeAnyRequest() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 5, SimulatorConfig.defaults());
    Path work = sim.work;
    Files.createDirectories(work.resolve("state/describe"));
    Files.writeString(
        work.resolve("state/describe/journal"), "a file where the journals' directory belongs");

    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    int code = describe(out, err, "--runner=DirectRunner");
    assertThat(err.text(), code, is(2));
    assertThat(
        err.text(),
        containsString(
            "cannot write the journal, so no request was sent: "
                + work.resolve("state/describe/journal/")));
    assertThat(err.text(), containsString("Not a directory"));
    assertThat(sim.server.totalRequests(), is(0L));
  }

  private static boolean mountTmpfs(Path dir, String size) throws Exception {
    Files.createDirectories(dir);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
            .redirectErrorStream(true)
            .start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static void umount(Path dir) throws Exception {
    new ProcessBuilder("umount", "-l", dir.toString())
        .redirectErrorStream(true)
        .start()
        .waitFor(30, TimeUnit.SECONDS);
  }

  /** Fills {@code file} until {@code leaveFree} bytes are left on its filesystem. */
  private static void fillUntil(Path file, long leaveFree) throws IOException {
    long usable = Files.getFileStore(file.getParent()).getUsableSpace();
    long size = Math.max(0, usable - leaveFree);
    try (FileChannel c =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      for (long left = size; left > 0; ) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), left));
        left -= c.write(chunk);
      }
    }
  }

  @Test
  void aDiskThatFillsMidRunStopsTheCallsJournalsTheAnswersInFlightAndTheRerunPaysNothingTwice()
      throws Exception {
    Path disk = tmp.resolve("disk");
    assumeTrue(mountTmpfs(disk, "2m"), "mounting a tmpfs needs root (mount -t tmpfs)");
    try {
      int tasks = 60;
      sim =
          TestCorpus.SimulatedWork.start(
              tmp,
              disk.resolve("work"),
              tasks,
              SimulatorConfig.defaults().withLatencyMs(200),
              TestCorpus.TIMEOUT_S);
      Path work = sim.work;
      // Room for the journal reserve of one worker (8 in flight) and ~20 answers (~1 KB each).
      Path ballast = disk.resolve("ballast");
      fillUntil(ballast, 8 * (5 * 1024 + 1024) + 20 * 1024);

      TestCorpus.Captured out = new TestCorpus.Captured();
      TestCorpus.Captured err = new TestCorpus.Captured();
      int code = describe(out, err, "--maxInFlight=8", "--parallelism=1");
      String said = out.text() + err.text();
      assertThat(said, code, is(1));
      String journalDir = new WorkLayout(work.toString()).journalDir(WorkLayout.Step.DESCRIBE, "");
      assertThat(said, containsString("STOPPED: journal write failed at " + journalDir));
      assertThat(said, containsString("(free on its filesystem: "));
      assertThat(said, containsString("No space left on device"));
      assertThat(said, containsString("; 0 answers were paid for but could not be journaled"));

      long paid = sim.paid();
      long journaled = TestCorpus.journaled(work, WorkLayout.Step.DESCRIBE).size();
      System.out.printf(
          "full disk: %d tasks, %d answers paid, %d journaled when it filled%n",
          tasks, paid, journaled);
      assertThat("every paid answer is in the journal", journaled, is(paid));
      assertThat(journaled, greaterThan(0L));
      assertThat("the disk filled mid-run", journaled, lessThan((long) tasks));

      Files.delete(ballast);
      TestCorpus.Captured rerun = new TestCorpus.Captured();
      assertThat(rerun.text(), describe(rerun, rerun, "--runner=DirectRunner"), is(0));
      Map<String, Long> successes = sim.server.successCountsByPrompt();
      assertThat(successes.size(), is(tasks));
      long repeats = successes.values().stream().filter(n -> n != 1L).count();
      System.out.printf("full disk: rerun asked %d journaled tasks again%n", repeats);
      assertThat("no answer paid twice", repeats, is(0L));
    } finally {
      umount(disk);
    }
  }
}
