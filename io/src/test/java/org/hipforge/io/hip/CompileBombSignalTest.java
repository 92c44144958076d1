package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGTERM and {@code kill -9} to a JVM (alone, as a service manager or the OOM killer sends them)
 * while it compiles a template/constexpr bomb, with and without the fork server: within a few
 * seconds no compiler of it is alive; after SIGTERM no {@code hipforge-hip-*} dir is left, after
 * {@code kill -9} the next start sweeps the dead JVM's dirs.
 */
class CompileBombSignalTest {
  /** Only a bound for a broken cleanup; the measured times are printed. */
  private static final long GONE_WITHIN_S = 10;

  @TempDir static Path pchDir;

  @BeforeAll
  static void needsHipcc() {
    Assumptions.assumeTrue(
        HipToolchain.detect().isPresent(), "no hipcc installed; " + HipToolchain.INSTALL_HINT);
  }

  @ParameterizedTest(name = "SIG{0}, {1} compilers")
  @CsvSource({"TERM, fork", "KILL, fork", "TERM, plain", "KILL, plain"})
  void aSignalToTheJvmDuringACompileBombLeavesNoCompilerAndNoTempDir(
      String signal, String mode, @TempDir Path tmp) throws Exception {
    Path childTmp = Files.createDirectories(tmp.resolve("child-tmp"));
    Path log = tmp.resolve("child.log");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Djava.io.tmpdir=" + childTmp,
                "-cp",
                System.getProperty("java.class.path"),
                CompileBombMain.class.getName(),
                pchDir.toString(),
                mode)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ProcessHandle jvm = child.toHandle();
    Set<ProcessHandle> seen = new LinkedHashSet<>();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    // Compiling: the temp dir exists and a compiler has been running for a while.
    while (!(Files.readString(log).contains("compiling")
        && !compileDirs(childTmp).isEmpty()
        && compilers(jvm) > 0)) {
      assertThat("child ended early:\n" + Files.readString(log), child.isAlive(), is(true));
      assertThat(
          "no compile started:\n" + Files.readString(log), System.nanoTime() < until, is(true));
      Thread.sleep(20);
    }
    Thread.sleep(1500);
    jvm.descendants().forEach(seen::add);
    assertThat(seen.size(), greaterThan(0));

    long t0 = System.nanoTime();
    new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid()))
        .inheritIO()
        .start()
        .waitFor();
    assertThat(child.waitFor(GONE_WITHIN_S, TimeUnit.SECONDS), is(true));
    long end = t0 + TimeUnit.SECONDS.toNanos(GONE_WITHIN_S);
    while (seen.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    for (ProcessHandle h : seen) {
      assertThat(
          "SIG"
              + signal
              + ": compiler "
              + h.pid()
              + " "
              + h.info().commandLine().orElse("")
              + " still runs",
          h.isAlive(),
          is(false));
    }
    long goneMs = (System.nanoTime() - t0) / 1_000_000;

    int swept = 0;
    if (signal.equals("KILL")) {
      // kill -9 runs no cleanup: the next start removes the dead JVM's dirs.
      swept = LiveCompilers.sweepStaleDirs(childTmp);
      assertThat(swept, greaterThan(0));
    }
    assertThat("no hipforge-hip-* temp dir left", compileDirs(childTmp), is(empty()));
    System.out.printf(
        "compile bomb, SIG%s, %s compilers: %d processes gone %d ms after the signal, "
            + "%d stale dirs swept at the next start%n",
        signal, mode, seen.size(), goneMs, swept);
  }

  /** Compiler processes of {@code jvm}: direct children or the fork server's children. */
  private static long compilers(ProcessHandle jvm) {
    return jvm.descendants()
        .filter(
            h ->
                h.info().commandLine().map(c -> c.contains("-cc1")).orElse(false)
                    || h.parent().map(p -> p.pid() != jvm.pid()).orElse(false))
        .count();
  }

  private static List<Path> compileDirs(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("hipforge-hip-"))
          .collect(Collectors.toList());
    }
  }
}
