package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A provider that advertises its limits in headers, and a client whose config gives none: over
 * loopback HTTP against the {@link SimulatedLlmServer}, with real time (the simulator's own buckets
 * run on the real clock).
 */
class LearnedRateLimitLoopbackTest {

  private static final String KEY = "sk-learned-limit-test-0123456789abcdef";

  /** 20 requests a second: a short run still spans a few seconds of pacing. */
  private static final int SIM_RPM = 1_200;

  private static final long SIM_TPM = 2_000_000;
  private static final int CALLS = 60;
  private static final int THREADS = 16;

  /** Remembers the lowest request budget the provider reported, to see whether the client burst. */
  private static final class Watching implements LlmClient {
    final LlmClient inner;
    final AtomicLong lowestRemaining = new AtomicLong(Long.MAX_VALUE);

    Watching(LlmClient inner) {
      this.inner = inner;
    }

    @Override
    public ChatResponse complete(ChatRequest request) throws LlmException {
      ChatResponse r = inner.complete(request);
      long remaining = r.rateLimits().requests().remaining();
      if (remaining >= 0) {
        lowestRemaining.accumulateAndGet(remaining, Math::min);
      }
      return r;
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void withNoLimitsConfiguredTheAdvertisedOnesArePacedEvenlyWithout429s(Api api) throws Exception {
    SimulatorConfig sim =
        SimulatorConfig.defaults().withRpm(SIM_RPM).withTpm(SIM_TPM).withApiKey(KEY);
    List<String> notes = Collections.synchronizedList(new ArrayList<>());
    String name = "learn-" + api.name().toLowerCase(java.util.Locale.ROOT);
    try (SimulatedLlmServer server = SimulatedLlmServer.start(sim);
        Watching client =
            new Watching(
                LlmClient.create(
                    ProviderConfig.of(
                            name, api, server.baseUrl(), "test-model", "HIPFORGE_LEARN_TEST_KEY")
                        .withTimeoutS(10),
                    KEY))) {
      // rpm 0, tpm 0: nothing configured; probing the first call as CallLlm's shared limiter does.
      RateLimiter limiter =
          new RateLimiter(
              0,
              0,
              1.0,
              name,
              notes::add,
              RateLimiter.SYSTEM_CLOCK,
              RateLimiter.SYSTEM_SLEEPER,
              true);
      RetryingCaller caller =
          new RetryingCaller(
              client,
              limiter,
              new RetryingCaller.Policy(6, 1024, RetryRules.DEFAULTS),
              RateLimiter.SYSTEM_SLEEPER,
              null,
              CallGate.standalone());
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<RetryingCaller.Outcome>> outcomes = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
          ChatRequest task = new ChatRequest("You are terse.", "Describe kernel number " + i + ".");
          outcomes.add(pool.submit(() -> caller.call(task)));
        }
        for (Future<RetryingCaller.Outcome> o : outcomes) {
          assertThat(o.get().ok(), is(true));
        }
      } finally {
        pool.shutdownNow();
      }

      Map<String, Long> byStatus = server.requestsByStatus();
      assertThat("no 429 at all: " + byStatus, byStatus.getOrDefault("429", 0L), is(0L));
      assertThat(server.totalRequests(), is((long) CALLS));
      assertThat(limiter.requestsPerMinute(), is((double) SIM_RPM));
      assertThat(limiter.tokensPerMinute(), is((double) SIM_TPM));
      assertThat(
          notes,
          is(
              List.of(
                  name
                      + ": no rpm/tpm in config; using the provider's advertised "
                      + SIM_RPM
                      + " RPM, "
                      + SIM_TPM
                      + " TPM")));
      // Paced, not burst: the provider's budget (full at the start) never fell further below full
      // than one second of budget (the limiter's bucket) plus what a scheduling hiccup adds. Sent
      // unpaced, 60 calls from 16 threads would take it to 1,140.
      assertThat(
          client.lowestRemaining.get(), greaterThanOrEqualTo((long) SIM_RPM - SIM_RPM / 60 - 10));
      assertThat(server.successCountsByPrompt().values(), everyItem(is(1L)));
    }
  }
}
