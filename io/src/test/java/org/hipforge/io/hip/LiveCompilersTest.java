package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.util.BeforeExit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exit path ({@link BeforeExit#runAll}, as a polite stop or a second Ctrl-C calls it) leaves no
 * compiler process and no {@code hipforge-hip-*} temp dir behind while a compile is running.
 */
class LiveCompilersTest {
  /** Tens of seconds of constant evaluation in the compiler (measured: > 20 s with hipcc). */
  private static final String SLOW =
      "#include <hip/hip_runtime.h>\n"
          + "constexpr long spin(long n) { long s = 0; for (long i = 0; i < n; ++i) s += i % 7; return s; }\n"
          + "static_assert(spin(1500000000L) > 0, \"slow on purpose\");\n"
          + "__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n";

  @AfterEach
  void reopen() {
    LiveCompilers.reopenForTests();
  }

  /** This JVM's compile dirs only: other JVMs on the machine compile in the same tmp dir. */
  private static Set<Path> tempDirs() throws Exception {
    String mine = "hipforge-hip-p" + ProcessHandle.current().pid() + "-";
    try (Stream<Path> s = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith(mine)).collect(Collectors.toSet());
    }
  }

  @Test
  void theExitPathKillsARunningCompileWithItsDescendantsAndRemovesItsTempDir() throws Exception {
    Optional<HipToolchain> toolchain = HipToolchain.detect();
    assumeTrue(toolchain.isPresent(), "hipcc is not installed");
    for (HipCompiler.Mode mode : HipCompiler.Mode.values()) {
      Set<Path> before = tempDirs();
      HipCompilerConfig config =
          HipCompilerConfig.defaults()
              .with(
                  c -> {
                    c.mode = mode;
                    c.extraFlags = List.of("-fconstexpr-steps=2000000000");
                    c.timeout = Duration.ofMinutes(5);
                  });
      try (HipCompiler hip = HipCompiler.create(toolchain.get(), config)) {
        hip.prepare();
        CompletableFuture<CompileResult> compile =
            CompletableFuture.supplyAsync(() -> hip.compile("slow.hip", SLOW));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<ProcessHandle> seen = new ArrayList<>();
        Set<Path> during = Set.of();
        while (System.nanoTime() < deadline) {
          during = tempDirs();
          during.removeAll(before);
          seen.clear();
          ProcessHandle.current().descendants().forEach(seen::add);
          if (!during.isEmpty() && seen.size() > 0 && LiveCompilers.liveProcesses() > 0) {
            break;
          }
          Thread.sleep(20);
        }
        Thread.sleep(500); // well inside the compile, which takes tens of seconds
        ProcessHandle.current().descendants().forEach(seen::add);
        assertThat(mode + ": a compile is running", during.isEmpty(), is(false));
        assertThat(mode + ": compiler processes run", seen.size(), greaterThan(0));
        assertThat(compile.isDone(), is(false));

        BeforeExit.runAll();

        for (ProcessHandle h : seen) {
          h.onExit().get(30, TimeUnit.SECONDS);
          assertThat(
              mode + ": " + h.info().command().orElse("pid " + h.pid()) + " is gone",
              h.isAlive(),
              is(false));
        }
        assertThat(
            mode + ": no compiler left",
            ProcessHandle.current()
                .descendants()
                .filter(ProcessHandle::isAlive)
                .collect(Collectors.toList()),
            is(empty()));
        Set<Path> left = tempDirs();
        left.removeAll(before);
        assertThat(mode + ": no temp dir left", left, is(empty()));
        CompileResult r = compile.get(60, TimeUnit.SECONDS);
        assertThat(mode + ": the killed compile did not pass", r.compiled(), is(false));
        assertThat(
            "no new compiler starts once exiting",
            hip.compile("slow.hip", SLOW).compiled(),
            is(false));
        assertThat(LiveCompilers.liveProcesses(), is(0));
      }
      LiveCompilers.reopenForTests();
    }
  }
}
