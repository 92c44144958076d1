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
 * linking of libclang-cpp and libLLVM); a pass with a PCH costs ~45–65 ms in all. A tiny C
 * library ({@link #SOURCE}, compiled once with the toolchain's own clang) is preloaded into
 * clang; it intercepts {@code __libc_start_main}, which runs after the libraries are loaded and
 * initialised but before clang's {@code main}, and turns the process into a server: for each
 * request it forks, and the child calls the real {@code __libc_start_main} with the requested
 * arguments and directory. The child is therefore exactly a clang started with those arguments
 * (same binary, same environment minus the two preload variables, stdin {@code /dev/null}), so
 * verdicts cannot differ; measured 63 → 45 ms of CPU per device pass. Any server failure makes
 * the caller fall back to starting clang normally.
 *
 * <p>Each forked compiler runs in its own process group (session) with a CPU limit ({@code
 * RLIMIT_CPU}) the kernel enforces, and the server is its watchdog: past the wall-clock limit
 * (plus 2 s of grace for the JVM's own kill) it kills the group, and when its stdin closes (the
 * JVM ended in any way, {@code kill -9} included) it kills the group and exits. So no compiler
 * outlives the JVM by more than a moment, and none runs past its limit.
 *
 * <p>Protocol: the request is a count and length-prefixed strings {@code [dir, cap, limit seconds,
 * arg0, arg1...]};
 * the server answers {@code P <pid>}, then {@code O <n>} frames of merged stdout/stderr (only the
 * first {@code cap} bytes are forwarded, the rest is drained), then {@code X <exit> <total bytes>}.
 */
final class ForkServer {

  /** The preloaded server; see the class comment. */
  static final String SOURCE =
      """
      /* hipforge fork server, preloaded into clang (see ForkServer.java). */
      #define _GNU_SOURCE
      #include <dlfcn.h>
      #include <errno.h>
      #include <fcntl.h>
      #include <poll.h>
      #include <signal.h>
      #include <stdint.h>
      #include <stdio.h>
      #include <stdlib.h>
      #include <string.h>
      #include <sys/resource.h>
      #include <sys/wait.h>
      #include <time.h>
      #include <unistd.h>

      typedef int (*main_fn)(int, char **, char **);
      typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                              void (*)(void), void *);

      static int read_full(int fd, void *buf, size_t n) {
        char *p = buf;
        while (n > 0) {
          ssize_t r = read(fd, p, n);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) return -1;
          p += r; n -= (size_t) r;
        }
        return 0;
      }

      static void write_full(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
          ssize_t r = write(fd, p, n);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) _exit(3); /* the JVM is gone */
          p += r; n -= (size_t) r;
        }
      }

      static void send_line(const char *fmt, long a, long b) {
        char line[64];
        int n = snprintf(line, sizeof line, fmt, a, b);
        write_full(1, line, (size_t) n);
      }

      static long now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
      }

      /* [dir, cap, limit seconds, arg0, arg1, ...] or NULL at end of input. */
      static char **read_request(uint32_t *count) {
        uint32_t n;
        if (read_full(0, &n, 4) != 0) return NULL;
        if (n < 4 || n > 100000) _exit(2);
        char **v = calloc(n + 1, sizeof(char *));
        if (!v) _exit(2);
        for (uint32_t i = 0; i < n; i++) {
          uint32_t len;
          if (read_full(0, &len, 4) != 0 || len > (1u << 20)) _exit(2);
          v[i] = malloc(len + 1);
          if (!v[i] || read_full(0, v[i], len) != 0) _exit(2);
          v[i][len] = 0;
        }
        *count = n;
        return v;
      }

      int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                            void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
        start_fn real = (start_fn) dlsym(RTLD_NEXT, "__libc_start_main");
        if (!real) _exit(4);
        if (!getenv("HIPFORGE_FORK_SERVER"))
          return real(main, argc, argv, init, fini, rtld_fini, stack_end);
        unsetenv("HIPFORGE_FORK_SERVER");
        unsetenv("LD_PRELOAD");
        signal(SIGPIPE, SIG_IGN);
        write_full(1, "R\\n", 2);
        static char buf[65536];
        for (;;) {
          uint32_t n;
          char **req = read_request(&n);
          if (!req) _exit(0);
          long cap = atol(req[1]);
          long limit = atol(req[2]);
          if (limit < 1) limit = 1;
          int p[2];
          if (pipe2(p, O_CLOEXEC) != 0) _exit(5);
          pid_t pid = fork();
          if (pid == 0) {
            signal(SIGPIPE, SIG_DFL);
            /* Its own process group, and a CPU limit the kernel enforces whatever the JVM does. */
            setsid();
            struct rlimit cpu = { (rlim_t) limit, (rlim_t) limit + 1 };
            if (setrlimit(RLIMIT_CPU, &cpu) != 0) _exit(127);
            if (chdir(req[0]) != 0) _exit(127);
            int nul = open("/dev/null", O_RDONLY);
            if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0) _exit(127);
            close(nul); close(p[0]); close(p[1]);
            return real(main, (int) n - 3, req + 3, init, fini, rtld_fini, stack_end);
          }
          close(p[1]);
          send_line("P %ld %ld\\n", (long) pid, 0);
          long total = 0, sent = 0;
          if (pid > 0) {
            /* Watchdog: the wall-clock limit, and the JVM's end (stdin closes, also on kill -9),
               kill the compiler's whole process group. */
            long deadline = now_ms() + limit * 1000 + 2000;
            int killed = 0;
            for (;;) {
              struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { 0, 0, 0 } };
              long left = deadline - now_ms();
              int pr = poll(fds, 2, killed ? 1000 : (left > 0 ? (int) left : 0));
              if (pr < 0 && errno == EINTR) continue;
              if (fds[1].revents & (POLLHUP | POLLERR)) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                _exit(0);
              }
              if (pr == 0) {
                if (!killed) { kill(-pid, SIGKILL); kill(pid, SIGKILL); killed = 1; }
                continue;
              }
              ssize_t r = read(p[0], buf, sizeof buf);
              if (r < 0 && errno == EINTR) continue;
              if (r <= 0) break;
              total += r;
              if (sent < cap) {
                long k = r < cap - sent ? r : cap - sent;
                send_line("O %ld %ld\\n", k, 0);
                write_full(1, buf, (size_t) k);
                sent += k;
              }
            }
          }
          close(p[0]);
          int code = 127, st;
          if (pid > 0) {
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
            code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
          }
          send_line("X %ld %ld\\n", (long) code, total);
          for (uint32_t i = 0; i < n; i++) free(req[i]);
          free(req);
        }
      }
      """;

  /** Exit code of an outcome whose server broke down; the caller reruns the pass without servers. */
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
      Path lib = dir.resolve("forkserver-" + PchCache.sha256(fingerprint + SOURCE).substring(0, 16) + ".so");
      if (!Files.isRegularFile(lib)) {
        Path src = dir.resolve("forkserver-" + UUID.randomUUID() + ".c");
        Path tmp = dir.resolve(lib.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
          Files.writeString(src, SOURCE);
          BoundedProcess.Outcome built =
              BoundedProcess.run(
                  List.of(clang.toString(), "-shared", "-fPIC", "-O2", "-o", tmp.toString(), src.toString(), "-ldl"),
                  dir, HipToolchain.ENV, 64 * 1024, System.nanoTime() + START_TIMEOUT_NANOS, exec);
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
          BoundedProcess.run(List.of(clang.toString(), "--version"), dir, HipToolchain.ENV, 64 * 1024,
              System.nanoTime() + START_TIMEOUT_NANOS, exec);
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
      throw new IllegalArgumentException("the fork server runs only " + clang + ", not " + argv.get(0));
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
    ProcessBuilder pb = new ProcessBuilder(clang.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
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
        return new BoundedProcess.Outcome(SERVER_FAILED, "fork server failed: " + e.getCause(), false, false);
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
