package org.hipforge.io.hip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hipforge.io.util.BeforeExit;

/**
 * Every compiler process and private temp dir of this JVM, so that any exit kills the compilers
 * with all their descendants and removes the {@code hipforge-hip-*} directories.
 *
 * <p>Compilers are started, and temp dirs made, only through here. {@link #killAllAndClean} runs
 * from {@link BeforeExit} (a polite stop, a second Ctrl-C, a normal end, a shutdown hook); after it
 * no new compiler starts, so a pipeline still running while the JVM exits cannot leave a fresh one
 * behind.
 */
final class LiveCompilers {
  private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();
  private static volatile boolean closed;

  /**
   * Temp dir names carry the owning JVM's pid, so the next start can tell a stale dir from a live
   * one.
   */
  private static final String PID_TAG = "p" + ProcessHandle.current().pid() + "-";

  /** {@code hipforge-hip-p<pid>-*} and {@code hipforge-probe-p<pid>-*}. */
  private static final Pattern OWNED = Pattern.compile("hipforge-(?:hip|probe)-p(\\d{1,10})-.*");

  static {
    BeforeExit.register("HIP compilers and their temp dirs", LiveCompilers::killAllAndClean);
    sweepStaleDirs(Paths.get(System.getProperty("java.io.tmpdir")));
  }

  private LiveCompilers() {}

  /** Starts {@code pb} and tracks the process until {@link #done}. */
  static Process start(ProcessBuilder pb) throws IOException {
    refuseWhenClosed();
    Process p = pb.start();
    PROCESSES.add(p);
    if (closed) {
      // killAllAndClean ran while this one started: it may have missed it.
      BoundedProcess.kill(p);
      PROCESSES.remove(p);
      refuseWhenClosed();
    }
    return p;
  }

  /** The process ended (or was killed): stop tracking it. */
  static void done(Process p) {
    PROCESSES.remove(p);
  }

  /**
   * A new private temp dir {@code <prefix>*} under {@code java.io.tmpdir}, tracked until {@link
   * #remove}.
   */
  static Path tempDir(String prefix) throws IOException {
    refuseWhenClosed();
    Path d = Files.createTempDirectory(prefix + PID_TAG);
    DIRS.add(d);
    if (closed) {
      remove(d);
      refuseWhenClosed();
    }
    return d;
  }

  /** Deletes a temp dir made by {@link #tempDir} with everything in it. */
  static void remove(Path dir) {
    deleteTree(dir);
    DIRS.remove(dir);
  }

  /** Kills every tracked compiler with its descendants and deletes every tracked temp dir. */
  static void killAllAndClean() {
    closed = true;
    for (Process p : PROCESSES) {
      BoundedProcess.kill(p);
    }
    PROCESSES.clear();
    for (Path d : DIRS) {
      remove(d);
    }
  }

  /**
   * Deletes the temp dirs in {@code tmp} left by hipforge JVMs that no longer run (a {@code kill
   * -9} skips every cleanup); returns how many. Dirs of live pids, this one included, stay.
   */
  static int sweepStaleDirs(Path tmp) {
    int n = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "hipforge-*")) {
      for (Path d : ds) {
        Matcher m = OWNED.matcher(d.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = Long.parseLong(m.group(1));
        if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isPresent()) {
          continue;
        }
        deleteTree(d);
        n++;
      }
    } catch (IOException | RuntimeException e) {
      // Best effort: a stale dir only takes disk space, and the next start tries again.
    }
    return n;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // Best effort: a leftover temp file is harmless and the OS cleans java.io.tmpdir.
                }
              });
    } catch (IOException | UncheckedIOException ignored) {
      // Same as above.
    }
  }

  /** Compilers tracked now (tests). */
  static int liveProcesses() {
    return PROCESSES.size();
  }

  /** Lets compilers start again after {@link #killAllAndClean} (tests in one JVM only). */
  static void reopenForTests() {
    closed = false;
  }

  private static void refuseWhenClosed() throws IOException {
    if (closed) {
      throw new IOException("not starting a compiler: hipforge is exiting");
    }
  }
}
