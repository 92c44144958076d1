package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.io.llm.RetryingCallerTest.CountingListener;
import org.hipforge.io.llm.RetryingCallerTest.FakeTime;
import org.hipforge.llmsim.ProviderQuirks;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The retry rules of the official SDKs (409, {@code x-should-retry} both ways), patience for a
 * loading model, the retry-after cap, a body that trickles past the timeout, and the transport's
 * refusals (redirects, huge answers, an echoed key), over loopback HTTP against the simulator's
 * {@link ProviderQuirks} or a scripted stub. Backoffs use fake time unless the server's own clock
 * (a loading model, a trickling body) needs real seconds, and then only a few.
 */
class RetryRulesTest {

  static {
    LlmClientWireTest.noDelay();
  }

  private static final String KEY = "sk-rules-test-0123456789abcdefghijKLMN";
  private static final ChatRequest TASK =
      new ChatRequest("You are terse.", "Describe kernel vecAdd of the rules test.");

  /** Remembers what the caller said it waits for. */
  static final class NotingListener implements RetryingCaller.Listener {
    final List<String> waits = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void waiting(String what) {
      waits.add(what);
    }
  }

  private static ProviderConfig config(Api api, String baseUrl) {
    return LoopbackProviders.config("rules", api, baseUrl, "HIPFORGE_RULES_TEST_KEY");
  }

  private static RetryingCaller caller(
      LlmClient client,
      int attempts,
      RetryRules rules,
      RateLimiter.Sleeper sleeper,
      RetryingCaller.Listener listener,
      CallGate gate) {
    // The limiter's pauses (a retry-after) must pass on the same clock the sleeper advances.
    RateLimiter.Clock clock =
        sleeper instanceof FakeTime ? (FakeTime) sleeper : RateLimiter.SYSTEM_CLOCK;
    return new RetryingCaller(
        client,
        new RateLimiter(0, 0, clock, sleeper),
        new RetryingCaller.Policy(attempts, 1024, rules),
        sleeper,
        listener,
        gate);
  }

  /** A stub provider answering the scripted replies in turn (the last one repeats). */
  private static final class Scripted implements AutoCloseable {
    record Answer(int status, String body, String... headers) {}

    final AtomicInteger requests = new AtomicInteger();
    final HttpServer http;

    Scripted(Answer... answers) throws IOException {
      http =
          LoopbackProviders.serve(
              ex -> {
                ex.getRequestBody().readAllBytes();
                Answer a = answers[Math.min(requests.getAndIncrement(), answers.length - 1)];
                for (int i = 0; i < a.headers().length; i += 2) {
                  ex.getResponseHeaders().set(a.headers()[i], a.headers()[i + 1]);
                }
                LoopbackProviders.reply(ex, a.status(), "application/json", a.body());
              });
    }

    String baseUrl() {
      return LoopbackProviders.baseUrl(http);
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }

  private static final String OK =
      "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"test-model\",\"choices\":[{"
          + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Write a HIP kernel.\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
  private static final String BAD =
      "{\"error\":{\"message\":\"Invalid value for temperature\",\"type\":"
          + "\"invalid_request_error\",\"param\":null,\"code\":null}}";

  // ------------------------------------------------------------------ the SDKs' rules

  @ParameterizedTest
  @EnumSource(Api.class)
  void a409IsRetriedLikeTheOfficialSdksDoAndEveryTaskSucceeds(Api api) throws Exception {
    FakeTime time = new FakeTime();
    CountingListener listener = new CountingListener();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults()
                    .withSeed(3)
                    .withQuirks(ProviderQuirks.none().withConflictRate(0.4)));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      RetryingCaller caller =
          caller(client, 8, RetryRules.DEFAULTS, time, listener, CallGate.standalone());
      for (int i = 0; i < 20; i++) {
        RetryingCaller.Outcome o =
            caller.call(new ChatRequest("s", "Describe kernel k" + i + " of the 409 test."));
        assertThat(o.ok(), is(true));
      }
      assertThat(server.requestsByStatus().get("409"), greaterThan(0L));
      assertThat(
          listener.retried.get(ErrorCategory.CONFLICT),
          is(server.requestsByStatus().get("409").intValue()));
    }
  }

  @Test
  void xShouldRetryFalseIsNeverRetriedEvenOnA500() throws Exception {
    FakeTime time = new FakeTime();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults()
                    .withFaultRate(Fault.HTTP_500, 1.0)
                    .withQuirks(ProviderQuirks.none().withShouldRetry("false")));
        LlmClient client = LlmClient.create(config(Api.OPENAI, server.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, time, null, CallGate.standalone()).call(TASK);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.SERVER_ERROR));
      assertThat(o.error().http().shouldRetry(), is(false));
      assertThat(o.attempts(), is(1));
      assertThat(server.totalRequests(), is(1L));
    }
  }

  @Test
  void xShouldRetryTrueRetriesEvenA400ThatIsOtherwiseFinal() throws Exception {
    FakeTime time = new FakeTime();
    try (Scripted stub =
            new Scripted(
                new Scripted.Answer(400, BAD, "x-should-retry", "true"),
                new Scripted.Answer(200, OK));
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, time, null, CallGate.standalone()).call(TASK);
      assertThat(o.ok(), is(true));
      assertThat(o.attempts(), is(2));
    }
    try (Scripted stub = new Scripted(new Scripted.Answer(400, BAD));
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, time, null, CallGate.standalone()).call(TASK);
      assertThat("without the header a 400 is final", o.attempts(), is(1));
      assertThat(o.error().category(), is(ErrorCategory.BAD_REQUEST));
    }
  }

  // ------------------------------------------------------------------ a loading model

  /**
   * One call of {@code TASK} to {@code server} (OpenAI) with {@code attempts} and the default rules
   * but a {@code retry_budget_s} of {@code budgetS}, waiting on {@code sleeper}.
   */
  private static RetryingCaller.Outcome callWithBudget(
      SimulatedLlmServer server,
      int attempts,
      int budgetS,
      RateLimiter.Sleeper sleeper,
      RetryingCaller.Listener listener)
      throws Exception {
    RetryRules rules = new RetryRules(budgetS, 300, 1, 512 * 1024);
    try (LlmClient client = LlmClient.create(config(Api.OPENAI, server.baseUrl()), KEY)) {
      return caller(client, attempts, rules, sleeper, listener, CallGate.standalone()).call(TASK);
    }
  }

  @Test
  void aModelLoadingLongerThanMaxAttemptsLastIsWaitedOutAndEachWaitIsSaid() throws Exception {
    NotingListener listener = new NotingListener();
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withLoadingMs(2_500))) {
      // Two attempts would give up after ~0.5 s; the budget of 30 s of waits outlasts the load.
      RetryingCaller.Outcome o =
          callWithBudget(server, 2, 30, RateLimiter.SYSTEM_SLEEPER, listener);
      assertThat(o.ok(), is(true));
      assertThat(o.attempts(), greaterThan(2));
      assertThat(server.requestsByStatus().get("503"), is((long) o.attempts() - 1));
      assertThat(listener.waits.size(), greaterThanOrEqualTo(1));
      assertThat(listener.waits.get(0), containsString("Loading model"));
      assertThat(listener.waits.get(0), containsString("of retry_budget_s 30 s used"));
    }
  }

  @Test
  void aModelStillLoadingWhenTheBudgetIsUsedFailsAsServerError() throws Exception {
    FakeTime time = new FakeTime();
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withLoadingMs(600_000))) {
      RetryingCaller.Outcome o = callWithBudget(server, 3, 20, time, null);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.SERVER_ERROR));
      long waited = time.sleptMillis.stream().mapToLong(Long::longValue).sum();
      assertThat("the budget was used before giving up", waited, greaterThanOrEqualTo(20_000L));
      assertThat(
          "each wait of a 503 at most 8 s",
          time.sleptMillis.stream().mapToLong(Long::longValue).max().orElse(0),
          org.hamcrest.Matchers.lessThanOrEqualTo(8_000L));
    }
  }

  // ------------------------------------------------------------------ retry-after

  @Test
  void aRetryAfterAboveTheCapStopsTheRunAndSaysHowLong() throws Exception {
    NotingListener listener = new NotingListener();
    FakeTime time = new FakeTime();
    CallGate run = CallGate.standalone();
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withDailyLimit(0, 86_400));
        LlmClient client = LlmClient.create(config(Api.OPENAI, server.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, time, listener, run.child()).call(TASK);
      assertThat("no answer and no final error: the task stays pending", o.stopped(), is(true));
      assertThat(server.totalRequests(), is(1L));
      assertThat(time.sleptMillis.isEmpty(), is(true));
      assertThat(run.stop().kind(), is(CallGate.Kind.WAIT));
      assertThat(run.stop().reason(), containsString("asks to wait 86400 s (24.0 h)"));
      assertThat(run.stop().reason(), containsString("more than max_retry_after_s 300 s"));
      assertThat(run.stop().reason(), containsString("requests per day"));
      assertThat(listener.waits, hasItem(containsString("86400 s")));
    }
  }

  @Test
  void aRetryAfterUnderTheCapIsWaitedInFullAndSaid() throws Exception {
    NotingListener listener = new NotingListener();
    FakeTime time = new FakeTime();
    try (Scripted stub =
            new Scripted(
                new Scripted.Answer(
                    429, "{\"error\":{\"message\":\"Rate limit reached\"}}", "retry-after", "120"),
                new Scripted.Answer(200, OK));
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, time, listener, CallGate.standalone()).call(TASK);
      assertThat(o.ok(), is(true));
      assertThat(time.sleptMillis, hasItem(greaterThanOrEqualTo(120_000L)));
      assertThat(listener.waits, hasItem(containsString("asks to wait 120.0 s (retry-after)")));
    }
  }

  // ------------------------------------------------------------------ a body past the timeout

  @Test
  void aBodyTricklingPastTheTimeoutIsRetriedOnceAndNamedAfterHeaders() throws Exception {
    CountingListener listener = new CountingListener();
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withTrickle(1.0, 3_000));
        LlmClient client =
            LlmClient.create(config(Api.OPENAI, server.baseUrl()).withTimeoutS(1), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, new FakeTime(), listener, CallGate.standalone())
              .call(TASK);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.TIMEOUT));
      assertThat(o.error().http().afterHeaders(), is(true));
      assertThat(o.error().toErrorMsg(), containsString("timeout: after headers:"));
      assertThat("one retry: each try is a new paid generation", o.attempts(), is(2));
      assertThat(listener.sent.get(), is(2));
    }
  }

  @Test
  void aBodyTimeoutIsNotRetriedWhenTheConfigAllowsNone() throws Exception {
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withTrickle(1.0, 3_000));
        LlmClient client =
            LlmClient.create(config(Api.ANTHROPIC, server.baseUrl()).withTimeoutS(1), KEY)) {
      RetryingCaller.Outcome o =
          caller(
                  client,
                  6,
                  new RetryRules(120, 300, 0, 512 * 1024),
                  new FakeTime(),
                  null,
                  CallGate.standalone())
              .call(TASK);
      assertThat(o.error().http().afterHeaders(), is(true));
      assertThat(o.attempts(), is(1));
    }
  }

  // ------------------------------------------------------------------ transport refusals

  @ParameterizedTest
  @EnumSource(Api.class)
  void aRedirectIsAFinalEndpointErrorAndNeitherKeyNorPromptReachesTheOtherOrigin(Api api)
      throws Exception {
    CallGate run = CallGate.standalone();
    try (SimulatedLlmServer target = SimulatedLlmServer.start(SimulatorConfig.defaults());
        SimulatedLlmServer server =
            quirky(ProviderQuirks.none().withRedirectTo("http://127.0.0.1:" + target.port()));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, new FakeTime(), null, run.child()).call(TASK);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.ENDPOINT));
      assertThat(o.error().getMessage(), containsString("HTTP 307"));
      assertThat(
          o.error().getMessage(),
          containsString("redirects to http://127.0.0.1:" + target.port() + "/v1/"));
      assertThat(run.stop().kind(), is(CallGate.Kind.ENDPOINT));
      assertThat(server.totalRequests(), is(1L));
      assertThat(
          "the other origin saw no request: no key, no prompt", target.totalRequests(), is(0L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aTenMegabyteAnswerIsRefusedAsTooLargeNotReadAndNotRetried(Api api) throws Exception {
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withAnswerBytes(10 << 20));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()).withTimeoutS(20), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, 6, RetryRules.DEFAULTS, new FakeTime(), null, CallGate.standalone())
              .call(TASK);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.TOO_LARGE_ANSWER));
      assertThat(o.error().toErrorMsg(), containsString("too_large_answer: the answer of rules-"));
      assertThat(o.error().getMessage(), containsString("larger than max_answer_bytes 524288"));
      assertThat(o.attempts(), is(1));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void aKeyEchoedInsideAnAnswerIsReplacedByRedacted(Api api) throws Exception {
    try (SimulatedLlmServer server = quirky(ProviderQuirks.none().withEchoKey(true));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      ChatResponse r = client.complete(TASK);
      assertThat(r.text(), containsString("Your key is <redacted>."));
      assertThat(r.text(), not(containsString(KEY)));
    }
  }

  @Test
  void theRetryRulesComeFromTheConfigWithTheirDefaults() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper m =
        new com.fasterxml.jackson.databind.ObjectMapper();
    ProviderConfig d =
        ProviderConfig.fromJson(
            m.readTree("{\"p\":{\"base_url\":\"http://127.0.0.1:1/v1\"," + "\"model\":\"m\"}}"),
            "p",
            "config.json");
    assertThat(d.retryRules(), is(RetryRules.DEFAULTS));
    ProviderConfig c =
        ProviderConfig.fromJson(
            m.readTree(
                "{\"p\":{\"base_url\":\"http://127.0.0.1:1/v1\","
                    + "\"model\":\"m\",\"retry_budget_s\":30,\"max_retry_after_s\":60,\"body_timeout_retries\":0,"
                    + "\"max_answer_bytes\":2048}}"),
            "p",
            "config.json");
    assertThat(c.retryRules(), is(new RetryRules(30, 60, 0, 2048)));
    IOException typo =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class,
            () ->
                ProviderConfig.fromJson(
                    m.readTree(
                        "{\"p\":{\"base_url\":\"http://127.0.0.1:1/v1\",\"model\":\"m\",\"retry_budget\":30}}"),
                    "p",
                    "config.json"));
    assertThat(typo.getMessage(), containsString("did you mean \"retry_budget_s\""));
    assertThat(ErrorCategory.ofStatus(409), is(ErrorCategory.CONFLICT));
    assertThat(ErrorCategory.ofStatus(307).runStop(false), is(CallGate.Kind.ENDPOINT));
    assertThat(ErrorAnswers.shouldRetry("yes"), nullValue());
  }

  /** A simulated provider with {@code quirks} and nothing else. */
  private static SimulatedLlmServer quirky(ProviderQuirks quirks) throws IOException {
    return SimulatedLlmServer.start(SimulatorConfig.defaults().withQuirks(quirks));
  }
}
