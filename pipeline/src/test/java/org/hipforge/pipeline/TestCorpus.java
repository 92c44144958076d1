package org.hipforge.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Test fixtures: generated HIP sources, a provider config for a loopback server, options. */
final class TestCorpus {
  private TestCorpus() {}

  /** Writes {@code n} small, distinct HIP kernels (some in subdirectories) under {@code dir}. */
  static List<String> writeKernels(Path dir, int n) throws IOException {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = (i % 3 == 0 ? "sub" + (i % 7) + "/" : "") + "kernel_" + i + ".hip";
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      Files.writeString(f, "#include <hip/hip_runtime.h>\n"
          + "__global__ void scale_" + i + "(float* x, float a, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "  if (i < n) x[i] = a * x[i] + " + i + ".0f;\n"
          + "}\n", StandardCharsets.UTF_8);
      names.add(name);
    }
    return names;
  }

  static Path writeConfig(Path dir, String baseUrl) throws IOException {
    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"sim\": {\"api\": \"openai\", \"base_url\": \"" + baseUrl
        + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_TEST_UNSET_KEY\", \"timeout_s\": 20}}");
    return config;
  }

  static HipforgeOptions options(String... args) {
    PipelineOptionsFactory.register(HipforgeOptions.class);
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(HipforgeOptions.class);
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
