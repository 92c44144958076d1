package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line: per-command help, "did you mean", --flag value, --version, exit 2 for every
 * usage error.
 */
class CommandLineTest {
  @TempDir Path tmp;

  private static int run(TestCorpus.Captured out, TestCorpus.Captured err, String... args) {
    return Main.run(args, out.out, err.out);
  }

  /** Runs {@code args}, which must be a usage error (exit 2); what it printed on stderr. */
  private static String usageError(String... args) {
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(String.join(" ", args), run(new TestCorpus.Captured(), err, args), is(2));
    return err.text();
  }

  /**
   * Writes {@code kernels} kernels under {@code tmp/src} and runs {@code manifest args}, which must
   * succeed; what it printed on stdout.
   */
  private String manifest(int kernels, String... args) throws IOException {
    TestCorpus.writeKernels(tmp.resolve("src"), kernels);
    List<String> line = new ArrayList<>(List.of("manifest"));
    line.addAll(List.of(args));
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(run(out, new TestCorpus.Captured(), line.toArray(new String[0])), is(0));
    return out.text();
  }

  private static String help(String... args) {
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(run(out, new TestCorpus.Captured(), args), is(0));
    return out.text();
  }

  @Test
  void describeHelpListsOnlyDescribesFlagsGroupedWithTheirRealDefaults() {
    String h = help("describe", "--help");
    assertThat(h, containsString("required:\n  --sourceDir=<String>"));
    assertThat(h, containsString("  --workDir=<String>\n"));
    assertThat(h, containsString("--maxInFlight=<Integer>   default: 32"));
    assertThat(h, containsString("--kernelsOnly=<Boolean>   default: true"));
    assertThat(h, containsString("engine (Beam/Flink):"));
    assertThat(h, containsString("--runner=<Class>   default: FlinkRunner (embedded Flink)"));
    assertThat(h, containsString("--flinkMaster="));
    assertThat(h, containsString("--parallelism="));
    assertThat("export's flag", h, not(containsString("--shardRows")));
    assertThat("generate's flag", h, not(containsString("--offloadArch")));
    assertThat("Beam internals stay for --help=all", h, not(containsString("--stableUniqueNames")));
    assertThat("not Beam's default runner", h, not(containsString("default: DirectRunner")));
    assertThat(h.split("\n").length, lessThan(70));
  }

  @Test
  void eachCommandsHelpHasItsOwnFlagsAndNoOtherCommands() {
    assertThat(help("export", "--help"), containsString("--format=<String>   default: jsonl"));
    assertThat(help("export", "--help"), not(containsString("--maxInFlight")));
    assertThat(help("export", "--help"), not(containsString("engine (Beam/Flink)")));
    assertThat(
        help("manifest", "--help"),
        containsString("--patterns=<String>   default: *.hip,*.cpp,*.cu,*.h,*.hpp"));
    assertThat(help("prompts", "--help"), not(containsString("--workDir")));
    assertThat(
        help("validate", "--help"), containsString("--offloadArch=<String>   default: gfx90a"));
    assertThat(help("validate", "--help"), not(containsString("--sourceDir")));
    String demo = help("demo", "--help");
    assertThat("demo needs nothing", demo, not(containsString("required:")));
    assertThat(demo, containsString("--simLatencyMs=<Long>   default: 300"));
    assertThat(demo, containsString("default: hipforge-demo"));
    assertThat(help("help", "generate"), containsString("--ids=<String>"));
  }

  @Test
  void helpAllAlsoListsEveryBeamAndFlinkFlag() {
    String h = help("describe", "--help=all");
    for (String part :
        List.of(
            "--sourceDir=<String>",
            "org.apache.beam.runners.flink.FlinkPipelineOptions:",
            "--checkpointingInterval=",
            "--stableUniqueNames=")) {
      assertThat(h, containsString(part));
    }
  }

  @Test
  void versionNamesHipforgeBeamFlinkAndJava() {
    assertThat(
        help("--version"),
        matchesPattern("(?s)hipforge \\S+ \\(Beam 2\\.70\\.0, Flink 1\\.19\\S*, Java 17\\S*\\)\n"));
    assertThat(help("describe", "--version"), containsString("hipforge "));
  }

  @Test
  void aMistypedCommandGetsDidYouMeanAndExitsTwo() {
    assertThat(
        usageError("describ", "--workDir=w"),
        containsString("unknown command 'describ' (did you mean 'describe'?)"));
  }

  @Test
  void aMistypedFlagGetsDidYouMeanAndExitsTwo() {
    assertThat(
        usageError("status", "--wrkDir=" + tmp),
        containsString("unknown flag --wrkDir (did you mean --workDir?)"));
    assertThat(
        usageError("describe", "--flinkMastr=127.0.0.1:8081"),
        containsString("did you mean --flinkMaster?"));
  }

  @Test
  void anotherCommandsFlagIsIgnoredWithALineSayingWhose() throws Exception {
    String out =
        manifest(
            1,
            "--workDir=" + tmp.resolve("w"),
            "--sourceDir=" + tmp.resolve("src"),
            "--format",
            "jsonl",
            "--offloadArch=gfx90a");
    assertThat(
        out,
        containsString(
            "hipforge manifest: ignoring --format=jsonl: not a flag of manifest "
                + "(a flag of export)"));
    assertThat(
        out,
        containsString(
            "ignoring --offloadArch=gfx90a: not a flag of manifest (a flag of generate, validate)"));
  }

  @Test
  void aFlagAndItsValueMayBeTwoArguments() throws Exception {
    manifest(
        2, "--workDir", tmp.resolve("w").toString(), "--sourceDir", tmp.resolve("src").toString());
    assertThat(Files.exists(tmp.resolve("w/manifest.jsonl")), is(true));
    assertThat(
        CommandLine.normalize(
            CommandLine.find("describe"),
            new String[] {"--wait", "--quiet", "true", "--maxInFlight", "8"},
            new ArrayList<>()),
        is(new String[] {"--wait", "--quiet=true", "--maxInFlight=8"}));
    assertThat(
        usageError("status", "--workDir=" + tmp, "stray"),
        containsString("unexpected argument 'stray'"));
  }

  @Test
  void everyUsageErrorExitsTwo() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 2);
    assertThat(
        usageError("manifest", "--workDir=" + tmp),
        containsString("manifest needs --sourceDir=DIR"));
    assertThat(
        usageError("manifest", "--workDir=" + tmp, "--sourceDir=" + tmp.resolve("nowhere")),
        containsString("--sourceDir=" + tmp.resolve("nowhere") + ": no such directory"));
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    String w = "--workDir=" + tmp.resolve("w");
    assertThat(
        usageError("describe", w, "--sourceDir=" + tmp.resolve("w/manifest.jsonl")),
        containsString("is not a directory"));
    assertThat(usageError("export"), containsString("export needs --workDir=DIR"));
    String src = "--sourceDir=" + tmp.resolve("src");
    assertThat(usageError("describe", w, src, "--maxInFlight=0"), not(is("")));
    assertThat(usageError("describe", w, src, "--maxInFlight=many"), not(is("")));
    usageError();
  }

  @Test
  void everyCommandsFlagsResolveToOneDeclaration() {
    for (CommandLine.Command c : CommandLine.COMMANDS) {
      for (CommandLine.Flag f : CommandLine.flags(c.options()).values()) {
        for (Class<?> iface : OptionGetters.closure(c.options())) {
          for (java.lang.reflect.Method m : iface.getDeclaredMethods()) {
            if (f.name().equals(OptionGetters.property(m))) {
              assertThat(
                  c.name()
                      + " --"
                      + f.name()
                      + ": "
                      + iface.getSimpleName()
                      + " is not below "
                      + f.getter().getDeclaringClass().getSimpleName(),
                  iface.isAssignableFrom(f.getter().getDeclaringClass()),
                  is(true));
            }
          }
        }
      }
    }
  }
}
