package org.hipforge.io.hip;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A pool of idle clang processes that fork a fresh compiler per request, so a pass no longer pays
 * for loading and relocating clang's ~100 MB of shared libraries.
 *
 * <p>Starting {@code clang -cc1} costs ~20 ms of CPU before it reads a byte of source (dynamic
 * linking of libclang-cpp and libLLVM); a pass with a PCH costs ~45–65 ms in all. A tiny C library
 * ({@link #SOURCE}, compiled once with the toolchain's own clang) is preloaded into clang; it
 * intercepts {@code __libc_start_main}, which runs after the libraries are loaded and initialised
 * but before clang's {@code main}, and turns the process into a server: for each request it forks,
 * and the child calls the real {@code __libc_start_main} with the requested arguments and
 * directory. The child is therefore exactly a clang started with those arguments (same binary, same
 * environment minus the two preload variables, stdin {@code /dev/null}), so verdicts cannot differ;
 * measured 63 → 45 ms of CPU per device pass. Any server failure makes the caller fall back to
 * starting clang normally.
 *
 * <p>Each forked compiler runs in its own process group (session) with a CPU limit ({@code
 * RLIMIT_CPU}) the kernel enforces, and the server is its watchdog: past the wall-clock limit (plus
 * 2 s of grace for the JVM's own kill) it kills the group, and when its stdin closes (the JVM ended
 * in any way, {@code kill -9} included) it kills the group and exits. So no compiler outlives the
 * JVM by more than a moment, and none runs past its limit.
 *
 * <p>Protocol: the request is a count and length-prefixed strings {@code [dir, cap, limit seconds,
 * arg0, arg1...]}; the server answers {@code P <pid>}, then {@code O <n>} frames of merged
 * stdout/stderr (only the first {@code cap} bytes are forwarded, the rest is drained), then {@code
 * X <exit> <total bytes>}.
 */
final class ForkServer {

  /** The preloaded server; see the class comment. */
  static final String SOURCE = readSource();

  /**
   * The C source, a resource beside this class ({@code forkserver.c}) so it reads, diffs and lints
   * as C; its text is part of the library's cache key, so an edit rebuilds the library.
   */
  private static String readSource() {
    try (InputStream in = ForkServer.class.getResourceAsStream("forkserver.c")) {
      if (in == null) {
        throw new IllegalStateException(
            "forkserver.c is missing beside ForkServer.class: a broken build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read forkserver.c", e);
    }
  }

  /**
   * Exit code of an outcome whose server broke down; the caller reruns the pass without servers.
   */
  static final int SERVER_FAILED = -2;

  /** Servers kept idle beyond this are closed: each holds ~20 MB of relocated library data. */
  private static final int MAX_IDLE = 2 * Runtime.getRuntime().availableProcessors() + 2;

  /** A server answers its ready line within milliseconds; this only bounds a broken start. */
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** After a kill the server reports the exit within milliseconds; past this it is broken. */
  private static final long REPORT_AFTER_KILL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final Path clang;
  private final Path library;
  private final Map<String, String> env;
  private final ConcurrentLinkedDeque<Server> idle = new ConcurrentLinkedDeque<>();

  private ForkServer(Path clang, Path library, Map<String, String> env) {
    this.clang = clang;
    this.library = library;
    this.env = env;
  }

  /**
   * Compiles the server library into {@code dir} (once; reused while the file exists) and checks
   * that a server answers like clang itself; returns null when any step fails (callers then start
   * clang normally).
   */
  static ForkServer create(Path clang, Path dir, String fingerprint, ExecutorService exec) {
    try {
      Path lib =
          dir.resolve(
              "forkserver-" + PchCache.sha256(fingerprint + SOURCE).substring(0, 16) + ".so");
      if (!Files.isRegularFile(lib)) {
        Path src = dir.resolve("forkserver-" + UUID.randomUUID() + ".c");
        Path tmp = dir.resolve(lib.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
          Files.writeString(src, SOURCE);
          BoundedProcess.Outcome built =
              BoundedProcess.run(
                  List.of(
                      clang.toString(),
                      "-shared",
                      "-fPIC",
                      "-O2",
                      "-o",
                      tmp.toString(),
                      src.toString(),
                      "-ldl"),
                  dir,
                  HipToolchain.ENV,
                  64 * 1024,
                  System.nanoTime() + START_TIMEOUT_NANOS,
                  exec);
          if (!built.ok()) {
            return null;
          }
          Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(src);
          Files.deleteIfExists(tmp);
        }
      }
      ForkServer fs = new ForkServer(clang, lib, HipToolchain.ENV);
      BoundedProcess.Outcome direct =
          BoundedProcess.run(
              List.of(clang.toString(), "--version"),
              dir,
              HipToolchain.ENV,
              64 * 1024,
              System.nanoTime() + START_TIMEOUT_NANOS,
              exec);
      BoundedProcess.Outcome served =
          fs.start(List.of(clang.toString(), "--version"), dir, 64 * 1024, 30, exec)
              .await(System.nanoTime() + START_TIMEOUT_NANOS);
      if (!direct.ok() || !served.ok() || !served.output().equals(direct.output())) {
        fs.close();
        return null;
      }
      return fs;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Starts {@code argv} (whose first element must be this server's clang) in {@code dir}. */
  Run start(List<String> argv, Path dir, int cap, long limitSeconds, ExecutorService exec)
      throws IOException {
    if (!argv.get(0).equals(clang.toString())) {
      throw new IllegalArgumentException(
          "the fork server runs only " + clang + ", not " + argv.get(0));
    }
    Server s = idle.pollFirst();
    if (s == null || !s.process.isAlive()) {
      s = startServer(exec);
    }
    try {
      return s.submit(argv, dir, cap, limitSeconds, exec);
    } catch (IOException | RuntimeException e) {
      s.destroy();
      throw e;
    }
  }

  /** Stops every idle server (busy ones stop when their request ends and they are released). */
  void close() {
    Server s;
    while ((s = idle.pollFirst()) != null) {
      s.destroy();
    }
  }

  private void release(Server s) {
    if (s.process.isAlive() && idle.size() < MAX_IDLE) {
      idle.addFirst(s);
    } else {
      s.destroy();
    }
  }

  private Server startServer(ExecutorService exec) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(clang.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(env);
    pb.environment().put("HIPFORGE_FORK_SERVER", "1");
    pb.environment().put("LD_PRELOAD", library.toString());
    Process p = LiveCompilers.start(pb);
    Server s = new Server(p);
    Future<String> ready = exec.submit(() -> s.readLine());
    try {
      String line = ready.get(START_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
      if (!"R".equals(line)) {
        throw new IOException("fork server did not start: " + line);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.destroy();
      throw new IOException("interrupted while starting the fork server", e);
    } catch (ExecutionException | TimeoutException e) {
      s.destroy();
      throw new IOException("fork server did not start", e);
    }
    return s;
  }

  /** One compiler run inside a server; {@link #await} returns its outcome. */
  final class Run implements PassRun {
    private final Server server;
    private final long pid;
    private final Future<BoundedProcess.Outcome> result;

    private Run(Server server, long pid, Future<BoundedProcess.Outcome> result) {
      this.server = server;
      this.pid = pid;
      this.result = result;
    }

    @Override
    public BoundedProcess.Outcome await(long deadlineNanos) {
      try {
        BoundedProcess.Outcome o =
            result.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        release(server);
        return o;
      } catch (TimeoutException e) {
        killChild();
        try {
          BoundedProcess.Outcome o = result.get(REPORT_AFTER_KILL_NANOS, TimeUnit.NANOSECONDS);
          release(server);
          return new BoundedProcess.Outcome(-1, o.output(), true, o.truncated());
        } catch (ExecutionException | TimeoutException broken) {
          server.destroy();
          return new BoundedProcess.Outcome(-1, "", true, false);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          server.destroy();
          return new BoundedProcess.Outcome(-1, "", true, false);
        }
      } catch (ExecutionException e) {
        server.destroy();
        return new BoundedProcess.Outcome(
            SERVER_FAILED, "fork server failed: " + e.getCause(), false, false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        killChild();
        server.destroy();
        return new BoundedProcess.Outcome(-1, "", false, false);
      }
    }

    /** Kills the forked compiler, but only while it is still the server's child (no pid reuse). */
    private void killChild() {
      ProcessHandle.of(pid)
          .filter(h -> h.parent().map(par -> par.pid() == server.process.pid()).orElse(false))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** One idle-or-busy clang process with the preloaded server. */
  private final class Server {
    private final Process process;
    private final DataOutputStream in;
    private final InputStream out;

    Server(Process process) {
      this.process = process;
      this.in = new DataOutputStream(process.getOutputStream());
      this.out = new BufferedInputStream(process.getInputStream(), 1 << 16);
    }

    Run submit(List<String> argv, Path dir, int cap, long limitSeconds, ExecutorService exec)
        throws IOException {
      List<String> req = new ArrayList<>(argv.size() + 2);
      req.add(dir.toString());
      req.add(Integer.toString(cap));
      req.add(Long.toString(limitSeconds));
      req.addAll(argv);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(buf);
      d.writeInt(Integer.reverseBytes(req.size()));
      for (String s : req) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(Integer.reverseBytes(b.length));
        d.write(b);
      }
      in.write(buf.toByteArray());
      in.flush();
      String[] started = field(readLine(), "P");
      long pid = Long.parseLong(started[1]);
      Future<BoundedProcess.Outcome> f = exec.submit(() -> readResult(cap));
      return new Run(this, pid, f);
    }

    private BoundedProcess.Outcome readResult(int cap) throws IOException {
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      while (true) {
        String[] f = field(readLine(), null);
        if (f[0].equals("O")) {
          int n = Integer.parseInt(f[1]);
          byte[] b = out.readNBytes(n);
          if (b.length != n) {
            throw new EOFException("fork server output ended early");
          }
          kept.write(b);
        } else if (f[0].equals("X")) {
          int exit = Integer.parseInt(f[1]);
          long total = Long.parseLong(f[2]);
          return new BoundedProcess.Outcome(
              exit, kept.toString(StandardCharsets.UTF_8), false, total > cap);
        } else {
          throw new IOException("unexpected fork server line: " + String.join(" ", f));
        }
      }
    }

    private String[] field(String line, String expected) throws IOException {
      if (line == null) {
        throw new EOFException("fork server exited");
      }
      String[] f = line.split(" ");
      if (expected != null && !f[0].equals(expected)) {
        throw new IOException("expected " + expected + " from the fork server, got: " + line);
      }
      return f;
    }

    String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = out.read()) != -1) {
        if (c == '\n') {
          return sb.toString();
        }
        if (sb.length() > 256) {
          throw new IOException("fork server line too long");
        }
        sb.append((char) c);
      }
      return null;
    }

    void destroy() {
      BoundedProcess.kill(process);
      LiveCompilers.done(process);
      try {
        OutputStream o = process.getOutputStream();
        o.close();
      } catch (IOException ignored) {
        // Already dead.
      }
    }
  }
}
