package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RetryingCaller} against the simulated provider over loopback HTTP. Time is fake: the
 * sleepers record what they were asked to wait and advance a fake clock, so backoffs of many
 * seconds cost nothing and can be asserted exactly.
 */
class RetryingCallerTest {

  static {
    LlmClientWireTest.noDelay();
  }

  private static final String KEY = "sk-retry-test-0123456789abcdefghij";

  /**
   * A fake monotonic clock whose sleeps record the request and advance it; {@link #other()} is a
   * second sleeper on the same clock that records separately (the limiter's waits apart from the
   * caller's backoffs).
   */
  static final class FakeTime implements RateLimiter.Clock, RateLimiter.Sleeper {
    final AtomicLong now;
    final List<Long> sleptMillis = Collections.synchronizedList(new ArrayList<>());

    FakeTime() {
      this(new AtomicLong(1_000_000_000L));
    }

    private FakeTime(AtomicLong now) {
      this.now = now;
    }

    FakeTime other() {
      return new FakeTime(now);
    }

    @Override
    public long nanos() {
      return now.get();
    }

    @Override
    public void sleep(long nanos) {
      sleptMillis.add(TimeUnit.NANOSECONDS.toMillis(nanos));
      now.addAndGet(nanos);
    }
  }

  /** Counts what the caller reports. */
  static final class CountingListener implements RetryingCaller.Listener {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger rateLimited = new AtomicInteger();
    final Map<ErrorCategory, Integer> retried =
        Collections.synchronizedMap(new EnumMap<>(ErrorCategory.class));

    @Override
    public void sent() {
      sent.incrementAndGet();
    }

    @Override
    public void retried(ErrorCategory category) {
      retried.merge(category, 1, Integer::sum);
    }

    @Override
    public void rateLimited() {
      rateLimited.incrementAndGet();
    }
  }

  /** Remembers every failure the real client threw, to compare with what the caller did. */
  static final class RecordingClient implements LlmClient {
    final LlmClient delegate;
    final List<LlmException> failures = Collections.synchronizedList(new ArrayList<>());

    RecordingClient(LlmClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public ChatResponse complete(ChatRequest request) throws LlmException {
      try {
        return delegate.complete(request);
      } catch (LlmException e) {
        failures.add(e);
        throw e;
      }
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static ProviderConfig config(Api api, String baseUrl) {
    return LoopbackProviders.config("retry", api, baseUrl, "HIPFORGE_RETRY_TEST_KEY");
  }

  /** A caller that paces nothing and sleeps on {@code time}, stopping when {@code gate} closes. */
  static RetryingCaller caller(LlmClient client, FakeTime time, int attempts, CallGate gate) {
    return caller(client, new RateLimiter(0, 0, time, time), attempts, time, null, gate);
  }

  /** A caller of {@code attempts} attempts with the default max_tokens and retry rules. */
  private static RetryingCaller caller(
      LlmClient client,
      RateLimiter limiter,
      int attempts,
      RateLimiter.Sleeper sleeper,
      RetryingCaller.Listener listener,
      CallGate gate) {
    return new RetryingCaller(
        client,
        limiter,
        new RetryingCaller.Policy(attempts, 1024, RetryRules.DEFAULTS),
        sleeper,
        listener,
        gate);
  }

  private static ChatRequest task(int i) {
    return new ChatRequest("You are terse.", "Write program number " + i + " of the retry test.");
  }

  // ------------------------------------------------------------------ faults are retried

  @ParameterizedTest
  @EnumSource(Api.class)
  void everyCallSucceedsThroughFaultsAndAttemptsAddUpToRequests(Api api) throws Exception {
    // 40 % of requests fail (20 % HTTP 500, 10 % dropped connection, 10 % HTML 200): with 8
    // attempts a call fails for good with probability 0.4^8 = 0.07 %. The seed makes it exact.
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withSeed(7)
            .withFaultRate(Fault.HTTP_500, 0.20)
            .withFaultRate(Fault.DROP, 0.10)
            .withFaultRate(Fault.HTML, 0.10);
    int n = 50;
    FakeTime time = new FakeTime();
    CountingListener listener = new CountingListener();
    try (SimulatedLlmServer server = SimulatedLlmServer.start(sim);
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      RetryingCaller caller = caller(client, limiter, 8, time, listener, CallGate.standalone());
      long attempts = 0;
      for (int i = 0; i < n; i++) {
        RetryingCaller.Outcome o = caller.call(task(i));
        assertThat(
            "call " + i + ": " + (o.error() == null ? "" : o.error().toErrorMsg()),
            o.ok(),
            is(true));
        assertThat(o.error(), nullValue());
        assertThat(o.attempts(), allOf(greaterThanOrEqualTo(1), lessThanOrEqualTo(8)));
        assertThat(o.response().text().isBlank(), is(false));
        attempts += o.attempts();
      }
      assertThat("every attempt is exactly one request", server.totalRequests(), is(attempts));
      assertThat(listener.sent.get(), is((int) attempts));
      assertThat("faults happened", attempts, greaterThan((long) n));

      Map<String, Long> byStatus = server.requestsByStatus();
      assertThat(byStatus.get("200"), is((long) n));
      long failures =
          byStatus.getOrDefault("500", 0L)
              + byStatus.getOrDefault("dropped", 0L)
              + byStatus.getOrDefault("html", 0L);
      assertThat(failures, is(attempts - n));
      assertThat(byStatus.get("500"), greaterThan(0L));
      assertThat(byStatus.get("dropped"), greaterThan(0L));
      assertThat(byStatus.get("html"), greaterThan(0L));

      // Each category retried as often as the server produced it; nothing was rate limited.
      assertThat(
          listener.retried.get(ErrorCategory.SERVER_ERROR), is(byStatus.get("500").intValue()));
      assertThat(
          listener.retried.get(ErrorCategory.CONNECTION), is(byStatus.get("dropped").intValue()));
      assertThat(
          listener.retried.get(ErrorCategory.BAD_RESPONSE), is(byStatus.get("html").intValue()));
      assertThat(listener.rateLimited.get(), is(0));

      // Exactly one paid answer per prompt: no duplicates, none missing.
      Map<String, Long> successes = server.successCountsByPrompt();
      assertThat(successes.size(), is(n));
      assertThat(successes.values(), everyItem(is(1L)));

      // One backoff per retry, each within the bounds of its attempt (at most the 8th).
      assertThat(time.sleptMillis, hasSize((int) (attempts - n)));
      assertThat(
          time.sleptMillis,
          everyItem(
              allOf(
                  greaterThanOrEqualTo(RetryingCaller.BASE_BACKOFF_MILLIS / 2),
                  lessThanOrEqualTo(RetryingCaller.MAX_BACKOFF_MILLIS))));
    }
  }

  @Test
  void overloadedIsRetriedUntilAttemptsRunOut() throws Exception {
    FakeTime time = new FakeTime();
    CountingListener listener = new CountingListener();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults().withFaultRate(Fault.HTTP_529, 1.0));
        LlmClient client = LlmClient.create(config(Api.ANTHROPIC, server.baseUrl()), KEY)) {
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      RetryingCaller.Outcome o =
          caller(client, limiter, 4, time, listener, CallGate.standalone()).call(task(1));
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.OVERLOADED));
      assertThat(o.attempts(), is(4));
      assertThat(server.totalRequests(), is(4L));
      assertThat(listener.rateLimited.get(), is(4));
      assertThat("no sleep after the last attempt", time.sleptMillis, hasSize(3));
      assertThat("529 slows the shared limiter", limiter.multiplier(), lessThan(1.0));
    }
  }

  // ------------------------------------------------------------------- final errors stop

  @ParameterizedTest
  @EnumSource(Api.class)
  void contextLengthIsSentExactlyOnce(Api api) throws Exception {
    FakeTime time = new FakeTime();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withMaxContextTokens(50));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      CallGate gate = CallGate.standalone();
      RetryingCaller caller = caller(client, limiter, 8, time, null, gate);
      RetryingCaller.Outcome o = caller.call(new ChatRequest("You are terse.", "y".repeat(2_000)));
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.CONTEXT_LENGTH));
      assertThat(o.attempts(), is(1));
      assertThat(server.totalRequests(), is(1L));
      assertThat(time.sleptMillis, empty());
      assertThat("not an auth problem: the gate stays open", gate.isOpen(), is(true));
      assertThat(caller.call(task(2)).ok(), is(true));
      assertThat(server.totalRequests(), is(2L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void rejectedKeyClosesTheRunsGateSoNothingMoreIsSent(Api api) throws Exception {
    FakeTime time = new FakeTime();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults().withApiKey("sk-the-only-accepted-key-000000000000"));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), KEY)) {
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      CallGate run = CallGate.standalone();
      RetryingCaller caller = caller(client, limiter, 8, time, null, run.child());

      RetryingCaller.Outcome first = caller.call(task(1));
      assertThat(first.ok(), is(false));
      assertThat(first.error().category(), is(ErrorCategory.AUTH));
      assertThat(first.error().http().status(), is(401));
      assertThat(first.attempts(), is(1));
      assertThat(server.totalRequests(), is(1L));
      assertThat(run.stop().kind(), is(CallGate.Kind.AUTH));
      assertThat(time.sleptMillis, empty());

      RetryingCaller.Outcome second = caller.call(task(2));
      assertThat(second.ok(), is(false));
      assertThat(second.error().category(), is(ErrorCategory.AUTH));
      assertThat(second.attempts(), is(0));
      assertThat(second.error().getMessage(), containsString("HIPFORGE_RETRY_TEST_KEY"));

      // Another caller (another worker of the run) sends nothing either.
      CountingListener other = new CountingListener();
      RetryingCaller.Outcome third =
          caller(client, limiter, 8, time, other, run.child()).call(task(3));
      assertThat(third.error().category(), is(ErrorCategory.AUTH));
      assertThat(third.attempts(), is(0));
      assertThat(other.sent.get(), is(0));
      assertThat("no request after the 401", server.totalRequests(), is(1L));
    }
  }

  // ----------------------------------------------------------------- retry-after is obeyed

  @ParameterizedTest
  @EnumSource(Api.class)
  void retryAfterOfASimulated429IsObeyed(Api api) throws Exception {
    FakeTime time = new FakeTime();
    FakeTime limiterTime = time.other();
    CountingListener listener = new CountingListener();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withRpm(1));
        RecordingClient client =
            new RecordingClient(LlmClient.create(config(api, server.baseUrl()), KEY))) {
      RateLimiter limiter = new RateLimiter(0, 0, limiterTime, limiterTime);
      RetryingCaller caller = caller(client, limiter, 3, time, listener, CallGate.standalone());
      assertThat(caller.call(task(1)).ok(), is(true));
      // That answer's headers said no request is left until the window resets (about a
      // minute): the limiter holds the next call back that long before sending it.
      assertThat(limiterTime.sleptMillis, empty());
      // The server's bucket refills in real time (a minute); fake sleeps do not refill it, so
      // every attempt of the second call is refused with a retry-after of about a minute.
      RetryingCaller.Outcome o = caller.call(task(2));
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.RATE_LIMITED));
      assertThat(o.attempts(), is(3));
      assertThat(server.totalRequests(), is(4L));
      assertThat(server.requestsByStatus().get("429"), is(3L));
      assertThat(listener.rateLimited.get(), is(3));
      assertThat(client.failures, hasSize(3));
      // Two retries, each waiting at least what the 429 before it asked for (about 60 s, far
      // above the 0.5-1 s jittered backoff of attempts 1 and 2).
      assertThat(time.sleptMillis, hasSize(2));
      for (int i = 0; i < 2; i++) {
        long asked = client.failures.get(i).http().retryAfterMillis();
        assertThat(asked, greaterThan(55_000L));
        assertThat("sleep " + i, time.sleptMillis.get(i), greaterThanOrEqualTo(asked));
      }
      assertThat(limiter.multiplier(), lessThan(1.0));
      assertThat(limiterTime.sleptMillis.size(), greaterThan(0));
      assertThat(limiterTime.sleptMillis.get(0), greaterThan(50_000L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void retryAfterSecondsThenSuccess(Api api) throws Exception {
    LlmClientWireTest.StubServer.Reply limited =
        new LlmClientWireTest.StubServer.Reply(
            429,
            "application/json",
            "{\"error\":{\"message\":\"Rate limit reached\"}}",
            Map.of("retry-after", "3"));
    FakeTime time = new FakeTime();
    try (LlmClientWireTest.StubServer stub =
            new LlmClientWireTest.StubServer(
                i -> i == 0 ? limited : LlmClientWireTest.okBody(api, true));
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), KEY)) {
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      RetryingCaller.Outcome o =
          caller(client, limiter, 5, time, null, CallGate.standalone()).call(task(1));
      assertThat(o.ok(), is(true));
      assertThat(o.response().text(), is("stub answer"));
      assertThat(o.attempts(), is(2));
      assertThat(stub.seen, hasSize(2));
      assertThat(time.sleptMillis, hasSize(1));
      assertThat(time.sleptMillis.get(0), greaterThanOrEqualTo(3_000L));
    }
  }

  // ------------------------------------------------------------------------- the gate stops

  @ParameterizedTest
  @EnumSource(Api.class)
  void aSpentQuotaIsNotRetriedAndClosesTheRunsGate(Api api) throws Exception {
    FakeTime time = new FakeTime();
    String body =
        api == Api.OPENAI
            ? LlmClientWireTest.OPENAI_INSUFFICIENT_QUOTA
            : LlmClientWireTest.ANTHROPIC_CREDIT_TOO_LOW;
    int status = api == Api.OPENAI ? 429 : 400;
    try (LlmClientWireTest.StubServer stub =
            new LlmClientWireTest.StubServer(i -> LlmClientWireTest.StubServer.json(status, body));
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), KEY)) {
      CallGate run = CallGate.standalone();
      RateLimiter limiter = new RateLimiter(0, 0, time, time);
      RetryingCaller.Outcome o = caller(client, limiter, 6, time, null, run.child()).call(task(1));
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(ErrorCategory.QUOTA));
      assertThat(o.attempts(), is(1));
      assertThat(stub.seen, hasSize(1));
      assertThat(time.sleptMillis, empty());
      assertThat(run.stop().kind(), is(CallGate.Kind.QUOTA));

      RetryingCaller.Outcome next =
          caller(client, limiter, 6, time, null, run.child()).call(task(2));
      assertThat(
          "another worker of the run: nothing sent, the task stays pending",
          next.stopped(),
          is(true));
      assertThat(stub.seen, hasSize(1));
    }
  }

  @Test
  void aWrongEndpointIsNotRetriedAndClosesTheRunsGate() throws Exception {
    FakeTime time = new FakeTime();
    try (LlmClientWireTest.StubServer stub =
            new LlmClientWireTest.StubServer(
                i ->
                    LlmClientWireTest.StubServer.json(
                        404, "{\"error\":{\"message\":\"Not found\"}}"));
        LlmClient client = LlmClient.create(config(Api.OPENAI, stub.baseUrl()), KEY)) {
      CallGate run = CallGate.standalone();
      RetryingCaller.Outcome o = caller(client, time, 6, run.child()).call(task(1));
      assertThat(o.error().category(), is(ErrorCategory.ENDPOINT));
      assertThat(o.attempts(), is(1));
      assertThat(stub.seen, hasSize(1));
      assertThat(run.stop().kind(), is(CallGate.Kind.ENDPOINT));
    }
  }

  @Test
  void anUnreachableBaseUrlIsRetriedThenClosesTheRunsGate() throws Exception {
    FakeTime time = new FakeTime();
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    try (LlmClient client =
        LlmClient.create(config(Api.OPENAI, "http://127.0.0.1:" + port + "/v1"), KEY)) {
      CallGate run = CallGate.standalone();
      RetryingCaller.Outcome o = caller(client, time, 3, run.child()).call(task(1));
      assertThat(o.error().category(), is(ErrorCategory.UNREACHABLE));
      assertThat(o.attempts(), is(3));
      assertThat(time.sleptMillis, hasSize(2));
      assertThat(run.stop().kind(), is(CallGate.Kind.ENDPOINT));
      assertThat(run.stop().reason(), containsString("cannot connect to"));
    }
  }

  @Test
  void aClosedGateSendsNothing() throws Exception {
    FakeTime time = new FakeTime();
    try (SimulatedLlmServer server = SimulatedLlmServer.start(SimulatorConfig.defaults());
        LlmClient client = LlmClient.create(config(Api.OPENAI, server.baseUrl()), KEY)) {
      CallGate gate = CallGate.standalone();
      gate.close(CallGate.Kind.SIGINT, "Ctrl-C");
      RetryingCaller.Outcome o = caller(client, time, 4, gate).call(task(1));
      assertThat(o.ok(), is(false));
      assertThat(o.stopped(), is(true));
      assertThat(o.error(), nullValue());
      assertThat(o.attempts(), is(0));
      assertThat(server.totalRequests(), is(0L));
    }
  }

  @Test
  void aGateClosedDuringABackoffStopsTheRetries() throws Exception {
    FakeTime time = new FakeTime();
    CallGate run = CallGate.standalone();
    RateLimiter.Sleeper closingSleeper =
        nanos -> {
          time.sleep(nanos);
          run.close(CallGate.Kind.SIGTERM, "kill");
        };
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(
                SimulatorConfig.defaults().withFaultRate(Fault.HTTP_529, 1.0));
        LlmClient client = LlmClient.create(config(Api.ANTHROPIC, server.baseUrl()), KEY)) {
      RetryingCaller.Outcome o =
          caller(client, new RateLimiter(0, 0, time, time), 6, closingSleeper, null, run.child())
              .call(task(1));
      assertThat(o.stopped(), is(true));
      assertThat(o.error().category(), is(ErrorCategory.OVERLOADED));
      assertThat(o.attempts(), is(1));
      assertThat("no retry after the stop", server.totalRequests(), is(1L));
      assertThat(time.sleptMillis, hasSize(1));
    }
  }

  @Test
  void aBackoffWaitWakesWhenTheGateCloses() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer http =
        LoopbackProviders.serve(
            ex -> {
              ex.getRequestBody().readAllBytes();
              requests.incrementAndGet();
              ex.getResponseHeaders()
                  .set("retry-after", "240"); // four minutes, under max_retry_after_s
              LoopbackProviders.reply(
                  ex, 429, "application/json", "{\"error\":{\"message\":\"Rate limit reached\"}}");
            });
    FakeTime limiterTime = new FakeTime();
    CallGate gate = CallGate.standalone();
    try (LlmClient client =
        LlmClient.create(config(Api.OPENAI, LoopbackProviders.baseUrl(http)), KEY)) {
      RetryingCaller caller =
          caller(
              client,
              new RateLimiter(0, 0, limiterTime, limiterTime),
              5,
              RateLimiter.SYSTEM_SLEEPER,
              null,
              gate);
      java.util.concurrent.CompletableFuture<RetryingCaller.Outcome> call =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return caller.call(task(1));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      while (requests.get() == 0) {
        Thread.sleep(10);
      }
      Thread.sleep(100); // now in the four-minute backoff
      assertThat(call.isDone(), is(false));
      gate.close(CallGate.Kind.SIGINT, "Ctrl-C");
      RetryingCaller.Outcome o = call.get(60, TimeUnit.SECONDS);
      assertThat(o.stopped(), is(true));
      assertThat(o.error().category(), is(ErrorCategory.RATE_LIMITED));
      assertThat(o.attempts(), is(1));
      assertThat(requests.get(), is(1));
    } finally {
      http.stop(0);
    }
  }

  // ------------------------------------------------------------------------------ backoff

  private static long cap(int attempt) {
    return Math.min(
        RetryingCaller.MAX_BACKOFF_MILLIS,
        RetryingCaller.BASE_BACKOFF_MILLIS << Math.min(attempt - 1, 16));
  }

  @Test
  void backoffStaysWithinItsJitterBounds() {
    for (int attempt = 1; attempt <= 40; attempt++) {
      for (int i = 0; i < 200; i++) {
        long b = RetryingCaller.backoffMillis(attempt, -1);
        assertThat(
            "attempt " + attempt,
            b,
            allOf(greaterThanOrEqualTo(cap(attempt) / 2), lessThanOrEqualTo(cap(attempt))));
      }
    }
    assertThat(
        RetryingCaller.backoffMillis(1, -1),
        greaterThanOrEqualTo(RetryingCaller.BASE_BACKOFF_MILLIS / 2));
    for (int attempt : new int[] {100, 1_000, Integer.MAX_VALUE}) {
      long b = RetryingCaller.backoffMillis(attempt, -1);
      assertThat(
          b,
          allOf(
              greaterThanOrEqualTo(RetryingCaller.MAX_BACKOFF_MILLIS / 2),
              lessThanOrEqualTo(RetryingCaller.MAX_BACKOFF_MILLIS)));
    }
  }

  @Test
  void backoffGrowsUntilTheCap() {
    long previousMax = 0;
    double previousMean = 0;
    for (int attempt = 1; attempt <= 8; attempt++) {
      long min = Long.MAX_VALUE;
      long max = 0;
      long sum = 0;
      Set<Long> distinct = new HashSet<>();
      for (int i = 0; i < 500; i++) {
        long b = RetryingCaller.backoffMillis(attempt, 0);
        min = Math.min(min, b);
        max = Math.max(max, b);
        sum += b;
        distinct.add(b);
      }
      double mean = sum / 500.0;
      assertThat("jittered", distinct.size(), greaterThan(10));
      if (attempt > 1 && cap(attempt) == 2 * cap(attempt - 1)) {
        // Doubling: the shortest wait of this attempt is no shorter than the longest before.
        assertThat("attempt " + attempt, min, greaterThanOrEqualTo(previousMax));
      }
      if (attempt > 1 && cap(attempt) > cap(attempt - 1)) {
        assertThat("attempt " + attempt, mean, greaterThan(previousMean));
      }
      if (cap(attempt) == RetryingCaller.MAX_BACKOFF_MILLIS) {
        assertThat(max, lessThanOrEqualTo(RetryingCaller.MAX_BACKOFF_MILLIS));
      }
      previousMax = max;
      previousMean = mean;
    }
  }

  @Test
  void retryAfterWinsWhenLonger() {
    for (int i = 0; i < 100; i++) {
      assertThat(RetryingCaller.backoffMillis(1, 5_000), is(5_000L));
      // A server's hint longer than our own maximum is still obeyed.
      assertThat(RetryingCaller.backoffMillis(10, 90_000), is(90_000L));
      // A shorter hint does not shorten our backoff.
      assertThat(RetryingCaller.backoffMillis(3, 100), greaterThanOrEqualTo(cap(3) / 2));
    }
  }
}
