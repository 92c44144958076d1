package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: clear errors and exit codes before any work is done. */
class MainTest {
  @TempDir Path tmp;

  private int run(TestCorpus.Captured out, TestCorpus.Captured err, String... args) {
    return Main.run(args, out.out, err.out);
  }

  /** Runs {@code args} on the DirectRunner; returns the exit code, stderr into {@code err}. */
  private int direct(TestCorpus.Captured err, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--runner=DirectRunner");
    return run(new TestCorpus.Captured(), err, all.toArray(String[]::new));
  }

  /** Runs {@code describe} of tmp/w and tmp/src with {@code flags} on the DirectRunner. */
  private int describe(TestCorpus.Captured err, String... flags) {
    List<String> args = new ArrayList<>();
    args.add("describe");
    args.add("--workDir=" + tmp.resolve("w"));
    args.add("--sourceDir=" + tmp.resolve("src"));
    args.addAll(List.of(flags));
    return direct(err, args.toArray(String[]::new));
  }

  @Test
  void noArgumentsPrintsUsageAndExitsTwo() {
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(run(out, new TestCorpus.Captured()), is(2));
    assertThat(out.text(), containsString("usage: hipforge <command>"));
  }

  @Test
  void helpListsTheCommandsAndFlags() {
    TestCorpus.Captured out = new TestCorpus.Captured();
    assertThat(run(out, new TestCorpus.Captured(), "describe", "--help"), is(0));
    assertThat(out.text(), containsString("--sourceDir"));
    assertThat(out.text(), containsString("generate"));
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(run(new TestCorpus.Captured(), err, "frobnicate"), is(2));
    assertThat(err.text(), containsString("unknown command 'frobnicate'"));
  }

  @Test
  void describeWithoutAManifestSaysWhichCommandToRunFirst() {
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(direct(err, "describe", "--workDir=" + tmp, "--sourceDir=" + tmp), is(2));
    assertThat(err.text(), containsString("run 'hipforge manifest"));
  }

  @Test
  void aMissingKeyVariableStopsBeforeAnyWorkAndNamesTheVariable() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 2);
    Path config = tmp.resolve("config.json");
    Files.writeString(
        config,
        "{\"openai\": {\"api\": \"openai\", \"base_url\": \"https://api.example.invalid/v1\","
            + " \"model\": \"m\", \"api_key_env\": \"HIPFORGE_TEST_KEY_THAT_IS_NOT_SET\"}}");
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(describe(err, "--config=" + config), is(2));
    assertThat(err.text(), containsString("HIPFORGE_TEST_KEY_THAT_IS_NOT_SET"));
    assertThat(Files.exists(tmp.resolve("w/state")), is(false));
  }

  @Test
  void anUnknownProviderNameListsTheConfiguredOnes() throws Exception {
    Path config = TestCorpus.writeConfig(tmp, "http://127.0.0.1:9/v1");
    TestCorpus.writeKernels(tmp.resolve("src"), 1);
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(describe(err, "--config=" + config, "--modelName=gpt5"), is(2));
    assertThat(err.text(), containsString("no provider named 'gpt5'"));
    assertThat(err.text(), containsString("[sim]"));
  }

  @Test
  void aMalformedManifestLineIsNamedByFileAndLine() throws Exception {
    Files.createDirectories(tmp.resolve("w"));
    Files.writeString(
        tmp.resolve("w/manifest.jsonl"), "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\n");
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(direct(err, "status", "--workDir=" + tmp.resolve("w")), is(1));
    assertThat(err.text(), containsString("manifest.jsonl:2"));
    assertThat(err.text(), not(containsString("Exception\n\tat")));
  }

  @Test
  void statusWithOnlyTheWorkDirPrintsWhatTheFullOptionsPathPrints() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 3);
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    TestCorpus.Captured plain = new TestCorpus.Captured();
    assertThat(
        Main.onlyWorkDir("status", new String[] {"--workDir=" + tmp.resolve("w")}),
        is(tmp.resolve("w").toString()));
    assertThat(
        run(plain, new TestCorpus.Captured(), "status", "--workDir=" + tmp.resolve("w")), is(0));
    TestCorpus.Captured full = new TestCorpus.Captured();
    assertThat(
        run(
            full,
            new TestCorpus.Captured(),
            "status",
            "--workDir=" + tmp.resolve("w"),
            "--runner=DirectRunner"),
        is(0));
    assertThat(plain.text(), containsString("next run will work on"));
    assertThat(plain.text(), is(full.text()));
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(
        run(new TestCorpus.Captured(), err, "status", "--workDir=" + tmp.resolve("nowhere")),
        is(2));
    assertThat(err.text(), containsString("run 'hipforge manifest"));
  }

  @Test
  void anUnknownValidateModeIsAUsageErrorNamingTheTwoModes() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 1);
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(direct(err, "validate", "--workDir=" + tmp.resolve("w"), "--validate=clang"), is(2));
    assertThat(err.text(), containsString("--validate must be 'hipcc' or 'none', was 'clang'"));
  }

  @Test
  void aWorkDirectoryWhoseLockCannotBeWrittenIsAUsageErrorBeforeAnyRequest() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 2);
    try (org.hipforge.llmsim.SimulatedLlmServer server =
        org.hipforge.llmsim.SimulatedLlmServer.start(
            org.hipforge.llmsim.SimulatorConfig.defaults())) {
      Path config = TestCorpus.writeConfig(tmp, server.baseUrl());
      TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
      // What a read-only or full disk does to the lock, in a form root cannot write through.
      Files.writeString(tmp.resolve("w/state"), "a file where the state directory belongs\n");
      TestCorpus.Captured err = new TestCorpus.Captured();
      assertThat(describe(err, "--config=" + config, "--modelName=sim"), is(2));
      assertThat(err.text(), containsString("cannot write the lock"));
      assertThat(err.text(), containsString("so no request was sent"));
      assertThat(err.text(), not(containsString("FAILED")));
      assertThat(server.totalRequests(), is(0L));
    }
  }

  @Test
  void aRejectedKeyStopsDescribeWithExitThreeAfterOneRequest() throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), 6);
    try (org.hipforge.llmsim.SimulatedLlmServer server =
        org.hipforge.llmsim.SimulatedLlmServer.start(
            org.hipforge.llmsim.SimulatorConfig.defaults()
                .withApiKey("sk-only-this-key-is-accepted-0000"))) {
      Path config = TestCorpus.writeConfig(tmp, server.baseUrl());
      TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
      TestCorpus.Captured err = new TestCorpus.Captured();
      assertThat(describe(err, "--config=" + config, "--modelName=sim"), is(3));
      assertThat(err.text(), containsString("STOPPED: auth: provider sim rejected the request"));
      assertThat(err.text(), containsString("HIPFORGE_TEST_UNSET_KEY"));
      assertThat(
          "the first-call probe: one request, not a window of them",
          server.totalRequests(),
          is(1L));
    }
  }
}
