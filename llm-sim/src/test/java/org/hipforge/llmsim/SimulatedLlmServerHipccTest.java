package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hipforge.llmsim.SimHttp.json;
import static org.hipforge.llmsim.SimHttp.openAi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedLlmServerHipccTest {

  private static final Path HIPCC = Path.of("/usr/bin/hipcc");

  @Test
  void generatedCodeCompilesWithHipccAndTheBrokenVariantDoesNot(@TempDir Path dir)
      throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(HIPCC), "hipcc is not installed");
    String good;
    String broken;
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      good =
          SimHttp.fencedCode(
              answer(openAi(llm, SimulatedAnswers.describe(List.of("vector_add", "scale")))));
    }
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withCompileErrorRate(1.0))) {
      broken = SimHttp.fencedCode(answer(openAi(llm, "Write a kernel `saxpy`.")));
    }

    Result ok = compile(dir, "good.hip", good);
    assertThat(ok.output, ok.exitCode, is(0));
    Result bad = compile(dir, "broken.hip", broken);
    assertThat(bad.output, bad.exitCode, is(1));
    assertThat(
        bad.output,
        containsString(
            "use of undeclared identifier '" + SimulatedAnswers.UNDECLARED_IDENTIFIER + "'"));
  }

  private static String answer(java.net.http.HttpResponse<String> r) throws IOException {
    return json(r).get("choices").get(0).get("message").get("content").asText();
  }

  private static final class Result {
    final int exitCode;
    final String output;

    Result(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  private static Result compile(Path dir, String name, String code) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, code, StandardCharsets.UTF_8);
    ProcessBuilder pb =
        new ProcessBuilder(
                HIPCC.toString(),
                "--offload-arch=gfx90a",
                "-std=c++17",
                "-fsyntax-only",
                file.toString())
            .redirectErrorStream(true);
    pb.environment().put("HIP_PLATFORM", "amd");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    // A syntax-only compile takes about a second; two minutes means something hangs.
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("hipcc timed out");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
