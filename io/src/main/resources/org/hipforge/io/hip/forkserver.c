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
  write_full(1, "R\n", 2);
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
    send_line("P %ld %ld\n", (long) pid, 0);
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
          send_line("O %ld %ld\n", k, 0);
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
    send_line("X %ld %ld\n", (long) code, total);
    for (uint32_t i = 0; i < n; i++) free(req[i]);
    free(req);
  }
}
