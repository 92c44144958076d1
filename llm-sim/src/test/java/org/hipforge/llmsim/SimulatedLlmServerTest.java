package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.hipforge.llmsim.SimHttp.SYSTEM_DESCRIBE;
import static org.hipforge.llmsim.SimHttp.SYSTEM_GENERATE;
import static org.hipforge.llmsim.SimHttp.anthropic;
import static org.hipforge.llmsim.SimHttp.anthropicBody;
import static org.hipforge.llmsim.SimHttp.header;
import static org.hipforge.llmsim.SimHttp.json;
import static org.hipforge.llmsim.SimHttp.openAi;
import static org.hipforge.llmsim.SimHttp.openAiBody;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SimulatedLlmServerTest {

  // Go's time.Duration format as OpenAI writes resets: "0s", "600ms", "1.5s", "6m0s".
  private static final String GO_DURATION = "0s|\\d+ms|(\\d+h)?(\\d+m)?\\d+(\\.\\d+)?s";
  private static final String KERNEL_SOURCE =
      "#include <hip/hip_runtime.h>\n"
          + "__global__ void vector_add(const float* a, const float* b, float* c, int n) {}\n"
          + "template <typename T>\n"
          + "__global__ void __launch_bounds__(256) scale(T* x, T s, int n) {}\n";
  private static final String INSTRUCTION =
      "Write a HIP program with a __global__ kernel named `saxpy` that computes y = a*x + y.";

  @Test
  void openAiChatCompletionHasTheRealShapeAndRateLimitHeaders() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withRpm(100).withTpm(100_000))) {
      String body = openAiBody(SYSTEM_GENERATE, INSTRUCTION, null);
      HttpResponse<String> r = openAi(llm, "sk-anything", body);

      assertThat(r.statusCode(), is(200));
      assertThat(header(r, "content-type"), is("application/json"));
      JsonNode j = json(r);
      assertThat(j.get("id").asText(), startsWith("chatcmpl-"));
      assertThat(j.get("object").asText(), is("chat.completion"));
      assertThat(j.get("created").isIntegralNumber(), is(true));
      assertThat(j.get("model").asText(), is("gpt-4o-mini"));
      JsonNode choice = j.get("choices").get(0);
      assertThat(choice.get("index").asInt(), is(0));
      assertThat(choice.get("message").get("role").asText(), is("assistant"));
      assertThat(choice.get("message").get("content").asText(), containsString("```hip\n"));
      assertThat(choice.get("finish_reason").asText(), is("stop"));
      JsonNode usage = j.get("usage");
      int promptChars = SYSTEM_GENERATE.length() + INSTRUCTION.length();
      assertThat(usage.get("prompt_tokens").asInt(), is((promptChars + 3) / 4));
      assertThat(
          usage.get("completion_tokens").asInt(),
          is((choice.get("message").get("content").asText().length() + 3) / 4));
      assertThat(
          usage.get("total_tokens").asInt(),
          is(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt()));
      // OpenAI pretty-prints; clients must not depend on one line per body.
      assertThat(r.body(), startsWith("{\n  \"id\": \"chatcmpl-"));

      assertThat(header(r, "x-ratelimit-limit-requests"), is("100"));
      assertThat(header(r, "x-ratelimit-remaining-requests"), is("99"));
      // One request of 100 per minute takes 600 ms to refill.
      assertThat(header(r, "x-ratelimit-reset-requests"), is("600ms"));
      assertThat(header(r, "x-ratelimit-limit-tokens"), is("100000"));
      assertThat(
          Long.parseLong(header(r, "x-ratelimit-remaining-tokens")),
          is(100_000L - usage.get("total_tokens").asLong()));
      assertThat(header(r, "x-ratelimit-reset-tokens"), matchesPattern(GO_DURATION));
      assertThat(header(r, "x-request-id"), startsWith("req_"));
    }
  }

  @Test
  void anthropicMessageHasTheRealShapeAndRateLimitHeaders() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withRpm(50).withTpm(40_000))) {
      HttpResponse<String> r =
          anthropic(llm, "sk-ant-x", anthropicBody(SYSTEM_DESCRIBE, KERNEL_SOURCE, 1024));

      assertThat(r.statusCode(), is(200));
      JsonNode j = json(r);
      assertThat(j.get("id").asText(), startsWith("msg_"));
      assertThat(j.get("type").asText(), is("message"));
      assertThat(j.get("role").asText(), is("assistant"));
      assertThat(j.get("model").asText(), is("claude-3-5-haiku-20241022"));
      assertThat(j.get("content").get(0).get("type").asText(), is("text"));
      assertThat(j.get("content").get(0).get("text").asText(), startsWith("Write a"));
      assertThat(j.get("stop_reason").asText(), is("end_turn"));
      assertThat(j.get("stop_sequence").isNull(), is(true));
      int promptChars = SYSTEM_DESCRIBE.length() + KERNEL_SOURCE.length();
      assertThat(j.get("usage").get("input_tokens").asInt(), is((promptChars + 3) / 4));
      assertThat(j.get("usage").get("output_tokens").asInt(), greaterThan(0));

      assertThat(header(r, "anthropic-ratelimit-requests-limit"), is("50"));
      assertThat(header(r, "anthropic-ratelimit-requests-remaining"), is("49"));
      OffsetDateTime reset = OffsetDateTime.parse(header(r, "anthropic-ratelimit-requests-reset"));
      assertThat(reset.toInstant().isAfter(java.time.Instant.now().minusSeconds(1)), is(true));
      for (String kind : List.of("tokens", "input-tokens", "output-tokens")) {
        assertThat(header(r, "anthropic-ratelimit-" + kind + "-limit"), is("40000"));
        assertThat(header(r, "anthropic-ratelimit-" + kind + "-remaining"), notNullValue());
        OffsetDateTime.parse(header(r, "anthropic-ratelimit-" + kind + "-reset"));
      }
      assertThat(header(r, "request-id"), startsWith("req_"));
      assertThat(header(r, "x-ratelimit-limit-requests"), nullValue());
    }
  }

  @Test
  void rateLimitHeadersAreAbsentWhenNoLimitIsConfigured() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      HttpResponse<String> r = openAi(llm, INSTRUCTION);
      assertThat(r.statusCode(), is(200));
      assertThat(header(r, "x-ratelimit-limit-requests"), nullValue());
      assertThat(header(r, "x-ratelimit-limit-tokens"), nullValue());
    }
  }

  @Test
  void baseUrlEndsInV1AndModelsAreListedInEachProvidersFormat() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      assertThat(llm.baseUrl(), is("http://127.0.0.1:" + llm.port() + "/v1"));

      JsonNode openAiModels = json(SimHttp.get(llm, "/models", "Authorization", "Bearer k"));
      assertThat(openAiModels.get("object").asText(), is("list"));
      assertThat(openAiModels.get("data").get(0).get("object").asText(), is("model"));

      JsonNode anthropicModels =
          json(SimHttp.get(llm, "/models", "x-api-key", "k", "anthropic-version", "2023-06-01"));
      assertThat(anthropicModels.get("data").get(0).get("type").asText(), is("model"));
      assertThat(anthropicModels.get("has_more").asBoolean(), is(false));

      HttpResponse<String> unknown = SimHttp.get(llm, "/v1/chat/completions");
      assertThat(unknown.statusCode(), is(404));
      assertThat(
          json(unknown).get("error").get("message").asText(),
          is("Invalid URL (GET /v1/v1/chat/completions)"));
    }
  }

  @Test
  void answersAreDeterministicFromTheRequest() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      String describe =
          json(anthropic(llm, "k", anthropicBody(SYSTEM_DESCRIBE, KERNEL_SOURCE, 1024)))
              .get("content")
              .get(0)
              .get("text")
              .asText();
      assertThat(describe, is(SimulatedAnswers.answer(KERNEL_SOURCE, false)));
      assertThat(
          describe,
          allOf(
              startsWith(
                  "Write a complete HIP program with __global__ "
                      + "kernels named `vector_add` and `scale`"),
              containsString("hipMalloc")));

      String first = content(openAi(llm, describe));
      String second = content(openAi(llm, describe));
      assertThat(second, is(first));
      assertThat(first, is(SimulatedAnswers.answer(describe, false)));
      assertThat(SimHttp.fencedCode(first), containsString("__global__ void vector_add("));

      assertThat(
          SimHttp.fencedCode(content(openAi(llm, INSTRUCTION))),
          containsString("__global__ void saxpy("));
      assertThat(
          SimHttp.fencedCode(content(openAi(llm, "Write any HIP program."))),
          containsString("__global__ void generated_kernel("));
    }
  }

  @Test
  void wrongOpenAiKeyIs401InvalidApiKeyWithoutEchoingTheKey() throws Exception {
    String wrong = "sk-wrong-key-abcdefghij-9876";
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey("sk-right-key"))) {
      HttpResponse<String> r = openAi(llm, wrong, openAiBody(SYSTEM_GENERATE, INSTRUCTION, null));

      assertThat(r.statusCode(), is(401));
      JsonNode error = json(r).get("error");
      assertThat(error.get("code").asText(), is("invalid_api_key"));
      assertThat(error.get("type").asText(), is("invalid_request_error"));
      assertThat(error.get("param").isNull(), is(true));
      assertThat(
          error.get("message").asText(),
          allOf(startsWith("Incorrect API key provided: sk-*"), containsString("9876")));
      assertThat(r.body(), not(containsString(wrong)));

      assertThat(
          openAi(llm, null, openAiBody(SYSTEM_GENERATE, INSTRUCTION, null)).statusCode(), is(401));
      assertThat(
          openAi(llm, "sk-right-key", openAiBody(SYSTEM_GENERATE, INSTRUCTION, null)).statusCode(),
          is(200));
      assertThat(llm.requestsByStatus(), is(Map.of("401", 2L, "200", 1L)));
    }
  }

  @Test
  void wrongAnthropicKeyIs401AuthenticationError() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey("sk-ant-right"))) {
      HttpResponse<String> r =
          anthropic(llm, "sk-ant-wrong", anthropicBody(SYSTEM_GENERATE, INSTRUCTION, 1024));

      assertThat(r.statusCode(), is(401));
      JsonNode j = json(r);
      assertThat(j.get("type").asText(), is("error"));
      assertThat(j.get("error").get("type").asText(), is("authentication_error"));
      assertThat(j.get("error").get("message").asText(), is("invalid x-api-key"));
      assertThat(
          anthropic(llm, "sk-ant-right", anthropicBody(SYSTEM_GENERATE, INSTRUCTION, 1024))
              .statusCode(),
          is(200));
    }
  }

  @Test
  void anthropicRequestWithoutVersionHeaderIs400() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      HttpResponse<String> r =
          SimHttp.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(llm.baseUrl() + "/messages"))
                  .header("x-api-key", "k")
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString(
                          anthropicBody(SYSTEM_GENERATE, INSTRUCTION, 100)))
                  .build());
      assertThat(r.statusCode(), is(400));
      assertThat(json(r).get("error").get("type").asText(), is("invalid_request_error"));
      assertThat(json(r).get("error").get("message").asText(), containsString("anthropic-version"));
    }
  }

  @Test
  void exhaustedRpmLimitAnswers429WithRetryAfterInBothFormats() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults().withRpm(2))) {
      assertThat(openAi(llm, "a").statusCode(), is(200));
      assertThat(anthropic(llm, "b").statusCode(), is(200));

      HttpResponse<String> o = openAi(llm, "c");
      assertThat(o.statusCode(), is(429));
      JsonNode error = json(o).get("error");
      assertThat(error.get("code").asText(), is("rate_limit_exceeded"));
      assertThat(error.get("type").asText(), is("requests"));
      assertThat(error.get("message").asText(), containsString("Limit 2, Used 2, Requested 1"));
      // Two per minute: the next request frees up at most 30 s after the last.
      long retryMs = Long.parseLong(header(o, "retry-after-ms"));
      assertThat(retryMs, allOf(greaterThan(20_000L), lessThanOrEqualTo(30_000L)));
      assertThat(Long.parseLong(header(o, "retry-after")), is((retryMs + 999) / 1000));
      assertThat(header(o, "x-ratelimit-remaining-requests"), is("0"));

      HttpResponse<String> a = anthropic(llm, "d");
      assertThat(a.statusCode(), is(429));
      assertThat(json(a).get("error").get("type").asText(), is("rate_limit_error"));
      assertThat(
          Long.parseLong(header(a, "retry-after")),
          allOf(greaterThan(20L), lessThanOrEqualTo(30L)));
      assertThat(header(a, "anthropic-ratelimit-requests-remaining"), is("0"));

      assertThat(llm.requestsByStatus(), is(Map.of("200", 2L, "429", 2L)));
      assertThat(llm.successCountsByPrompt().size(), is(2));
    }
  }

  @Test
  void exhaustedTpmLimitAnswers429NamingTokens() throws Exception {
    String user = "Write `k`";
    int perCall =
        (SYSTEM_GENERATE.length() + user.length() + 3) / 4
            + (SimulatedAnswers.answer(user, false).length() + 3) / 4;
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withTpm(perCall + perCall / 2))) {
      assertThat(openAi(llm, user).statusCode(), is(200));
      HttpResponse<String> r = openAi(llm, user);
      assertThat(r.statusCode(), is(429));
      assertThat(json(r).get("error").get("type").asText(), is("tokens"));
      assertThat(
          json(r).get("error").get("message").asText(), containsString("tokens per min (TPM)"));
      assertThat(Long.parseLong(header(r, "retry-after-ms")), greaterThan(0L));
    }
  }

  @Test
  void promptsAboveTheContextLimitAre400InBothFormats() throws Exception {
    String longUser = "x".repeat(400);
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withMaxContextTokens(100))) {
      int tokens = (SYSTEM_GENERATE.length() + longUser.length() + 3) / 4;
      HttpResponse<String> o = openAi(llm, longUser);
      assertThat(o.statusCode(), is(400));
      JsonNode error = json(o).get("error");
      assertThat(error.get("code").asText(), is("context_length_exceeded"));
      assertThat(
          error.get("message").asText(),
          startsWith(
              "This model's maximum context length "
                  + "is 100 tokens. However, your messages resulted in "
                  + tokens
                  + " tokens."));

      HttpResponse<String> a = anthropic(llm, longUser);
      assertThat(a.statusCode(), is(400));
      assertThat(json(a).get("error").get("type").asText(), is("invalid_request_error"));
      assertThat(
          json(a).get("error").get("message").asText(),
          is("prompt is too long: " + tokens + " tokens > 100 maximum"));

      assertThat(openAi(llm, "short").statusCode(), is(200));
    }
  }

  @Test
  void maxTokensCutsTheAnswerAndSaysSo() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      JsonNode o = json(openAi(llm, "k", openAiBody(SYSTEM_GENERATE, INSTRUCTION, 10)));
      assertThat(o.get("choices").get(0).get("finish_reason").asText(), is("length"));
      assertThat(o.get("usage").get("completion_tokens").asInt(), is(10));
      assertThat(o.get("choices").get(0).get("message").get("content").asText().length(), is(40));

      JsonNode a = json(anthropic(llm, "k", anthropicBody(SYSTEM_GENERATE, INSTRUCTION, 10)));
      assertThat(a.get("stop_reason").asText(), is("max_tokens"));
      assertThat(a.get("usage").get("output_tokens").asInt(), is(10));
    }
  }

  @Test
  void recordsAnswersPerPromptKeyUntilReset() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      openAi(llm, "prompt A");
      anthropic(llm, "prompt A");
      openAi(llm, "prompt B");
      SimHttp.get(llm, "/models");

      String a = SimulatedLlmServer.promptKey("prompt A");
      String b = SimulatedLlmServer.promptKey("prompt B");
      assertThat(a, matchesPattern("[0-9a-f]{64}"));
      assertThat(llm.successCountsByPrompt(), is(Map.of(a, 2L, b, 1L)));
      assertThat(llm.requestsByPrompt(), is(Map.of(a, 2L, b, 1L)));
      assertThat(llm.totalRequests(), is(4L));
      assertThat(llm.requestsByStatus(), is(Map.of("200", 4L)));
      long[] times = llm.successTimestampsMillis();
      assertThat(times.length, is(3));
      assertThat(System.currentTimeMillis() - times[0], lessThan(10_000L));
      assertThat(
          llm.successesPerSecond().values().stream().mapToLong(Long::longValue).sum(), is(3L));

      llm.reset();
      assertThat(llm.successCountsByPrompt(), is(anEmptyMap()));
      assertThat(llm.totalRequests(), is(0L));
      assertThat(llm.successTimestampsMillis().length, is(0));
    }
  }

  @Test
  void statsSayWhatWasBilledInEveryAnswersUsageRepeatsIncluded() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      long in = 0;
      long out = 0;
      for (String user : List.of("prompt A", "prompt A", "prompt B")) {
        JsonNode usage = json(openAi(llm, user)).get("usage");
        in += usage.get("prompt_tokens").asLong();
        out += usage.get("completion_tokens").asLong();
      }
      JsonNode anthropicUsage = json(anthropic(llm, "prompt C")).get("usage");
      in += anthropicUsage.get("input_tokens").asLong();
      out += anthropicUsage.get("output_tokens").asLong();

      assertThat(llm.billedTokens(), is(new long[] {in, out}));
      // What a script in another process reads; asking is not an LLM request.
      JsonNode stats =
          json(
              SimHttp.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(llm.baseUrl().replace("/v1", "/sim/stats")))
                      .GET()
                      .build()));
      assertThat(stats.get("answers").asLong(), is(4L));
      assertThat(stats.get("requests").asLong(), is(4L));
      assertThat(stats.get("billed_prompt_tokens").asLong(), is(in));
      assertThat(stats.get("billed_completion_tokens").asLong(), is(out));
      assertThat(llm.totalRequests(), is(4L));
    }
  }

  @Test
  void concurrentCallsOverlapAndEachWaitsTheFixedLatency() throws Exception {
    int calls = 40;
    long latency = 400;
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withLatencyMs(latency))) {
      long start = System.nanoTime();
      List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        futures.add(
            SimHttp.CLIENT.sendAsync(
                SimHttp.openAiRequest(
                    llm,
                    "k",
                    openAiBody(SYSTEM_GENERATE, "prompt " + i, null),
                    Duration.ofSeconds(10)),
                HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : futures) {
        assertThat(f.get().statusCode(), is(200));
      }
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;

      assertThat(elapsedMs, greaterThanOrEqualTo(latency));
      // Served one after another they would take calls * latency = 16 s.
      assertThat(elapsedMs, lessThan(4 * latency));
      assertThat(llm.maxConcurrentRequests(), is(calls));
      assertThat(llm.successCountsByPrompt().size(), is(calls));
    }
  }

  @Test
  void closeStopsTheServerSoItRefusesConnections() throws Exception {
    SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults());
    assertThat(openAi(llm, "x").statusCode(), is(200));
    llm.close();
    llm.close();
    try {
      openAi(llm, "x");
      throw new AssertionError("a closed server answered");
    } catch (java.io.IOException expected) {
      assertThat(llm.baseUrl(), endsWith("/v1"));
    }
  }

  private static String content(HttpResponse<String> r) throws Exception {
    assertThat(r.body(), r.statusCode(), is(200));
    return json(r).get("choices").get(0).get("message").get("content").asText();
  }
}
