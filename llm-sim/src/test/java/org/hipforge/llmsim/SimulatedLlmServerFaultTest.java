package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.hipforge.llmsim.SimHttp.SYSTEM_GENERATE;
import static org.hipforge.llmsim.SimHttp.anthropic;
import static org.hipforge.llmsim.SimHttp.header;
import static org.hipforge.llmsim.SimHttp.json;
import static org.hipforge.llmsim.SimHttp.openAi;
import static org.hipforge.llmsim.SimHttp.openAiBody;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SimulatedLlmServerFaultTest {

  static Stream<Arguments> serverErrors() {
    return Stream.of(
        serverError(500, c -> c.withFaultRate(Fault.HTTP_500, 1.0), "server_error", "api_error"),
        serverError(502, c -> c.withFaultRate(Fault.HTTP_502, 1.0), "cf_bad_gateway", "api_error"),
        serverError(503, c -> c.withFaultRate(Fault.HTTP_503, 1.0), "server_error", "api_error"),
        serverError(
            529, c -> c.withFaultRate(Fault.HTTP_529, 1.0), "server_error", "overloaded_error"));
  }

  private static Arguments serverError(
      int status, UnaryOperator<SimulatorConfig> fault, String openAiType, String anthropicType) {
    return Arguments.of(status, fault, openAiType, anthropicType);
  }

  @ParameterizedTest(name = "status {0}")
  @MethodSource("serverErrors")
  void serverErrorFaultAnswersThatStatusInEachProvidersFormat(
      int status, UnaryOperator<SimulatorConfig> fault, String openAiType, String anthropicType)
      throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(fault.apply(SimulatorConfig.defaults().withRpm(1000)))) {
      HttpResponse<String> o = openAi(llm, "p");
      assertThat(o.statusCode(), is(status));
      JsonNode error = json(o).get("error");
      assertThat(error.get("type").asText(), is(openAiType));
      assertThat(error.has("message") && error.has("param") && error.has("code"), is(true));
      // Faults happen after admission, so the limit headers still come along.
      assertThat(header(o, "x-ratelimit-remaining-requests"), is("999"));

      HttpResponse<String> a = anthropic(llm, "p");
      assertThat(a.statusCode(), is(status));
      assertThat(json(a).get("type").asText(), is("error"));
      assertThat(json(a).get("error").get("type").asText(), is(anthropicType));

      assertThat(llm.requestsByStatus(), is(Map.of(Integer.toString(status), 2L)));
      assertThat(llm.requestsByPrompt().values().iterator().next(), is(2L));
      assertThat(llm.successCountsByPrompt(), is(anEmptyMap()));
    }
  }

  @Test
  void droppedConnectionReachesTheJdkClientAsIoException() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withFaultRate(Fault.DROP, 1.0))) {
      IOException e = assertThrows(IOException.class, () -> openAi(llm, "p"));
      assertThat(e, not(instanceOf(HttpTimeoutException.class)));
      assertThrows(IOException.class, () -> anthropic(llm, "p"));
      assertThat(llm.requestsByStatus(), is(Map.of("dropped", 2L)));
      assertThat(llm.successCountsByPrompt(), is(anEmptyMap()));
    }
  }

  @Test
  void droppedConnectionReachesOkHttpAsIoExceptionWithOrWithoutItsRetry() throws Exception {
    OkHttpClient strict =
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .readTimeout(5, TimeUnit.SECONDS)
            .build();
    OkHttpClient lenient = new OkHttpClient.Builder().readTimeout(5, TimeUnit.SECONDS).build();
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withFaultRate(Fault.DROP, 1.0))) {
      Request request =
          new Request.Builder()
              .url(llm.baseUrl() + "/chat/completions")
              .header("Authorization", "Bearer sk-x")
              .post(
                  RequestBody.create(
                      openAiBody(SYSTEM_GENERATE, "p", null), MediaType.get("application/json")))
              .build();

      assertThrows(IOException.class, () -> strict.newCall(request).execute().close());
      assertThat(llm.requestsByStatus(), is(Map.of("dropped", 1L)));

      llm.reset();
      // With retryOnConnectionFailure on, OkHttp resends only after a failed *pooled*
      // connection; every connection here is new, so the drop still surfaces, once.
      assertThrows(IOException.class, () -> lenient.newCall(request).execute().close());
      assertThat(llm.requestsByStatus(), is(Map.of("dropped", 1L)));
    } finally {
      strict.dispatcher().executorService().shutdown();
      lenient.dispatcher().executorService().shutdown();
      strict.connectionPool().evictAll();
      lenient.connectionPool().evictAll();
    }
  }

  @Test
  void htmlFaultAnswers200WithAProxyErrorPage() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withFaultRate(Fault.HTML, 1.0))) {
      for (HttpResponse<String> r : List.of(openAi(llm, "p"), anthropic(llm, "p"))) {
        assertThat(r.statusCode(), is(200));
        assertThat(header(r, "content-type"), startsWith("text/html"));
        assertThat(r.body(), allOf(startsWith("<html>"), containsString("502 Bad Gateway")));
      }
      assertThat(llm.requestsByStatus(), is(Map.of("html", 2L)));
      assertThat(llm.successCountsByPrompt(), is(anEmptyMap()));
    }
  }

  @Test
  void slowFaultOutlastsTheClientTimeoutAndCloseCutsItShort() throws Exception {
    SimulatedLlmServer llm =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withFaultRate(Fault.SLOW, 1.0).withSlowMs(5_000));
    try {
      long start = System.nanoTime();
      assertThrows(
          HttpTimeoutException.class,
          () ->
              SimHttp.send(
                  SimHttp.openAiRequest(
                      llm, "k", openAiBody(SYSTEM_GENERATE, "p", null), Duration.ofMillis(300))));
      assertThat((System.nanoTime() - start) / 1_000_000, lessThan(3_000L));
      assertThat(llm.maxConcurrentRequests(), is(1));
    } finally {
      long closing = System.nanoTime();
      llm.close();
      // The worker still sleeps in the slow answer; close must not wait for it.
      assertThat((System.nanoTime() - closing) / 1_000_000, lessThan(1_500L));
    }
  }

  @Test
  void faultDrawsRepeatForTheSameSeed() throws Exception {
    SimulatorConfig config =
        SimulatorConfig.defaults()
            .withSeed(7)
            .withFaultRate(Fault.HTTP_500, 0.3)
            .withFaultRate(Fault.HTTP_529, 0.2);
    List<Integer> first = statuses(config, 60);
    List<Integer> second = statuses(config, 60);
    List<Integer> otherSeed = statuses(config.withSeed(8), 60);

    assertThat(second, is(first));
    assertThat(otherSeed, not(first));
    long ok = first.stream().filter(s -> s == 200).count();
    // Half of the requests should succeed; 60 draws land within +-15 almost surely.
    assertThat(ok, allOf(greaterThan(15L), lessThan(45L)));
    assertThat(first.contains(500) && first.contains(529), is(true));
  }

  @Test
  void compileErrorRateOneBreaksEveryGeneratedProgramButNoDescription() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withCompileErrorRate(1.0))) {
      String code =
          json(openAi(llm, "Write `k`"))
              .get("choices")
              .get(0)
              .get("message")
              .get("content")
              .asText();
      assertThat(code, containsString(SimulatedAnswers.UNDECLARED_IDENTIFIER));
      assertThat(code, is(SimulatedAnswers.answer("Write `k`", true)));

      String describe =
          json(anthropic(llm, "__global__ void k(int* x) {}"))
              .get("content")
              .get(0)
              .get("text")
              .asText();
      assertThat(describe, is(SimulatedAnswers.describe(List.of("k"))));
      assertThat(llm.compileErrorAnswers(), is(1L));
    }
  }

  private static List<Integer> statuses(SimulatorConfig config, int n) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(config)) {
      for (int i = 0; i < n; i++) {
        statuses.add(openAi(llm, "p" + i).statusCode());
      }
    }
    return statuses;
  }
}
