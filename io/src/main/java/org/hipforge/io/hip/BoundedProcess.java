package org.hipforge.io.hip;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one subprocess from an argument list with a deadline and a cap on the captured output.
 *
 * <p>Never goes through a shell, so nothing in a file name or flag is interpreted. stdout and
 * stderr are merged (clang prints diagnostics on stderr, hipcc some on stdout) and read on a
 * separate thread so a chatty compiler can never block on a full pipe; bytes past the cap are read
 * and dropped.
 */
final class BoundedProcess implements PassRun {

  /** What a finished (or killed) process left behind. */
  record Outcome(int exitCode, String output, boolean timedOut, boolean truncated) {
    boolean ok() {
      return exitCode == 0 && !timedOut;
    }
  }

  private static final File DEV_NULL = new File("/dev/null");

  /**
   * After a kill the pipe closes within milliseconds; this bound only matters if some grandchild we
   * could not see still holds it open.
   */
  private static final long DRAIN_AFTER_KILL_MS = 2_000;

  /** The kept bytes and whether more were dropped. */
  private record Captured(byte[] bytes, boolean truncated) {}

  private final Process process;
  private final Future<Captured> reader;

  private BoundedProcess(Process process, Future<Captured> reader) {
    this.process = process;
    this.reader = reader;
  }

  /** Starts {@code argv} in {@code dir}; the caller must {@link #await} it. */
  static BoundedProcess start(
      List<String> argv, Path dir, Map<String, String> env, int outputCap, ExecutorService readers)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    pb.environment().putAll(env);
    Process p = LiveCompilers.start(pb);
    Future<Captured> f;
    try {
      f = readers.submit(() -> capture(p.getInputStream(), outputCap));
    } catch (RuntimeException e) {
      kill(p);
      LiveCompilers.done(p);
      throw e;
    }
    return new BoundedProcess(p, f);
  }

  /** Runs {@code argv} to completion (or until {@code deadlineNanos}) and returns its outcome. */
  static Outcome run(
      List<String> argv,
      Path dir,
      Map<String, String> env,
      int outputCap,
      long deadlineNanos,
      ExecutorService readers)
      throws IOException {
    return start(argv, dir, env, outputCap, readers).await(deadlineNanos);
  }

  @Override
  public Outcome await(long deadlineNanos) {
    boolean exited;
    try {
      exited =
          process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      kill(process);
      LiveCompilers.done(process);
      Thread.currentThread().interrupt();
      Captured c = drain();
      return new Outcome(-1, text(c), false, c.truncated());
    }
    if (!exited) {
      kill(process);
    }
    LiveCompilers.done(process);
    Captured c = drain();
    int code = exited ? process.exitValue() : -1;
    return new Outcome(code, text(c), !exited, c.truncated());
  }

  private static String text(Captured c) {
    return new String(c.bytes(), StandardCharsets.UTF_8);
  }

  private Captured drain() {
    try {
      return reader.get(DRAIN_AFTER_KILL_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reader.cancel(true);
    } catch (ExecutionException e) {
      // The pipe broke; whatever the compiler said is lost, the exit code still decides.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new Captured(new byte[0], false);
  }

  /**
   * Kills the process and everything it started. hipcc is a Perl script that runs clang, so killing
   * only the direct child would leave clang running; the descendants are listed before the parent
   * dies because afterwards they are re-parented and no longer found.
   */
  static void kill(Process p) {
    List<ProcessHandle> family = new ArrayList<>();
    p.descendants().forEach(family::add);
    p.destroyForcibly();
    family.forEach(ProcessHandle::destroyForcibly);
    // A child forked between the listing and the kill is caught by a second sweep.
    p.descendants().forEach(ProcessHandle::destroyForcibly);
  }

  private static Captured capture(InputStream in, int cap) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(cap, 8192));
    byte[] buf = new byte[8192];
    boolean over = false;
    try (in) {
      int n;
      while ((n = in.read(buf)) != -1) {
        int room = cap - kept.size();
        if (room > 0) {
          kept.write(buf, 0, Math.min(room, n));
        }
        if (n > room) {
          over = true;
        }
      }
    }
    return new Captured(kept.toByteArray(), over);
  }
}
