package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.hamcrest.Matcher;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both wire formats over real HTTP on loopback: against the simulated provider, and against tiny
 * stub servers for what the simulator does not send (bodies without usage, llama.cpp and vLLM error
 * shapes, header capture).
 */
class LlmClientWireTest {

  static {
    noDelay();
  }

  /**
   * Turns Nagle off for the JDK HTTP servers of this JVM (stubs and the simulator). The server
   * reads the property once, at the first server of the JVM: a test class that starts a stub server
   * before the simulator would otherwise leave Nagle on (40 ms per keep-alive request), so every
   * such class calls this from its static initialiser.
   */
  static void noDelay() {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final String KEY_ENV = "HIPFORGE_WIRE_TEST_KEY";
  private static final String RIGHT_KEY = "sk-wire-right-0123456789abcdefghijklmnop";
  private static final String WRONG_KEY = "sk-wire-wrong-ZYXWVUTSRQPONMLKJIHGFEDCBA";
  private static final ChatRequest HELLO =
      new ChatRequest("You are terse.", "Say hello to the wire test.");

  private static ProviderConfig config(Api api, String baseUrl) {
    return LoopbackProviders.config("wire", api, baseUrl, KEY_ENV);
  }

  private static LlmException fail(ProviderConfig config, String key, ChatRequest request) {
    try (LlmClient client = LlmClient.create(config, key)) {
      return assertThrows(LlmException.class, () -> client.complete(request));
    }
  }

  private static LlmException failAgainst(Api api, SimulatorConfig sim) throws IOException {
    try (SimulatedLlmServer server = SimulatedLlmServer.start(sim)) {
      LlmException e = fail(config(api, server.baseUrl()), RIGHT_KEY, HELLO);
      assertThat("one attempt is one request", server.totalRequests(), is(1L));
      return e;
    }
  }

  // ---------------------------------------------------------------- the simulated provider

  @ParameterizedTest
  @EnumSource(Api.class)
  void successReturnsTextAndUsage(Api api) throws Exception {
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey(RIGHT_KEY));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), RIGHT_KEY)) {
      // The server demands the key in this format's header (Bearer or x-api-key) and, for
      // Anthropic, the anthropic-version header: a 200 proves both arrived in the right form.
      ChatResponse r = client.complete(HELLO);
      assertThat(r.text().isBlank(), is(false));
      assertThat(r.inputTokens(), greaterThan(0L));
      assertThat(r.outputTokens(), greaterThan(0L));
      assertThat(r.rateLimits(), notNullValue());
      assertThat(
          server.successCountsByPrompt().get(SimulatedLlmServer.promptKey(HELLO.user())), is(1L));
      assertThat(server.totalRequests(), is(1L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void sendsTheAuthHeadersOfItsWireFormat(Api api) throws Exception {
    try (StubServer stub = new StubServer(i -> okBody(api, true))) {
      try (LlmClient client = LlmClient.create(config(api, stub.baseUrl()), RIGHT_KEY)) {
        assertThat(client.complete(HELLO).text(), is("stub answer"));
      }
      StubServer.Seen seen = stub.seen.get(0);
      assertThat(seen.method, is("POST"));
      if (api == Api.OPENAI) {
        assertThat(seen.path, is("/v1/chat/completions"));
        assertThat(seen.headers.get("authorization"), is("Bearer " + RIGHT_KEY));
        assertThat(seen.headers.get("x-api-key"), nullValue());
        assertThat(seen.headers.get("anthropic-version"), nullValue());
      } else {
        assertThat(seen.path, is("/v1/messages"));
        assertThat(seen.headers.get("x-api-key"), is(RIGHT_KEY));
        assertThat(seen.headers.get("anthropic-version"), is("2023-06-01"));
        assertThat(seen.headers.get("authorization"), nullValue());
      }
      assertThat(seen.headers.get("content-type"), startsWith("application/json"));
      assertThat(seen.body, containsString("\"model\":\"test-model\""));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void keylessClientSendsNoAuthHeader(Api api) throws Exception {
    try (StubServer stub = new StubServer(i -> okBody(api, true))) {
      try (LlmClient client = LlmClient.create(config(api, stub.baseUrl()), null)) {
        client.complete(HELLO);
      }
      Map<String, String> h = stub.seen.get(0).headers;
      assertThat(h.get("authorization"), nullValue());
      assertThat(h.get("x-api-key"), nullValue());
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void wrongOrAbsentKeyIsAuthNamingTheVariableNeverTheKey(Api api) throws Exception {
    try (SimulatedLlmServer server =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey(RIGHT_KEY))) {
      ProviderConfig c = config(api, server.baseUrl());
      for (String key : new String[] {WRONG_KEY, null}) {
        LlmException e = fail(c, key, HELLO);
        assertThat(e.category(), is(ErrorCategory.AUTH));
        assertThat(e.http().status(), is(401));
        assertThat(e.category().retryable(), is(false));
        assertThat(e.getMessage(), containsString(KEY_ENV));
        assertThat(e.toErrorMsg(), startsWith("auth: "));
        assertThat(
            e.toErrorMsg(), allOf(not(containsString(WRONG_KEY)), not(containsString(RIGHT_KEY))));
      }
      assertThat(server.requestsByStatus().get("401"), is(2L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void rateLimitIsRateLimitedWithTheServersRetryAfter(Api api) throws Exception {
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withRpm(1));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), RIGHT_KEY)) {
      ChatResponse first = client.complete(HELLO);
      // One request per minute, one used: the headers say none are left.
      assertThat(first.rateLimits().requests().remaining(), is(0L));
      LlmException e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.RATE_LIMITED));
      assertThat(e.http().status(), is(429));
      assertThat(e.category().retryable(), is(true));
      // The next request slot is a minute away: retry-after-ms (OpenAI) or retry-after in
      // whole seconds (Anthropic) says so.
      assertThat(
          e.http().retryAfterMillis(), allOf(greaterThan(55_000L), lessThanOrEqualTo(60_000L)));
      assertThat(server.requestsByStatus().get("429"), is(1L));
    }
  }

  /**
   * A fault the simulator sends every time, what one request against it fails with, what it says.
   */
  static Stream<Arguments> simulatedFaults() {
    SimulatorConfig sim = SimulatorConfig.defaults();
    List<Arguments> args = new ArrayList<>();
    for (Api api : Api.values()) {
      args.add(
          Arguments.of(
              api,
              "HTTP 500",
              sim.withFaultRate(Fault.HTTP_500, 1.0),
              ErrorCategory.SERVER_ERROR,
              500,
              containsString("HTTP 500")));
      args.add(
          Arguments.of(
              api,
              "HTTP 502",
              sim.withFaultRate(Fault.HTTP_502, 1.0),
              ErrorCategory.SERVER_ERROR,
              502,
              containsString("HTTP 502")));
      args.add(
          Arguments.of(
              api,
              "HTTP 503",
              sim.withFaultRate(Fault.HTTP_503, 1.0),
              ErrorCategory.SERVER_ERROR,
              503,
              containsString("HTTP 503")));
      args.add(
          Arguments.of(
              api,
              "HTTP 529",
              sim.withFaultRate(Fault.HTTP_529, 1.0),
              ErrorCategory.OVERLOADED,
              529,
              containsString("")));
      args.add(
          Arguments.of(
              api,
              "a dropped connection",
              sim.withFaultRate(Fault.DROP, 1.0),
              ErrorCategory.CONNECTION,
              0,
              containsString("")));
      args.add(
          Arguments.of(
              api,
              "HTML with status 200",
              sim.withFaultRate(Fault.HTML, 1.0),
              ErrorCategory.BAD_RESPONSE,
              200,
              allOf(containsString("not JSON"), containsString("502 Bad Gateway"))));
    }
    return args.stream();
  }

  /** Every such fault is retryable; only a transport failure (no HTTP status) carries a cause. */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("simulatedFaults")
  void aSimulatedFaultGetsItsRetryableCategory(
      Api api,
      String fault,
      SimulatorConfig sim,
      ErrorCategory category,
      int status,
      Matcher<String> message)
      throws Exception {
    LlmException e = failAgainst(api, sim);
    assertThat(e.category(), is(category));
    assertThat(e.http().status(), is(status));
    assertThat(e.category().retryable(), is(true));
    assertThat(e.getMessage(), message);
    assertThat("the cause is kept", e.getCause() != null, is(status == 0));
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void answerSlowerThanTheTimeoutIsTimeout(Api api) throws Exception {
    try (SimulatedLlmServer server =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withFaultRate(Fault.SLOW, 1.0).withSlowMs(3000))) {
      ProviderConfig c = config(api, server.baseUrl()).withTimeoutS(1);
      long start = System.nanoTime();
      LlmException e = fail(c, RIGHT_KEY, HELLO);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(e.category(), is(ErrorCategory.TIMEOUT));
      assertThat(e.category().retryable(), is(true));
      assertThat(e.getMessage(), containsString("1 s"));
      assertThat(
          "gave up at the timeout, not when the server answered",
          millis,
          allOf(greaterThanOrEqualTo(900L), lessThan(2_900L)));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void promptLongerThanTheContextIsContextLengthAndFinal(Api api) throws Exception {
    ChatRequest huge = new ChatRequest("You are terse.", "x".repeat(4_000));
    try (SimulatedLlmServer server =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withMaxContextTokens(100))) {
      LlmException e = fail(config(api, server.baseUrl()), RIGHT_KEY, huge);
      assertThat(e.category(), is(ErrorCategory.CONTEXT_LENGTH));
      assertThat(e.http().status(), is(400));
      assertThat(e.category().retryable(), is(false));
      assertThat(server.requestsByStatus().get("400"), is(1L));
      // A short prompt to the same server still passes: the 400 was about length.
      try (LlmClient client = LlmClient.create(config(api, server.baseUrl()), RIGHT_KEY)) {
        assertThat(client.complete(HELLO).text().isBlank(), is(false));
      }
    }
  }

  // ------------------------------------------------- OpenAI-compatible servers (stub servers)

  @Test
  void openAiCompatibleAnswerWithoutUsageGivesMinusOneTokens() throws Exception {
    String[] bodies = {
      // vLLM / Ollama style: no usage at all, compact JSON
      "{\"id\":\"cmpl-1\",\"object\":\"chat.completion\",\"model\":\"local\",\"choices\":[{\"index\":0,"
          + "\"message\":{\"role\":\"assistant\",\"content\":\"local answer\"},\"finish_reason\":\"stop\"}]}",
      // usage present but null
      "{\"choices\":[{\"message\":{\"content\":\"local answer\"}}],\"usage\":null}",
      // usage without the fields
      "{\"choices\":[{\"message\":{\"content\":\"local answer\"}}],\"usage\":{}}",
    };
    try (StubServer stub = new StubServer(i -> StubServer.json(200, bodies[i % bodies.length]));
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), null)) {
      for (int i = 0; i < bodies.length; i++) {
        ChatResponse r = client.complete(HELLO);
        assertThat(r.text(), is("local answer"));
        assertThat(r.inputTokens(), is(-1L));
        assertThat(r.outputTokens(), is(-1L));
        assertThat(r.rateLimits().requests().remaining(), is(-1L));
      }
      assertThat(stub.seen.size(), is(bodies.length));
    }
  }

  @Test
  void baseUrlWithoutVersionGetsV1() throws Exception {
    try (StubServer stub = new StubServer(i -> okBody(Api.OPENAI, false));
        LlmClient client =
            LlmClient.create(config(Api.OPENAI, stub.baseUrl().replace("/v1", "/")), null)) {
      client.complete(HELLO);
      assertThat(stub.seen.get(0).path, is("/v1/chat/completions"));
    }
  }

  @Test
  void llamaCppStyleErrorBodiesParse() throws Exception {
    List<StubServer.Reply> replies =
        List.of(
            StubServer.json(500, "{\"error\": \"llama runner process has terminated\"}"),
            StubServer.json(
                503,
                "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"),
            StubServer.json(
                404, "{\"error\": \"model \\\"qwen\\\" not found, try pulling it first\"}"),
            StubServer.json(
                422,
                "{\"object\":\"error\",\"message\":\"temperature must be >= 0\",\"type\":\"BadRequestError\",\"code\":422}"),
            StubServer.json(400, "{\"error\": \"invalid message role\"}"));
    try (StubServer stub = new StubServer(replies::get);
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), null)) {
      LlmException e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.SERVER_ERROR));
      assertThat(e.getMessage(), containsString("llama runner process has terminated"));

      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.SERVER_ERROR));
      assertThat(e.getMessage(), containsString("Loading model"));

      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(
          "a model the server does not have: every call would fail",
          e.category(),
          is(ErrorCategory.ENDPOINT));
      assertThat(e.getMessage(), containsString("model \"qwen\" not found"));

      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.UNPROCESSABLE));
      assertThat(e.getMessage(), containsString("temperature must be >= 0"));

      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.BAD_REQUEST));
      assertThat(e.category().retryable(), is(false));
      assertThat(e.getMessage(), containsString("invalid message role"));
    }
  }

  @Test
  void contextErrorsOfOpenAiCompatibleServersAreContextLength() throws Exception {
    List<StubServer.Reply> replies =
        List.of(
            // vLLM: a top-level message
            StubServer.json(
                400,
                "{\"object\":\"error\",\"message\":\"This model's maximum context length is "
                    + "4096 tokens. However, you requested 5000 tokens.\",\"type\":\"BadRequestError\",\"param\":null,"
                    + "\"code\":400}"),
            // llama.cpp server
            StubServer.json(
                400,
                "{\"error\":{\"code\":400,\"message\":\"request (4476 tokens) exceeds the "
                    + "available context size (4096 tokens)\",\"type\":\"exceed_context_size_error\","
                    + "\"n_prompt_tokens\":4476,\"n_ctx\":4096}}"),
            // older llama.cpp / text servers: {"error": "text"}
            StubServer.json(
                400, "{\"error\": \"the prompt is too long: context length exceeded\"}"),
            // OpenAI: the code says it
            StubServer.json(
                400,
                "{\"error\":{\"message\":\"Too long.\",\"type\":\"invalid_request_error\","
                    + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));
    try (StubServer stub = new StubServer(replies::get);
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), null)) {
      for (int i = 0; i < replies.size(); i++) {
        LlmException e = assertThrows(LlmException.class, () -> client.complete(HELLO));
        assertThat(
            "reply " + i + ": " + e.getMessage(), e.category(), is(ErrorCategory.CONTEXT_LENGTH));
        assertThat(e.category().retryable(), is(false));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void htmlErrorPageFromAProxyGivesItsText(Api api) throws Exception {
    StubServer.Reply page =
        new StubServer.Reply(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
                + "<hr>nginx</body></html>",
            Map.of());
    try (StubServer stub = new StubServer(i -> page)) {
      LlmException e = fail(config(api, stub.baseUrl()), RIGHT_KEY, HELLO);
      assertThat(e.category(), is(ErrorCategory.SERVER_ERROR));
      assertThat(e.getMessage(), containsString("502 Bad Gateway"));
      assertThat(e.getMessage(), not(containsString("<h1>")));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void retryAfterHeaderFormsAreRead(Api api) throws Exception {
    List<StubServer.Reply> replies =
        List.of(
            new StubServer.Reply(
                429,
                "application/json",
                "{\"error\":{\"message\":\"slow down\"}}",
                Map.of("retry-after", "7")),
            new StubServer.Reply(
                429,
                "application/json",
                "{\"error\":{\"message\":\"slow down\"}}",
                Map.of("retry-after", "7", "retry-after-ms", "1250")),
            new StubServer.Reply(
                529,
                "application/json",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
                Map.of()));
    try (StubServer stub = new StubServer(replies::get);
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), RIGHT_KEY)) {
      LlmException e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.RATE_LIMITED));
      assertThat(e.http().retryAfterMillis(), is(7_000L));
      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat("retry-after-ms is the more precise", e.http().retryAfterMillis(), is(1_250L));
      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
      assertThat(e.category(), is(ErrorCategory.OVERLOADED));
      assertThat(e.http().retryAfterMillis(), is(-1L));
      assertThat(e.getMessage(), containsString("Overloaded"));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void emptyAnswerIsEmptyAnswerAndFinal(Api api) throws Exception {
    String body =
        api == Api.OPENAI
            ? "{\"choices\":[{\"message\":{\"content\":\"  \"},\"finish_reason\":\"stop\"}]}"
            : "{\"content\":[],\"stop_reason\":\"end_turn\"}";
    try (StubServer stub = new StubServer(i -> StubServer.json(200, body))) {
      LlmException e = fail(config(api, stub.baseUrl()), RIGHT_KEY, HELLO);
      assertThat(e.category(), is(ErrorCategory.EMPTY_ANSWER));
      assertThat(e.category().retryable(), is(false));
    }
  }

  // ------------------------------------------------------------------------------ helpers

  /** A 200 answering "stub answer" in {@code api}'s shape, with or without usage. */
  static StubServer.Reply okBody(Api api, boolean withUsage) {
    if (api == Api.OPENAI) {
      return StubServer.json(
          200,
          "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
              + "\"stub answer\"},\"finish_reason\":\"stop\"}]"
              + (withUsage ? ",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}" : "")
              + "}");
    }
    return StubServer.json(
        200,
        "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
            + "\"stub answer\"}],\"stop_reason\":\"end_turn\""
            + (withUsage ? ",\"usage\":{\"input_tokens\":12,\"output_tokens\":3}" : "")
            + "}");
  }

  /** A loopback server answering request i with {@code replies.apply(i)} and recording requests. */
  /** OpenAI's body when the account's spend cap or free credit is used up. */
  static final String OPENAI_INSUFFICIENT_QUOTA =
      "{\n  \"error\": {\n    \"message\": \"You exceeded your current quota, "
          + "please check your plan and billing details. For more information on this error, read the docs: "
          + "https://platform.openai.com/docs/guides/error-codes/api-errors.\",\n    \"type\": \"insufficient_quota\",\n"
          + "    \"param\": null,\n    \"code\": \"insufficient_quota\"\n  }\n}\n";

  /** Anthropic's body when the organization's prepaid credit is used up. */
  static final String ANTHROPIC_CREDIT_TOO_LOW =
      "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
          + "\"message\":\"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
          + "upgrade or purchase credits.\"},\"request_id\":\"req_011CQaxxxxxxxxxxxxxxxxxx\"}";

  /** OpenAI's body for a plain rate limit: a 429 that is not about quota. */
  static final String OPENAI_RATE_LIMIT =
      "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization "
          + "org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.\",\"type\":\"requests\",\"param\":null,"
          + "\"code\":\"rate_limit_exceeded\"}}";

  private static LlmException failWith(Api api, StubServer.Reply reply) throws Exception {
    try (StubServer stub = new StubServer(i -> reply);
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), RIGHT_KEY)) {
      return assertThrows(LlmException.class, () -> client.complete(HELLO));
    }
  }

  @Test
  void openAisInsufficientQuota429IsQuotaNotARateLimit() throws Exception {
    LlmException e = failWith(Api.OPENAI, StubServer.json(429, OPENAI_INSUFFICIENT_QUOTA));
    assertThat(e.category(), is(ErrorCategory.QUOTA));
    assertThat(e.category().retryable(), is(false));
    assertThat(e.category().runStop(false), is(CallGate.Kind.QUOTA));
    assertThat(e.getMessage(), containsString("You exceeded your current quota"));
  }

  @Test
  void aPlainOpenAiRateLimitStaysRateLimited() throws Exception {
    LlmException e = failWith(Api.OPENAI, StubServer.json(429, OPENAI_RATE_LIMIT));
    assertThat(e.category(), is(ErrorCategory.RATE_LIMITED));
    assertThat(e.category().runStop(true), is(nullValue()));
  }

  @Test
  void anthropicsCreditBalanceTooLowIsQuotaNotABadRequest() throws Exception {
    LlmException e = failWith(Api.ANTHROPIC, StubServer.json(400, ANTHROPIC_CREDIT_TOO_LOW));
    assertThat(e.category(), is(ErrorCategory.QUOTA));
    assertThat(e.getMessage(), containsString("credit balance is too low"));
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void status402IsQuota(Api api) throws Exception {
    LlmException e =
        failWith(api, StubServer.json(402, "{\"error\":{\"message\":\"Payment Required\"}}"));
    assertThat(e.category(), is(ErrorCategory.QUOTA));
    assertThat(e.http().status(), is(402));
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void status404And405AreEndpointAndNameTheUrl(Api api) throws Exception {
    for (int status : new int[] {404, 405}) {
      LlmException e =
          failWith(
              api,
              new StubServer.Reply(
                  status, "text/html", "<html><body>Not Found</body></html>", Map.of()));
      assertThat(e.category(), is(ErrorCategory.ENDPOINT));
      assertThat(e.category().retryable(), is(false));
      assertThat(e.category().runStop(false), is(CallGate.Kind.ENDPOINT));
      assertThat(e.getMessage(), containsString("POST http://127.0.0.1:"));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void nothingListeningIsUnreachableRetryableAndStopsOnlyAfterTheRetries(Api api) throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    String base = "http://127.0.0.1:" + port + "/v1";
    LlmException e;
    try (LlmClient client = LlmClient.create(config(api, base), RIGHT_KEY)) {
      e = assertThrows(LlmException.class, () -> client.complete(HELLO));
    }
    assertThat(e.category(), is(ErrorCategory.UNREACHABLE));
    assertThat(e.category().retryable(), is(true));
    assertThat(e.category().runStop(false), is(nullValue()));
    assertThat(e.category().runStop(true), is(CallGate.Kind.ENDPOINT));
    assertThat(e.getMessage(), containsString("cannot connect to " + base));
  }

  static final class StubServer implements AutoCloseable {
    record Reply(int status, String contentType, String body, Map<String, String> headers) {}

    static Reply json(int status, String body) {
      return new Reply(status, "application/json", body, Map.of());
    }

    static final class Seen {
      final String method;
      final String path;
      final Map<String, String> headers;
      final String body;

      Seen(String method, String path, Map<String, String> headers, String body) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.body = body;
      }
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpServer http;
    private final AtomicInteger count = new AtomicInteger();

    StubServer(IntFunction<Reply> replies) throws IOException {
      http = LoopbackProviders.serve(ex -> answer(ex, replies));
    }

    private void answer(HttpExchange ex, IntFunction<Reply> replies) throws IOException {
      String body;
      try (InputStream in = ex.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
      seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(), headers, body));
      Reply r = replies.apply(count.getAndIncrement());
      byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    }

    String baseUrl() {
      return LoopbackProviders.baseUrl(http);
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }
}
