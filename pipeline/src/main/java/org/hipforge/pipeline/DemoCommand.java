package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.LatencyDistribution;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;

/**
 * {@code hipforge demo}: the whole job on built-in defaults, on any machine, with no network.
 *
 * <p>Scans the bundled example kernels, starts the simulated OpenAI-compatible LLM on loopback
 * (clearly labelled), describes every kernel, generates HIP code from the instructions, compiles it
 * when the HIP compiler is installed, exports the dataset, and prints the status tables and where
 * the dataset is. With {@code --config} it talks to that real provider instead of the simulator.
 */
public final class DemoCommand {
  private DemoCommand() {}

  public static StatusReport run(DemoOptions o, PrintStream out, boolean configGiven)
      throws IOException {
    if (o.getWorkDir() == null) {
      o.setWorkDir("hipforge-demo");
    }
    if (o.getSourceDir() == null) {
      o.setSourceDir(bundledKernels().toString());
    }
    out.println("demo: sources " + o.getSourceDir() + ", work directory " + o.getWorkDir());
    ManifestCommand.run(o, out);
    if (configGiven) {
      out.println("demo: using provider '" + o.getModelName() + "' from " + o.getConfig());
      StatusReport report = DescribeCommand.run(o, out);
      describeThenGenerate(o, out);
      return report;
    }
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withLatencyMs(o.getSimLatencyMs())
            .withLatencyDistribution(LatencyDistribution.EXPONENTIAL);
    try (SimulatedLlmServer server = SimulatedLlmServer.start(sim)) {
      out.println(
          "demo: *** SIMULATED LLM *** (not a real model) at "
              + server.baseUrl()
              + ", mean latency "
              + o.getSimLatencyMs()
              + " ms; pass --config=FILE --modelName=NAME "
              + "for a real provider");
      Path config = WorkLayout.localPath(new WorkLayout(o.getWorkDir()).demoLlmConfig());
      Files.createDirectories(config.getParent());
      Files.writeString(
          config,
          "{\"simulated\": {\"api\": \"openai\", \"base_url\": \""
              + server.baseUrl()
              + "\", \"model\": \"hipforge-simulated\", \"api_key_env\": "
              + "\"HIPFORGE_SIMULATED_KEY\", \"max_tokens\": 1024, \"timeout_s\": 30}}\n",
          StandardCharsets.UTF_8);
      o.setConfig(config.toString());
      o.setModelName("simulated");
      StatusReport report = DescribeCommand.run(o, out);
      describeThenGenerate(o, out);
      return report;
    }
  }

  private static void describeThenGenerate(DemoOptions o, PrintStream out) throws IOException {
    o.setRunId(null);
    if (GenerateCommand.validateMode(o).equals("hipcc")
        && org.hipforge.io.hip.HipToolchain.detect().isEmpty()) {
      out.println(
          "demo: no HIP compiler (hipcc) here, so generated code is not compiled; install it "
              + "with '"
              + org.hipforge.io.hip.HipToolchain.INSTALL_HINT
              + "' to validate");
      o.setValidate("none");
    }
    GenerateCommand.run(o, out);
    ExportCommand.run(o, out);
    out.println(
        "demo: dataset in "
            + Paths.get(o.getWorkDir()).toAbsolutePath()
            + " (state/, out/hip/, "
            + "export/dataset.jsonl); rerun the same command and it makes no new LLM calls");
  }

  /** The example kernels beside the launcher ($HIPFORGE_HOME), or under the current directory. */
  static Path bundledKernels() {
    String home = System.getenv("HIPFORGE_HOME");
    Path p =
        home != null ? Paths.get(home, "examples", "kernels") : Paths.get("examples", "kernels");
    if (!Files.isDirectory(p)) {
      throw new UsageException(
          "no bundled kernels at " + p.toAbsolutePath() + ": pass --sourceDir=DIR");
    }
    return p;
  }
}
