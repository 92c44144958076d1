package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs a user (or a hostile tree) gets wrong, refused before the first paid call (issue 11 items
 * 4 and 5): odd file names, a scan that matches nothing, flags out of range. Each runs the command
 * line in this JVM ({@link Main#run}) against the simulated provider and counts its requests.
 */
class HostileInputsTest {
  private static final String KERNEL =
      "#include <hip/hip_runtime.h>\n"
          + "__global__ void odd(float* x) { x[threadIdx.x] = 2.0f; }\n";

  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  /** Exit code, stdout and stderr of {@code hipforge <args>} run in this JVM. */
  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    int code = Main.run(args, out.out, err.out);
    return new Run(code, out.text(), err.text());
  }

  private String[] cmd(String command, String... more) {
    List<String> extra = new ArrayList<>(List.of("--runner=DirectRunner", "--quiet=true"));
    extra.addAll(List.of(more));
    return sim.args(command, extra.toArray(new String[0]));
  }

  /**
   * Writes a kernel under {@code dir} named by bash's $'...' quoting (raw bytes, newlines, ...).
   */
  private static void writeRaw(Path dir, String bashName) throws Exception {
    Path body = dir.resolveSibling("kernel.body");
    Files.writeString(body, KERNEL, StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "cd \"$1\" && cp -- \"$2\" $'" + bashName + "'",
                "raw",
                dir.toString(),
                body.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out, p.waitFor(), is(0));
  }

  /** A usage error as the user sees it: exit 2, one line on stderr, no stack trace. */
  private static void assertOneLineUsageError(Run r, String mustSay) {
    assertThat(r.out + r.err, r.code, is(Main.USAGE));
    assertThat(r.err, containsString(mustSay));
    assertThat(r.err, r.err.strip().lines().count(), is(1L));
    assertThat(r.err, not(containsString("\tat ")));
  }

  @Test
  void oddFileNamesAreRefusedByTheManifestNamedAndEscapedBeforeAnyCallIsPaid() throws Exception {
    sim =
        TestCorpus.SimulatedWork.provider(
            tmp, tmp.resolve("work"), SimulatorConfig.defaults().withLatencyMs(2));
    TestCorpus.writeKernels(sim.src, 2);
    writeRaw(sim.src, "new\\nline.hip");
    writeRaw(sim.src, "ctl\\x01.hip");
    writeRaw(sim.src, "-rf.hip");
    writeRaw(sim.src, "caf\\xe9.hip");

    Run manifest = run("manifest", "--workDir=" + sim.work, "--sourceDir=" + sim.src);

    assertThat(manifest.code, is(Main.OK));
    assertThat(manifest.out, containsString("skipped new\\nline.hip: it contains a newline"));
    assertThat(
        manifest.out, containsString("skipped ctl\\x01.hip: it contains a control character"));
    assertThat(manifest.out, containsString("skipped -rf.hip: a path segment starts with '-'"));
    assertThat(
        manifest.out,
        containsString("skipped caf\\xE9.hip: it holds bytes that are not valid UTF-8"));
    assertThat(manifest.out, not(containsString("\uFFFD")));
    assertThat(manifest.out, containsString("2 files (2 new, 0 changed, 4 skipped)"));
    assertThat(Files.readAllLines(sim.work.resolve("manifest.jsonl")).size(), is(2));

    assertThat(run(cmd("describe")).code, is(Main.OK));
    assertThat(sim.server.totalRequests(), is(2L));
    assertThat(run(cmd("generate", "--validate=none")).code, is(Main.OK));
    assertThat(sim.server.totalRequests(), is(4L));
  }

  @Test
  void aScanThatMatchesNothingLeavesTheManifestUntouchedAndExitsTwo() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 3, SimulatorConfig.defaults());
    Path manifest = sim.work.resolve("manifest.jsonl");
    byte[] before = Files.readAllBytes(manifest);

    Run r =
        run("manifest", "--workDir=" + sim.work, "--sourceDir=" + sim.src, "--patterns=*.cl,*.cuh");

    assertOneLineUsageError(r, "no file under " + sim.src + " matches --patterns=*.cl,*.cuh");
    assertThat(r.err, containsString(manifest + " is left as it was"));
    assertThat(Files.readAllBytes(manifest), is(before));
    // The first scan of a fresh work directory writes no empty manifest either.
    Run fresh =
        run(
            "manifest",
            "--workDir=" + tmp.resolve("fresh"),
            "--sourceDir=" + sim.src,
            "--patterns=*.cl");
    assertOneLineUsageError(fresh, "no manifest was written");
    assertThat(Files.exists(tmp.resolve("fresh/manifest.jsonl")), is(false));
  }

  @Test
  void wrongFlagValuesAreOneLineUsageErrorsBeforeTheFirstPaidCall() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 3, SimulatorConfig.defaults().withLatencyMs(2));
    assertThat(run(cmd("describe")).code, is(Main.OK));
    long described = sim.server.totalRequests();
    assertThat(described, is(3L));

    assertOneLineUsageError(
        run(cmd("generate", "--validate=none", "--ids=1-3")),
        "--ids must be comma-separated integers, got '1-3'");
    assertOneLineUsageError(
        run(cmd("generate", "--validate=none", "--maxInFlight=0")),
        "--maxInFlight must be in [1, 4096], was 0");
    assertOneLineUsageError(
        run(cmd("generate", "--validate=none", "--numShards=-1")),
        "--numShards must be in [1, 10000], was -1");
    assertOneLineUsageError(
        run(cmd("describe", "--maxSourceBytes=0")), "--maxSourceBytes must be in [1,");
    assertOneLineUsageError(
        run(sim.args("generate", "--validate=none", "--runner=FlinkRunner", "--parallelism=0")),
        "--parallelism must be >= 1");
    assertThat(sim.server.totalRequests(), is(described));

    TestCorpus.assumeHipcc();
    Run bogus = run(cmd("generate", "--offloadArch=gfx90a,bogus"));
    assertOneLineUsageError(bogus, "--offloadArch: unknown AMD GPU target 'bogus'");
    assertThat(bogus.err, containsString("gfx90a"));
    assertOneLineUsageError(
        run(cmd("validate", "--offloadArch=gfx9999")), "unknown AMD GPU target 'gfx9999'");
    assertOneLineUsageError(
        run(cmd("generate", "--offloadArch=gfx90a:xnack")), "bad feature 'xnack'");
    assertThat(sim.server.totalRequests(), is(described));
    // A target ID with features is accepted (and the run then pays for its tasks as usual).
    assertThat(run(cmd("generate", "--offloadArch=gfx90a:xnack+,gfx1030")).code, is(Main.OK));
    assertThat(sim.server.totalRequests(), is(described + 3));
  }
}
