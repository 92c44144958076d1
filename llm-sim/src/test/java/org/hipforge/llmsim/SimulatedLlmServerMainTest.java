package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedLlmServerMainTest {

  @Test
  void runsAsItsOwnProcessAndLogsEverySuccessfulAnswerForOtherProcesses(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("requests.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    // Surefire runs tests from a manifest-only jar; the real class path is in this property.
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                classPath,
                SimulatedLlmServer.class.getName(),
                "--port=0",
                "--rpm=600",
                "--api-key=sk-process-key",
                "--requests-log=" + log)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return out.readLine();
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .get(30, TimeUnit.SECONDS);
      assertThat(line, matchesPattern("SIMULATED LLM listening on http://127\\.0\\.0\\.1:\\d+/v1"));
      String baseUrl = line.substring(SimulatedLlmServer.LISTENING_PREFIX.length());

      for (String user : List.of("p1", "p2", "p1")) {
        assertThat(post(baseUrl, "sk-process-key", user).statusCode(), is(200));
      }
      assertThat(post(baseUrl, "sk-wrong", "p3").statusCode(), is(401));

      assertThat(
          Files.readAllLines(log),
          is(
              List.of(
                  SimulatedLlmServer.promptKey("p1"),
                  SimulatedLlmServer.promptKey("p2"),
                  SimulatedLlmServer.promptKey("p1"))));
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void flagsBuildTheConfigAndBadFlagsAreNamed() {
    SimulatorConfig c =
        SimulatorFlags.parse(
            new String[] {
              "--port=0",
              "--latency-ms=200",
              "--latency=exponential",
              "--rpm=600",
              "--tpm=90000",
              "--api-key=sk-k",
              "--fault-5xx=0.3",
              "--fault-drop=0.1",
              "--slow-ms=50",
              "--compile-error-rate=0.25",
              "--max-context-tokens=8192"
            });
    assertThat(c.latencyMs(), is(200L));
    assertThat(c.latencyDistribution(), is(LatencyDistribution.EXPONENTIAL));
    assertThat(c.rpm(), is(600));
    assertThat(c.tpm(), is(90_000L));
    assertThat(c.apiKey(), is("sk-k"));
    assertThat(
        c.faultRate(Fault.HTTP_500) + c.faultRate(Fault.HTTP_502) + c.faultRate(Fault.HTTP_503),
        org.hamcrest.Matchers.closeTo(0.3, 1e-9));
    assertThat(c.faultRate(Fault.DROP), is(0.1));
    assertThat(c.slowMs(), is(50L));
    assertThat(c.compileErrorRate(), is(0.25));
    assertThat(c.maxContextTokens(), is(8192));
    assertThat(SimulatorFlags.parse(new String[] {"--help"}), nullValue());

    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class, () -> SimulatorFlags.parse(new String[] {"--rmp=5"}));
    assertThat(unknown.getMessage(), containsString("--rmp"));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class, () -> SimulatorFlags.parse(new String[] {"--rpm=-1"}));
    assertThat(bad.getMessage(), containsString("--rpm: rpm must be >= 0, but was -1"));
    IllegalArgumentException notNumber =
        assertThrows(
            IllegalArgumentException.class,
            () -> SimulatorFlags.parse(new String[] {"--tpm=lots"}));
    assertThat(notNumber.getMessage(), containsString("--tpm"));
  }

  private static HttpResponse<String> post(String baseUrl, String key, String user)
      throws Exception {
    return SimHttp.send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    SimHttp.openAiBody(SimHttp.SYSTEM_GENERATE, user, null)))
            .build());
  }
}
