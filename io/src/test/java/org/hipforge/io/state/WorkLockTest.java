package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // many tests hold a lock in try-with-resources without reading it
class WorkLockTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    WorkLock.releaseAllHeld();
    for (Process p : children) {
      p.destroyForcibly();
    }
  }

  private Path lockFile() {
    return tmp.resolve("work/state/describe/LOCK");
  }

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  /** A pid that no process has now: a child that has already exited. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor(10, TimeUnit.SECONDS);
    long pid = p.pid();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), is(false));
    return pid;
  }

  private Process liveChild() throws Exception {
    Process p = new ProcessBuilder("sleep", "300").start();
    children.add(p);
    return p;
  }

  private static void writeLock(Path file, LockHolder h, long heartbeatMillis) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, h.toJson() + "\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(heartbeatMillis));
  }

  private static LockHolder holder(String token, long pid, long pidStarted, String host) {
    return new LockHolder(
        token, pid, pidStarted, host, System.currentTimeMillis() - 600_000, "run-old", "describe");
  }

  private static List<String> siblings(Path file) throws Exception {
    try (Stream<Path> s = Files.list(file.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void aFreeLockIsTakenAndItsFileNamesPidHostStartRunAndCommand() throws Exception {
    WorkLayout layout = new WorkLayout(tmp.resolve("work").toString());
    try (WorkLock lock =
        WorkLock.acquire(layout, WorkLayout.Step.DESCRIBE, "run-1", "describe", false, out)) {
      assertThat(lock.file(), is(lockFile()));
      LockHolder h = LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow();
      assertThat(h.pid(), is(ProcessHandle.current().pid()));
      assertThat(h.host(), is(LockHolder.thisHost()));
      assertThat(h.runId(), is("run-1"));
      assertThat(h.command(), is("describe"));
      assertThat(h.token(), is(lock.holder().token()));
      assertThat(Files.readString(lockFile()), containsString("\"started_at\":\""));
      assertThat(siblings(lockFile()), is(List.of("LOCK"))); // no temporary file left beside it
    }
    assertThat(Files.exists(lockFile()), is(false));
    assertThat(printed(), is(""));
  }

  @Test
  void aRunThatWroteNothingLeavesNoStepDirectoryButOneThatWroteKeepsIt() throws Exception {
    Path stepDir = lockFile().getParent();
    WorkLock.acquire(lockFile(), "r", "generate", false, out).close();
    assertThat(Files.exists(tmp.resolve("work")), is(false)); // it created work/state/describe
    Files.createDirectories(stepDir.getParent());
    WorkLock.acquire(lockFile(), "r", "generate", false, out).close();
    assertThat(Files.exists(stepDir), is(false));
    assertThat(Files.exists(stepDir.getParent()), is(true)); // there before: kept
    try (WorkLock lock = WorkLock.acquire(lockFile(), "r", "generate", false, out)) {
      Files.createDirectories(stepDir.resolve("r"));
    }
    assertThat(Files.exists(stepDir.resolve("r")), is(true));
    assertThat(siblings(lockFile()), is(List.of("r")));
  }

  @Test
  void aSecondAcquireRefusesAtOnceNamingTheHolderAndSayingWaitWaits() throws Exception {
    try (WorkLock first = WorkLock.acquire(lockFile(), "run-1", "describe", false, out)) {
      WorkLock.HeldException e =
          assertThrows(
              WorkLock.HeldException.class,
              () -> WorkLock.acquire(lockFile(), "run-2", "describe", false, out));
      assertThat(e.getMessage(), containsString("pid " + ProcessHandle.current().pid()));
      assertThat(e.getMessage(), containsString("on host " + LockHolder.thisHost()));
      assertThat(e.getMessage(), containsString("run run-1"));
      assertThat(e.getMessage(), containsString("heartbeat 0 s ago"));
      assertThat(e.getMessage(), containsString("--wait"));
      assertThat(e.holder().token(), is(first.holder().token()));
      // The refused attempt left the holder's file as it was.
      assertThat(
          LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow().token(),
          is(first.holder().token()));
    }
  }

  @Test
  void closeAndReleaseAllHeldRemoveTheFilesAndCloseTwiceIsHarmless() throws Exception {
    Path other = tmp.resolve("work/state/generate/LOCK");
    WorkLock a = WorkLock.acquire(lockFile(), "r", "describe", false, out);
    WorkLock b = WorkLock.acquire(other, "r", "generate", false, out);
    WorkLock.releaseAllHeld();
    assertThat(Files.exists(lockFile()), is(false));
    assertThat(Files.exists(other), is(false));
    a.close();
    b.close();
    try (WorkLock again = WorkLock.acquire(lockFile(), "r2", "describe", false, out)) {
      assertThat(Files.exists(lockFile()), is(true));
    }
  }

  /** Acquires the lock as run-new and checks that the lock file then holds our token. */
  private void acquireAndCheckTheLockFileNamesUs() throws Exception {
    try (WorkLock lock = WorkLock.acquire(lockFile(), "run-new", "describe", false, out)) {
      assertThat(
          LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow().token(),
          is(lock.holder().token()));
    }
  }

  @Test
  void aLockLeftByADeadProcessOnThisHostIsTakenOverWithOneLine() throws Exception {
    long dead = deadPid();
    writeLock(
        lockFile(),
        holder("deadbeef", dead, -1, LockHolder.thisHost()),
        System.currentTimeMillis());
    acquireAndCheckTheLockFileNamesUs();
    assertThat(printed(), containsString("took over the stale lock"));
    assertThat(printed(), containsString("its process " + dead + " on this host is gone"));
    assertThat(printed().lines().count(), is(1L));
    assertThat(siblings(lockFile()), is(empty())); // no mutex or temporary file left behind
  }

  @Test
  void aLockOfALiveProcessOnThisHostIsNotTakenOverEvenWithAnOldHeartbeat() throws Exception {
    Process live = liveChild();
    long started = live.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    writeLock(
        lockFile(),
        holder("cafe", live.pid(), started, LockHolder.thisHost()),
        System.currentTimeMillis() - 3_600_000); // suspended for an hour: still its lock
    WorkLock.HeldException e =
        assertThrows(
            WorkLock.HeldException.class,
            () -> WorkLock.acquire(lockFile(), "run-new", "describe", false, out));
    assertThat(e.getMessage(), containsString("pid " + live.pid()));
    assertThat(LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow().token(), is("cafe"));
  }

  @Test
  void aLockWhosePidNowBelongsToAnotherProcessIsTakenOver() throws Exception {
    Process live = liveChild();
    long started = live.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
    writeLock(
        lockFile(),
        holder("cafe", live.pid(), started - 3_600_000, LockHolder.thisHost()),
        System.currentTimeMillis());
    try (WorkLock lock = WorkLock.acquire(lockFile(), "run-new", "describe", false, out)) {
      assertThat(printed(), containsString("is now another process"));
    }
  }

  @Test
  void aLockFromAnotherHostWithAnOldHeartbeatIsTakenOver() throws Exception {
    writeLock(
        lockFile(),
        holder("beef", 1, -1, "some-other-host"),
        System.currentTimeMillis() - WorkLock.STALE_AFTER_MILLIS - 10_000);
    try (WorkLock lock = WorkLock.acquire(lockFile(), "run-new", "describe", false, out)) {
      assertThat(printed(), containsString("took over the stale lock"));
      assertThat(printed(), containsString("host some-other-host is not this one"));
    }
  }

  @Test
  void aLockFromAnotherHostWithARecentHeartbeatIsHeldAndTheMessageSaysWhenItTurnsStale()
      throws Exception {
    writeLock(
        lockFile(), holder("beef", 1, -1, "some-other-host"), System.currentTimeMillis() - 20_000);
    WorkLock.HeldException e =
        assertThrows(
            WorkLock.HeldException.class,
            () -> WorkLock.acquire(lockFile(), "run-new", "describe", false, out));
    assertThat(e.getMessage(), containsString("on host some-other-host"));
    assertThat(e.getMessage(), containsString("heartbeat 20 s ago"));
    assertThat(e.getMessage(), containsString("once its heartbeat is 60 s old"));
  }

  @Test
  void anUnreadableLockIsHeldUntilItsHeartbeatIsOldThenTakenOver() throws Exception {
    Files.createDirectories(lockFile().getParent());
    Files.writeString(lockFile(), "{\"pid\": 12"); // cut short
    WorkLock.HeldException e =
        assertThrows(
            WorkLock.HeldException.class,
            () -> WorkLock.acquire(lockFile(), "r", "describe", false, out));
    assertThat(e.getMessage(), containsString("an unreadable lock (10 bytes"));
    assertThat(e.holder(), is(nullValue()));
    Files.setLastModifiedTime(
        lockFile(),
        FileTime.fromMillis(System.currentTimeMillis() - WorkLock.STALE_AFTER_MILLIS - 1_000));
    try (WorkLock lock = WorkLock.acquire(lockFile(), "r", "describe", false, out)) {
      assertThat(printed(), containsString("took over the stale lock"));
    }
  }

  @Test
  void theHeartbeatRefreshesTheFileTime() throws Exception {
    try (WorkLock lock = WorkLock.acquire(lockFile(), "r", "describe", false, out)) {
      long old = System.currentTimeMillis() - 50_000;
      Files.setLastModifiedTime(lockFile(), FileTime.fromMillis(old));
      WorkLock.beatAll();
      assertThat(Files.getLastModifiedTime(lockFile()).toMillis(), greaterThan(old + 40_000));
      assertThat(lock.lost(), is(false));
    }
  }

  @Test
  void aHolderWhoseLockWasReplacedSaysSoAndDoesNotDeleteTheNewHoldersFile() throws Exception {
    WorkLock mine = WorkLock.acquire(lockFile(), "r", "describe", false, out);
    String theirs = holder("0123abcd", 1, -1, "some-other-host").toJson();
    Files.writeString(lockFile(), theirs + "\n"); // as if another host had judged this one stale
    WorkLock.beatAll();
    assertThat(mine.lost(), is(true));
    assertThat(
        printed(), containsString("WARNING: the lock " + lockFile() + " is no longer this run's"));
    mine.close();
    assertThat(Files.readString(lockFile()), is(theirs + "\n"));
  }

  @Test
  void aTakeoverLeftHalfDoneByADeadTakerIsFinishedByTheNextRun() throws Exception {
    long dead = deadPid();
    writeLock(
        lockFile(), holder("aaaa", dead, -1, LockHolder.thisHost()), System.currentTimeMillis());
    // A taker that died holding the takeover mutex of lock "aaaa".
    writeLock(
        lockFile().resolveSibling("LOCK.takeover-aaaa"),
        holder("bbbb", dead, -1, LockHolder.thisHost()),
        System.currentTimeMillis());
    acquireAndCheckTheLockFileNamesUs();
    assertThat(siblings(lockFile()), is(empty()));
  }

  @Test
  void withWaitASecondAcquirePrintsOneLineAndGetsTheLockWhenTheFirstEnds() throws Exception {
    WorkLock first = WorkLock.acquire(lockFile(), "run-1", "describe", false, out);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<WorkLock> second =
          pool.submit(() -> WorkLock.acquire(lockFile(), "run-2", "describe", true, out));
      while (!printed().contains("waiting (--wait)")) {
        Thread.sleep(10);
      }
      assertThat(second.isDone(), is(false));
      first.close();
      try (WorkLock lock = second.get(30, TimeUnit.SECONDS)) {
        assertThat(
            LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow().runId(), is("run-2"));
      }
      assertThat(printed().lines().filter(l -> l.contains("waiting (--wait)")).count(), is(1L));
      assertThat(printed(), containsString("the lock is free after"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWorkDirThatIsNotALocalPathIsNotLockedAndSaysSo() throws Exception {
    try (WorkLock lock =
        WorkLock.acquire(
            new WorkLayout("gs://bucket/work"),
            WorkLayout.Step.GENERATE,
            "r",
            "generate",
            false,
            out)) {
      assertThat(lock.file(), is(nullValue()));
    }
    assertThat(printed(), containsString("gs://bucket/work is not a local path"));
    assertThat(printed(), containsString("not enforced"));
  }

  @Test
  void manyThreadsOnOneStaleLockExactlyOneWinsEveryRound() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 40; round++) {
        long dead = deadPid();
        writeLock(
            lockFile(),
            holder("stale" + round, dead, -1, LockHolder.thisHost()),
            System.currentTimeMillis());
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<WorkLock>> tries = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          tries.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      return WorkLock.acquire(lockFile(), "r", "describe", false, out);
                    } catch (WorkLock.HeldException held) {
                      return null;
                    }
                  }));
        }
        List<WorkLock> winners = new ArrayList<>();
        for (Future<WorkLock> f : tries) {
          WorkLock w = f.get(60, TimeUnit.SECONDS);
          if (w != null) {
            winners.add(w);
          }
        }
        assertThat("round " + round, winners.size(), is(1));
        assertThat(
            LockHolder.parse(Files.readAllBytes(lockFile())).orElseThrow().token(),
            is(winners.get(0).holder().token()));
        winners.get(0).close();
        assertThat(siblings(lockFile()), is(empty()));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void manyProcessesOnOneStaleLockExactlyOneWins() throws Exception {
    int processes = 4;
    for (int round = 0; round < 3; round++) {
      writeLock(
          lockFile(),
          holder("stale" + round, deadPid(), -1, LockHolder.thisHost()),
          System.currentTimeMillis());
      Path go = tmp.resolve("go-" + round);
      List<Process> contenders = new ArrayList<>();
      for (int i = 0; i < processes; i++) {
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    LockContender.class.getName(),
                    lockFile().toString(),
                    go.toString())
                .redirectErrorStream(true)
                .start();
        children.add(p);
        contenders.add(p);
      }
      List<BufferedReader> readers = new ArrayList<>();
      for (Process p : contenders) {
        BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(r.readLine(), is("ready"));
        readers.add(r);
      }
      Files.createFile(go); // they all spin on this file, then try at once
      List<String> results = new ArrayList<>();
      for (BufferedReader r : readers) {
        results.add(r.readLine());
      }
      assertThat(
          "round " + round + ": " + results,
          results.stream().filter(s -> s.startsWith("won")).count(),
          is(1L));
      assertThat(
          "round " + round + ": " + results,
          results.stream().filter(s -> s.startsWith("held")).count(),
          is((long) processes - 1));
      for (Process p : contenders) {
        p.getOutputStream().close(); // the winner releases and every contender exits
        assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
        assertThat(p.exitValue(), is(0));
      }
      assertThat(Files.exists(lockFile()), is(false));
      assertThat(siblings(lockFile()), is(empty()));
    }
  }

  @Test
  void holderJsonRoundTripsAndForeignContentIsNotAHolder() {
    LockHolder h = LockHolder.forThisProcess("run-9", "generate");
    assertThat(LockHolder.parse(h.toJson().getBytes(StandardCharsets.UTF_8)).orElseThrow(), is(h));
    assertThat(
        LockHolder.parse(
                "{\"token\":\"../x\",\"pid\":1,\"host\":\"h\",\"started_at\":\"2026-01-01T00:00:00.000Z\"}"
                    .getBytes(StandardCharsets.UTF_8))
            .isPresent(),
        is(false));
    assertThat(LockHolder.parse("[]".getBytes(StandardCharsets.UTF_8)).isPresent(), is(false));
    assertThat(LockHolder.parse(new byte[0]).isPresent(), is(false));
    assertThat(h.token(), not(is(LockHolder.forThisProcess("run-9", "generate").token())));
  }
}
