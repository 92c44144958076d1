package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.Assumptions;

/**
 * Test fixtures: generated HIP sources, a provider config for a loopback server, options, the
 * journal as a test reads it, and a simulated provider with a work directory ({@link
 * SimulatedWork}).
 */
final class TestCorpus {
  /**
   * The provider config's request timeout (s): far above the simulator latencies these tests set.
   */
  static final int TIMEOUT_S = 20;

  private TestCorpus() {}

  /** Writes {@code n} small, distinct HIP kernels (some in subdirectories) under {@code dir}. */
  static List<String> writeKernels(Path dir, int n) throws IOException {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = (i % 3 == 0 ? "sub" + (i % 7) + "/" : "") + "kernel_" + i + ".hip";
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      Files.writeString(
          f,
          "#include <hip/hip_runtime.h>\n"
              + "__global__ void scale_"
              + i
              + "(float* x, float a, int n) {\n"
              + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
              + "  if (i < n) x[i] = a * x[i] + "
              + i
              + ".0f;\n"
              + "}\n",
          StandardCharsets.UTF_8);
      names.add(name);
    }
    return names;
  }

  static Path writeConfig(Path dir, String baseUrl) throws IOException {
    return writeConfig(dir, baseUrl, TIMEOUT_S);
  }

  /**
   * {@code dir/config.json}: one provider "sim" at {@code baseUrl} with a request timeout of {@code
   * timeoutS}.
   */
  static Path writeConfig(Path dir, String baseUrl, int timeoutS) throws IOException {
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        "{\"sim\": {\"api\": \"openai\", \"base_url\": \""
            + baseUrl
            + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_TEST_UNSET_KEY\", \"timeout_s\": "
            + timeoutS
            + "}}");
    return config;
  }

  /**
   * Every journal line of {@code step} under {@code work} that parses (a torn or cut line is no
   * answer).
   */
  static List<StateRecord> journaled(Path work, WorkLayout.Step step) throws IOException {
    List<StateRecord> out = new ArrayList<>();
    Path dir = work.resolve("state/" + step.dir() + "/journal");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          try {
            out.add(StateRecordJson.parse(line));
          } catch (MalformedLineException torn) {
            // not an answer
          }
        }
      }
    }
    return out;
  }

  /**
   * The latest record of every id of {@code step} under {@code work}, as every command sees it
   * ({@link StateIndex}: journals and shards merged by the latest rule), in the index's order.
   */
  static List<StateRecord> latest(Path work, WorkLayout.Step step) throws IOException {
    WorkLayout layout = new WorkLayout(work.toString());
    StateIndex index =
        step == WorkLayout.Step.DESCRIBE
            ? StateIndex.describe(layout, true)
            : StateIndex.generate(layout);
    List<StateRecord> out = new ArrayList<>();
    try (StateIndex.Records records = index.records()) {
      for (int slot = 0; slot < index.size(); slot++) {
        out.add(records.read(slot));
      }
    }
    return out;
  }

  static DemoOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DemoOptions.class);
  }

  /** A stopped describe kept the {@code answered} answers paid for; the rest stay pending. */
  static void assertPaidAnswersKept(Path work, int answered) throws IOException {
    List<StateRecord> journal = journaled(work, WorkLayout.Step.DESCRIBE);
    assertThat(
        "the answers paid for are kept; the rest get no record and stay pending",
        journal,
        hasSize(answered));
    assertThat(journal.stream().map(StateRecord::pass).toList(), everyItem(is(true)));
  }

  /** Skips the test when no HIP compiler is installed. */
  static void assumeHipcc() {
    Assumptions.assumeTrue(
        HipToolchain.detect().isPresent(), "needs hipcc (scripts/test.sh installs it)");
  }

  /**
   * The simulator of the generate tests: answers after {@code latencyMs}, some code bad, seeded.
   */
  static SimulatorConfig compiling(long latencyMs, double compileErrorRate, long seed) {
    return SimulatorConfig.defaults()
        .withLatencyMs(latencyMs)
        .withCompileErrorRate(compileErrorRate)
        .withSeed(seed);
  }

  /** Runs {@code hipforge manifest} of {@code src} into {@code work}; it must exit 0. */
  static void manifest(Path work, Path src) {
    Captured err = new Captured();
    String[] args = {"manifest", "--workDir=" + work, "--sourceDir=" + src};
    int code = Main.run(args, new Captured().out, err.out);
    if (code != 0) {
      throw new AssertionError("manifest exited " + code + ": " + err.text());
    }
  }

  /**
   * The setup most command tests share: a simulated provider on loopback ({@code server}), its
   * provider config ({@code config}, provider "sim"), HIP kernels under {@code tmp/src} and the
   * manifest of the work directory. Close it to stop the server.
   */
  static final class SimulatedWork implements AutoCloseable {
    final Path src;
    final Path work;
    final Path config;
    final SimulatedLlmServer server;

    /** The kernels {@link #start} wrote, relative to {@code src} (empty for {@link #provider}). */
    final List<String> names = new ArrayList<>();

    private SimulatedWork(Path src, Path work, Path config, SimulatedLlmServer server) {
      this.src = src;
      this.work = work;
      this.config = config;
      this.server = server;
    }

    /** {@code tasks} kernels, the manifest of {@code tmp/work}, a server with {@code sim}. */
    static SimulatedWork start(Path tmp, int tasks, SimulatorConfig sim) throws IOException {
      return start(tmp, tmp.resolve("work"), tasks, sim, TIMEOUT_S);
    }

    /**
     * {@code tasks} kernels, the manifest of {@code work}, a server with {@code sim}, a request
     * timeout.
     */
    static SimulatedWork start(Path tmp, Path work, int tasks, SimulatorConfig sim, int timeoutS)
        throws IOException {
      List<String> names = writeKernels(tmp.resolve("src"), tasks);
      SimulatedWork w = provider(tmp, work, sim, timeoutS);
      w.names.addAll(names);
      try {
        ManifestCommand.run(
            TestCorpus.options("--workDir=" + work, "--sourceDir=" + w.src), new Captured().out);
      } catch (IOException | RuntimeException e) {
        w.close();
        throw e;
      }
      return w;
    }

    /** {@link #provider(Path, Path, SimulatorConfig, int)} with the usual request timeout. */
    static SimulatedWork provider(Path tmp, Path work, SimulatorConfig sim) throws IOException {
      return provider(tmp, work, sim, TIMEOUT_S);
    }

    /**
     * Only the server and its config, for a test that writes the sources and manifest its own way.
     */
    static SimulatedWork provider(Path tmp, Path work, SimulatorConfig sim, int timeoutS)
        throws IOException {
      SimulatedLlmServer server = SimulatedLlmServer.start(sim);
      try {
        return new SimulatedWork(
            tmp.resolve("src"), work, writeConfig(tmp, server.baseUrl(), timeoutS), server);
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
    }

    /** {@code command --workDir --sourceDir --config --modelName=sim} followed by {@code more}. */
    String[] args(String command, String... more) {
      List<String> args = new ArrayList<>(List.of(command));
      args.addAll(List.of(flags(more)));
      return args.toArray(new String[0]);
    }

    /** The options of {@link #args} without the command, for calling a command's {@code run}. */
    DemoOptions options(String... more) {
      return TestCorpus.options(flags(more));
    }

    /**
     * {@link #options} of a quiet run on the DirectRunner (no table printed), followed by {@code
     * more}: what the end-to-end tests pass to a command's {@code run}.
     */
    DemoOptions direct(String... more) {
      List<String> flags = new ArrayList<>(List.of("--quiet=true", "--runner=DirectRunner"));
      flags.addAll(List.of(more));
      return options(flags.toArray(new String[0]));
    }

    private String[] flags(String... more) {
      List<String> flags =
          new ArrayList<>(
              List.of(
                  "--workDir=" + work,
                  "--sourceDir=" + src,
                  "--config=" + config,
                  "--modelName=sim"));
      flags.addAll(List.of(more));
      return flags.toArray(new String[0]);
    }

    /** Answers the provider served (200s), all prompts together: what was paid for. */
    long paid() {
      return server.successCountsByPrompt().values().stream().mapToLong(Long::longValue).sum();
    }

    /** The simulator's key of the describe prompt of the kernel {@code fileName}. */
    String describeKey(String fileName) throws IOException {
      String code = Files.readString(src.resolve(fileName));
      return SimulatedLlmServer.promptKey(Prompts.describe(fileName, code).user());
    }

    /** The describe prompt keys of every kernel {@link #start} wrote. */
    Set<String> describeKeys() throws IOException {
      Set<String> keys = new HashSet<>();
      for (String name : names) {
        keys.add(describeKey(name));
      }
      return keys;
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** A PrintStream that keeps what was printed. */
  static final class Captured {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
