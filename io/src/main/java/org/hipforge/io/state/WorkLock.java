package org.hipforge.io.state;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.state.LockFile.Observed;
import org.hipforge.io.util.BeforeExit;
import org.hipforge.io.util.DaemonThreads;

/**
 * One writer per (work directory, step): a lock file {@code W/state/<step>/LOCK} that a run holds
 * from before it counts or sends anything until it ends (DESIGN.md, ledger invariant 3).
 *
 * <p>The lock is a plain file in the work directory, so it works on a filesystem shared by the
 * machines of a cluster (NFS and the like), not only on one machine: {@code flock} and local
 * sockets do not reach other hosts. It holds a {@link LockHolder} (pid, host, start time, run id,
 * command, a unique token) and its modification time is the heartbeat, refreshed every {@link
 * #HEARTBEAT_MILLIS} by a daemon thread while the run lives.
 *
 * <ul>
 *   <li><b>Taking a free lock</b> publishes a fully written temporary file under the name {@code
 *       LOCK} with a hard link, which like {@code CREATE_NEW} fails when the name exists (it is the
 *       classic lock primitive that is atomic on NFS), so a reader never sees a half written lock.
 *       Filesystems without hard links fall back to {@code CREATE_NEW}.
 *   <li><b>Stale</b>: on the same host, the holder's pid is not alive (or is alive but started at
 *       another time: the pid was reused). A live pid on this host is never stale, even with an old
 *       heartbeat (a suspended run, {@code Ctrl-Z}, still owns its work). On another host the pid
 *       cannot be asked, so the lock is stale when its heartbeat is older than {@link
 *       #STALE_AFTER_MILLIS}.
 *   <li><b>Taking over</b> a stale lock whose token is {@code T} happens only while holding the
 *       mutex {@code LOCK.takeover-T} (itself taken like a lock, so a taker that died inside is
 *       taken over the same way): the holder of that mutex checks {@code LOCK} still holds {@code
 *       T} and replaces it with an atomic rename. Only the mutex holder of the current token ever
 *       replaces {@code LOCK}, and a newcomer can only create it when absent, so of many contenders
 *       on one stale lock exactly one wins; the rest see its fresh lock.
 *   <li><b>Release</b> on {@link #close} (commands use try-with-resources), and through {@link
 *       #releaseAllHeld} on every other way out ({@link BeforeExit}: a polite stop after it
 *       drained, a second Ctrl-C, JVM shutdown). A lock file is only ever deleted by the holder
 *       whose token it holds.
 * </ul>
 *
 * <p>What it cannot do: a holder on another host that is frozen for longer than {@link
 * #STALE_AFTER_MILLIS} and then resumes would write beside the run that took its lock over (its
 * heartbeat thread notices and says so). Work directories that are not local paths (a Beam
 * filesystem URI such as {@code gs://}) have no atomic create-if-absent through Beam's {@code
 * FileSystems}: there the lock is not enforced and {@link #acquire} says so.
 *
 * <pre>{@code
 * try (WorkLock lock = WorkLock.acquire(layout, Step.DESCRIBE, runId, "describe", wait, out)) {
 *   ... count, send, journal ...
 * }
 * }</pre>
 */
public final class WorkLock implements AutoCloseable {
  /** Heartbeat period: often enough that a dozen beats fit in {@link #STALE_AFTER_MILLIS}. */
  public static final long HEARTBEAT_MILLIS = 5_000;

  /**
   * A lock of another host is stale when its heartbeat is older than this: twelve missed beats,
   * which absorbs a long GC pause, a slow shared filesystem and clock skew between hosts of up to
   * tens of seconds (the heartbeat is the holder's clock, the age the reader's). Longer only delays
   * the takeover after a machine is lost; same-host locks do not wait for it (their pid is asked).
   */
  public static final long STALE_AFTER_MILLIS = 60_000;

  /** How often {@code --wait} looks again: a run that ends is followed within a second. */
  static final long POLL_MILLIS = 1_000;

  /**
   * A takeover whose mutex is held by a taker that died inside it nests one level per such death.
   */
  private static final int MAX_TAKEOVER_DEPTH = 4;

  private static final Set<WorkLock> HELD = ConcurrentHashMap.newKeySet();
  private static ScheduledExecutorService heartbeat;
  private static boolean hookAdded;

  private final Path file;
  private final LockHolder holder;
  private final PrintStream out;

  /** The directories the lock created (deepest first): removed again on release while empty. */
  private final List<Path> createdDirs;

  private volatile boolean released;
  private volatile boolean lost;

  private WorkLock(Path file, LockHolder holder, PrintStream out, List<Path> createdDirs) {
    this.file = file;
    this.holder = holder;
    this.out = out;
    this.createdDirs = List.copyOf(createdDirs);
  }

  /**
   * Takes the lock of {@code step} in the work directory for this run.
   *
   * @param wait when another live run holds it: {@code false} throws {@link HeldException} at once
   *     (naming that run); {@code true} prints one line and polls until the lock is free
   * @param out where the one-line notices go (waiting, a stale lock taken over, not enforced)
   * @throws HeldException another live run holds the lock and {@code wait} is false
   */
  public static WorkLock acquire(
      WorkLayout layout,
      WorkLayout.Step step,
      String runId,
      String command,
      boolean wait,
      PrintStream out)
      throws IOException, HeldException {
    if (!layout.isLocal()) {
      out.println(
          command
              + ": the work directory "
              + layout.root()
              + " is not a local path, so the "
              + "one-run-per-step lock is not enforced there: do not start a second "
              + command
              + " on it");
      return new WorkLock(null, LockHolder.forThisProcess(runId, command), out, List.of());
    }
    return acquire(lockPath(layout, step), runId, command, wait, out);
  }

  /** The lock file of {@code step} in a work directory that is a local path. */
  public static Path lockPath(WorkLayout layout, WorkLayout.Step step) {
    return WorkLayout.localPath(layout.lockFile(step));
  }

  /**
   * {@link #acquire(WorkLayout, WorkLayout.Step, String, String, boolean, PrintStream)} on a lock
   * file.
   */
  public static WorkLock acquire(
      Path file, String runId, String command, boolean wait, PrintStream out)
      throws IOException, HeldException {
    LockHolder me = LockHolder.forThisProcess(runId, command);
    List<Path> missingDirs = new ArrayList<>();
    for (Path d = file.toAbsolutePath().getParent();
        d != null && !Files.isDirectory(d);
        d = d.getParent()) {
      missingDirs.add(d);
    }
    long waitStart = System.nanoTime();
    boolean waiting = false;
    while (true) {
      Attempt a = attempt(file, me, 0);
      if (a.kind() == Attempt.Kind.ACQUIRED || a.kind() == Attempt.Kind.TAKEN_OVER) {
        if (a.kind() == Attempt.Kind.TAKEN_OVER) {
          out.println(
              command
                  + ": took over the stale lock "
                  + file
                  + " of "
                  + a.seen().describe()
                  + ": "
                  + a.staleReason());
        }
        if (waiting) {
          out.printf(
              "%s: the lock is free after %.1f s of waiting, starting%n",
              command, (System.nanoTime() - waitStart) / 1e9);
        }
        return hold(new WorkLock(file, me, out, missingDirs));
      }
      if (a.kind() == Attempt.Kind.HELD && !wait) {
        throw new HeldException(a.seen().holder(), heldMessage(file, a.seen(), command));
      }
      if (a.kind() == Attempt.Kind.HELD && !waiting) {
        waiting = true;
        out.println(
            command
                + ": waiting (--wait) for the run holding "
                + file
                + " to end: "
                + a.seen().describe()
                + "; looking again every "
                + POLL_MILLIS / 1000
                + " s");
      }
      // HELD with --wait: poll. BUSY: another contender is replacing a stale lock right now (a
      // few milliseconds); look again soon and see its fresh lock (or a free one).
      sleep(a.kind() == Attempt.Kind.BUSY ? 20 : POLL_MILLIS);
    }
  }

  /** Releases every lock this JVM holds: for a signal or exit path that ends the JVM itself. */
  public static void releaseAllHeld() {
    for (WorkLock lock : HELD) {
      lock.close();
    }
  }

  /** The lock file, or null when the lock is not enforced (a work directory that is not local). */
  public Path file() {
    return file;
  }

  public LockHolder holder() {
    return holder;
  }

  /** True once another run replaced this lock (this one was taken for stale): two writers now. */
  public boolean lost() {
    return lost;
  }

  /** Deletes the lock file if it is still this run's; idempotent. */
  @Override
  public void close() {
    if (released) {
      return;
    }
    released = true;
    HELD.remove(this);
    if (file == null) {
      return;
    }
    try {
      Observed now = Observed.read(file);
      if (now != null && now.isToken(holder.token())) {
        Files.deleteIfExists(file);
      }
      // A run that wrote nothing leaves the work directory as it found it (status shows a step's
      // table when its directory exists; a usage error creates nothing).
      for (Path d : createdDirs) {
        Files.deleteIfExists(d);
      }
    } catch (java.nio.file.DirectoryNotEmptyException wroteSomething) {
      // the run's state is in it: keep it and its parents
    } catch (IOException e) {
      out.println(
          holder.command()
              + ": could not remove the lock "
              + file
              + ": "
              + e.getMessage()
              + " (the next run on this host takes it over, since this process is gone by then)");
    }
  }

  // ------------------------------------------------------------------------------ one attempt

  /** What one look at the lock found. */
  private record Attempt(Kind kind, Observed seen, String staleReason) {
    enum Kind {
      ACQUIRED,
      TAKEN_OVER,
      HELD,
      BUSY
    }
  }

  /** Takes {@code file} for {@code me} if it is free or stale; never waits. */
  private static Attempt attempt(Path file, LockHolder me, int depth) throws IOException {
    for (int tries = 0; tries < 100; tries++) {
      if (LockFile.publishNew(file, me)) {
        return new Attempt(Attempt.Kind.ACQUIRED, null, null);
      }
      Observed seen = Observed.read(file);
      if (seen == null) {
        continue; // released between our create and our read: try to create again
      }
      String stale = seen.staleReason(System.currentTimeMillis());
      if (stale == null) {
        return new Attempt(Attempt.Kind.HELD, seen, null);
      }
      if (depth >= MAX_TAKEOVER_DEPTH) {
        throw new IOException(
            "could not take over the stale lock "
                + file
                + " ("
                + stale
                + "): "
                + MAX_TAKEOVER_DEPTH
                + " nested takeovers were left half done; remove "
                + file.getParent()
                + "/"
                + file.getFileName()
                + ".takeover-* by hand");
      }
      Path mutex = file.resolveSibling(file.getFileName() + ".takeover-" + seen.token());
      Attempt m = attempt(mutex, me, depth + 1);
      if (m.kind() != Attempt.Kind.ACQUIRED && m.kind() != Attempt.Kind.TAKEN_OVER) {
        return new Attempt(Attempt.Kind.BUSY, seen, stale);
      }
      try {
        Observed again = Observed.read(file);
        if (again != null && again.token().equals(seen.token())) {
          // Only the holder of this token's mutex replaces the file, so it still holds seen.token.
          LockFile.publishReplacing(file, me);
          return new Attempt(Attempt.Kind.TAKEN_OVER, seen, stale);
        }
      } finally {
        Files.deleteIfExists(mutex); // ours: a live mutex holder on this host is never stale
      }
      // The lock changed while we took the mutex (another taker won, or it was released): look
      // again.
    }
    return new Attempt(Attempt.Kind.BUSY, null, null);
  }

  // --------------------------------------------------------------------------- holding a lock

  private static WorkLock hold(WorkLock lock) {
    synchronized (WorkLock.class) {
      if (!hookAdded) {
        hookAdded = true;
        // The one exit list (also run by a JVM shutdown hook): after a polite stop has drained the
        // calls in flight, and on every other way out.
        BeforeExit.register("work directory locks", WorkLock::releaseAllHeld);
      }
      if (heartbeat == null) {
        heartbeat =
            Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("hipforge-lock-heartbeat"));
        heartbeat.scheduleWithFixedDelay(
            WorkLock::beatAll, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
    HELD.add(lock);
    return lock;
  }

  /** One heartbeat for every held lock (package-private so tests need not wait for the timer). */
  static void beatAll() {
    for (WorkLock lock : HELD) {
      lock.beat();
    }
  }

  private void beat() {
    if (released || file == null || lost) {
      return;
    }
    try {
      Observed now = Observed.read(file);
      if (now == null || !now.isToken(holder.token())) {
        lost = true;
        out.println(
            holder.command()
                + ": WARNING: the lock "
                + file
                + " is no longer this run's ("
                + (now == null ? "it was removed" : "now " + now.describe())
                + "): another run may be "
                + "writing the same step; this one goes on, and paid answers stay in its journal");
        return;
      }
      Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException e) {
      // A missed beat is retried in HEARTBEAT_MILLIS; only STALE_AFTER_MILLIS of them matter.
    }
  }

  private static String heldMessage(Path file, Observed seen, String command) {
    long now = System.currentTimeMillis();
    StringBuilder m = new StringBuilder();
    m.append("another run holds the lock of this step of the work directory: ")
        .append(seen.describe())
        .append(", heartbeat ")
        .append(LockHolder.ago(now - seen.modifiedMillis()))
        .append(" ago (lock ")
        .append(file)
        .append("). One ")
        .append(command)
        .append(" at a time writes a work directory: ")
        .append("wait for it to end, or pass --wait to start as soon as it does");
    if (seen.holder() == null || !seen.holder().host().equals(LockHolder.thisHost())) {
      m.append(
              ". A lock of another host counts as stale, and is taken over, once its heartbeat is ")
          .append(STALE_AFTER_MILLIS / 1000)
          .append(" s old");
    }
    return m.toString();
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a lock");
    }
  }

  /** Another live run holds the lock. */
  public static final class HeldException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient LockHolder holder;

    HeldException(LockHolder holder, String message) {
      super(message);
      this.holder = holder;
    }

    /** The holder as its lock file names it; null when the file is unreadable. */
    public LockHolder holder() {
      return holder;
    }
  }
}
