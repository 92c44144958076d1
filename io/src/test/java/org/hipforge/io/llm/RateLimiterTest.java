package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RateLimiterTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Half a sleeper's minimum step (0.1 ms) would do; a millisecond keeps the intent readable. */
  private static final double TOLERANCE_MS = 1.0;

  /** A clock that only moves when the limiter sleeps (or the test says so). */
  static final class FakeTime implements RateLimiter.Clock, RateLimiter.Sleeper {
    // An arbitrary origin, like System.nanoTime's.
    final long origin = 987_654_321_000L;
    long now = origin;
    final List<Long> sleeps = new ArrayList<>();
    Runnable onSleep = () -> {};

    @Override
    public synchronized long nanos() {
      return now;
    }

    @Override
    public synchronized void sleep(long nanos) {
      assertThat("sleeps must be positive", nanos > 0, is(true));
      sleeps.add(nanos);
      now += nanos;
      onSleep.run();
    }

    synchronized void advanceMs(double ms) {
      now += (long) (ms * MS);
    }

    synchronized double elapsedMs() {
      return (now - origin) / (double) MS;
    }
  }

  private final FakeTime time = new FakeTime();

  @AfterEach
  void forgetShared() {
    RateLimiter.clearShared();
  }

  private RateLimiter limiter(int rpm, long tpm) {
    return new RateLimiter(rpm, tpm, time, time);
  }

  /** Acquires {@code n} times back to back; returns each acquire's time in ms since the origin. */
  private List<Double> acquireTimes(RateLimiter l, int n, long tokens) throws Exception {
    List<Double> at = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.acquire(tokens);
      at.add(time.elapsedMs());
    }
    return at;
  }

  @Test
  void at600RpmTheNthAcquireHappensAtNTimes100Ms() throws Exception {
    List<Double> at = acquireTimes(limiter(600, 0), 60, 1);
    for (int n = 0; n < at.size(); n++) {
      assertThat("acquire " + n, at.get(n), closeTo(n * 100.0, TOLERANCE_MS));
    }
  }

  @Test
  void aFreshLimiterLetsOnlyOneRequestThroughAtOnce() throws Exception {
    RateLimiter l = limiter(600, 0);
    l.acquire(0);
    assertThat(time.sleeps, is(empty()));
    l.acquire(0);
    assertThat(time.elapsedMs(), closeTo(100.0, TOLERANCE_MS));
  }

  @Test
  void afterIdlingTheBurstIsAtMostOneSecondOfBudget() throws Exception {
    RateLimiter l = limiter(600, 0);
    l.acquire(0);
    time.advanceMs(60_000); // a whole idle minute: still only one second (10 requests) saved up
    double idleEnd = time.elapsedMs();
    List<Double> at = acquireTimes(l, 12, 0);
    for (int i = 0; i < 10; i++) {
      assertThat(at.get(i), is(idleEnd));
    }
    assertThat(at.get(10), closeTo(idleEnd + 100, TOLERANCE_MS));
    assertThat(at.get(11), closeTo(idleEnd + 200, TOLERANCE_MS));
  }

  @Test
  void tpmLimitsBigPrompts() throws Exception {
    // 60k tokens a minute = 1000 a second; a 5000-token prompt costs five seconds of budget.
    RateLimiter l = limiter(0, 60_000);
    List<Double> at = acquireTimes(l, 4, 5_000);
    assertThat(at.get(0), is(0.0));
    assertThat(at.get(1), closeTo(5_000, TOLERANCE_MS));
    assertThat(at.get(2), closeTo(10_000, TOLERANCE_MS));
    assertThat(at.get(3), closeTo(15_000, TOLERANCE_MS));
  }

  @Test
  void smallPromptsSpendTheOneSecondTokenBucketThenWait() throws Exception {
    RateLimiter l = limiter(0, 60_000);
    List<Double> at = acquireTimes(l, 12, 100);
    for (int i = 0; i < 10; i++) {
      assertThat(at.get(i), is(0.0));
    }
    assertThat(at.get(10), closeTo(100, TOLERANCE_MS));
    assertThat(at.get(11), closeTo(200, TOLERANCE_MS));
  }

  @Test
  void correctTokensGivesBackWhatTheCallDidNotUse() throws Exception {
    RateLimiter l = limiter(0, 60_000);
    l.acquire(1_000); // the whole bucket
    l.correctTokens(1_000, 200); // it really used 200
    l.acquire(800);
    assertThat(time.sleeps, is(empty()));
    l.correctTokens(100, -1); // unknown usage: no correction
    l.acquire(100);
    assertThat(time.elapsedMs(), closeTo(100, TOLERANCE_MS));
  }

  @Test
  void bothLimitsHoldAtOnceAndTheSlowerOneWins() throws Exception {
    // 600 rpm allows one per 100 ms; 60k tpm with 500-token prompts allows one per 500 ms.
    List<Double> at = acquireTimes(limiter(600, 60_000), 5, 500);
    assertThat(at.get(2), closeTo(500, TOLERANCE_MS)); // 1000-token bucket: two go first
    assertThat(at.get(3), closeTo(1_000, TOLERANCE_MS));
    assertThat(at.get(4), closeTo(1_500, TOLERANCE_MS));
  }

  @Test
  void rateLimitedPausesEveryoneUntilRetryAfter() throws Exception {
    RateLimiter l = limiter(0, 0); // no configured limit: only the pause can make anyone wait
    l.acquire(10);
    time.advanceMs(50);
    l.onRateLimited(2_000);
    l.acquire(10); // caller one
    assertThat(time.elapsedMs(), greaterThanOrEqualTo(2_050.0));
    assertThat(time.elapsedMs(), closeTo(2_050, TOLERANCE_MS));
    l.acquire(10); // caller two, right after: the pause is over
    assertThat(time.elapsedMs(), closeTo(2_050, TOLERANCE_MS));
  }

  @Test
  void aShorterRetryAfterNeverCutsALongerPause() throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onRateLimited(3_000);
    time.advanceMs(2_000); // past the 1 s cooldown, so this one is a fresh signal
    l.onRateLimited(100);
    l.acquire(1);
    assertThat(time.elapsedMs(), closeTo(3_000, TOLERANCE_MS));
  }

  @Test
  void rateLimitedLowersTheMultiplierAtMostOncePerSecond() {
    RateLimiter l = limiter(600, 0);
    assertThat(l.multiplier(), is(1.0));
    l.onRateLimited(0);
    assertThat(l.multiplier(), closeTo(0.7, 1e-12));
    time.advanceMs(999);
    l.onRateLimited(0);
    l.onRateLimited(-1);
    assertThat(l.multiplier(), closeTo(0.7, 1e-12));
    time.advanceMs(1);
    l.onRateLimited(0);
    assertThat(l.multiplier(), closeTo(0.49, 1e-12));
  }

  @Test
  void multiplierNeverDropsBelowTheFloor() {
    RateLimiter l = limiter(600, 0);
    for (int i = 0; i < 100; i++) {
      l.onRateLimited(0);
      time.advanceMs(1_000);
    }
    assertThat(l.multiplier(), closeTo(RateLimiter.FLOOR, 1e-12));
  }

  @Test
  void successesRaiseTheMultiplierAdditivelyBackToOneAndNoFurther() {
    RateLimiter l = limiter(600, 0);
    l.onRateLimited(0);
    for (int i = 1; i <= 29; i++) {
      l.onSuccess(RateLimitSnapshot.EMPTY);
      assertThat(l.multiplier(), closeTo(0.7 + i * 0.01, 1e-9));
      assertThat(l.multiplier(), lessThan(1.0));
    }
    for (int i = 0; i < 50; i++) {
      l.onSuccess(RateLimitSnapshot.EMPTY);
    }
    assertThat(l.multiplier(), is(1.0));
  }

  @Test
  void aLoweredMultiplierSpacesRequestsFurtherApart() throws Exception {
    RateLimiter l = limiter(600, 0);
    l.acquire(0);
    l.onRateLimited(0); // 0.7 of 600 rpm = 420 rpm = one per 142.86 ms; the bucket is emptied
    double t0 = time.elapsedMs();
    List<Double> at = acquireTimes(l, 5, 0);
    for (int i = 0; i < at.size(); i++) {
      assertThat(at.get(i) - t0, closeTo((i + 1) * 100 / 0.7, TOLERANCE_MS));
    }
  }

  /** Headers that say a budget is spent, and how long they pause everyone (until the reset). */
  static Stream<Arguments> spentBudgets() {
    return Stream.of(
        Arguments.of("no requests left", new RateLimitSnapshot(0, 3_000, 500, 100, -1), 3_000.0),
        Arguments.of("no tokens left", new RateLimitSnapshot(10, 60_000, 0, 1_500, -1), 1_500.0),
        Arguments.of(
            "Anthropic's output tokens spent",
            new RateLimitSnapshot(40, 1_000, 9_000, 1_000, -1)
                .withLimits(50, 10_000)
                .withInputOutputTokens(
                    new RateLimitSnapshot.Budget(8_000, 7_000, 1_000),
                    new RateLimitSnapshot.Budget(2_000, 0, 4_000)),
            4_000.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("spentBudgets")
  void headersWithASpentBudgetPauseUntilItsReset(
      String because, RateLimitSnapshot headers, double pauseMs) throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onSuccess(headers);
    l.acquire(1);
    assertThat(time.elapsedMs(), closeTo(pauseMs, TOLERANCE_MS));
  }

  @Test
  void headersWithBudgetLeftOrNoResetDoNotPause() throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onSuccess(new RateLimitSnapshot(1, 3_000, 1, 3_000, -1));
    l.onSuccess(new RateLimitSnapshot(0, -1, 0, 0, -1));
    l.onSuccess(RateLimitSnapshot.EMPTY);
    l.acquire(1);
    assertThat(time.sleeps, is(empty()));
  }

  @Test
  void aClosedGateMakesAcquireReturnFalseAndTakesNothing() throws Exception {
    RateLimiter l = limiter(60, 0);
    CallGate gate = CallGate.standalone();
    gate.close(CallGate.Kind.AUTH, "provider 'openai' rejected the key (401)");
    assertThat(l.acquire(1, gate), is(false));
    assertThat(l.acquire(1, gate), is(false)); // and stays closed
    assertThat(time.sleeps, is(empty()));
    // Nothing was taken: an open caller still gets the one request of the bucket at once.
    assertThat(l.acquire(1, CallGate.standalone()), is(true));
    assertThat(time.sleeps, is(empty()));
  }

  @Test
  void aGateClosingWhileACallerWaitsEndsTheWait() throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onRateLimited(60_000);
    CallGate gate = CallGate.standalone();
    time.onSleep = () -> gate.close(CallGate.Kind.SIGINT, "Ctrl-C");
    assertThat(l.acquire(1, gate), is(false));
    assertThat(time.sleeps.size(), is(1));
  }

  @Test
  void aGateClosingWakesACallerInARealSleep() throws Exception {
    RateLimiter l = new RateLimiter(0, 0, RateLimiter.SYSTEM_CLOCK, RateLimiter.SYSTEM_SLEEPER);
    l.onRateLimited(RetryingCaller.MAX_RETRY_AFTER_MILLIS); // a 15-minute pause
    CallGate gate = CallGate.standalone();
    java.util.concurrent.CompletableFuture<Boolean> got =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return l.acquire(1, gate);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(100);
    assertThat(got.isDone(), is(false));
    gate.close(CallGate.Kind.SIGTERM, "kill");
    assertThat(got.get(60, TimeUnit.SECONDS), is(false));
  }

  @Test
  void unlimitedLimiterNeverWaits() throws Exception {
    RateLimiter l = limiter(0, 0);
    for (int i = 0; i < 10_000; i++) {
      l.acquire(1_000_000);
    }
    assertThat(time.sleeps, is(empty()));
    assertThat(time.elapsedMs(), is(0.0));
  }

  @Test
  void negativeLimitsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> limiter(-1, 0));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("-1"));
    assertThrows(IllegalArgumentException.class, () -> limiter(0, -5));
  }

  @Test
  void sharedLimiterIsOnePerEndpointAndLimits() {
    RateLimiter a = RateLimiter.shared("OPENAI http://x m", 60, 0);
    assertThat(RateLimiter.shared("OPENAI http://x m", 60, 0), is(sameInstance(a)));
    assertThat(RateLimiter.shared("OPENAI http://y m", 60, 0), is(not(sameInstance(a))));
    RateLimiter.clearShared();
    assertThat(RateLimiter.shared("OPENAI http://x m", 60, 0), is(not(sameInstance(a))));
  }

  @Test
  void everySleepIsAtLeastTheMinimumStep() throws Exception {
    RateLimiter l = limiter(6_000_000, 0);
    acquireTimes(l, 200, 0);
    for (long s : time.sleeps) {
      assertThat(s, greaterThanOrEqualTo(100_000L));
    }
    assertThat(time.elapsedMs(), lessThanOrEqualTo(200 * 0.1 + TOLERANCE_MS));
  }

  // ---- limits learned from the provider's headers (issue 10 item 1) ----

  private final List<String> notes = new ArrayList<>();

  private RateLimiter unconfigured(int rpm, long tpm, double share) {
    return new RateLimiter(rpm, tpm, share, "sim", notes::add, time, time, false);
  }

  /** What OpenAI sends with a fresh budget: the limits, all but one left, whole in 100 ms. */
  private static RateLimitSnapshot advertised(long rpm, long tpm) {
    return new RateLimitSnapshot(rpm - 1, 100, tpm < 0 ? -1 : tpm - 100, tpm < 0 ? -1 : 10, -1)
        .withLimits(rpm, tpm);
  }

  /** {@code l} paces at {@code rpm} and {@code tpm}, and all it said is {@code said}. */
  private void assertLimits(RateLimiter l, double rpm, double tpm, String... said) {
    assertThat(l.requestsPerMinute(), closeTo(rpm, 1e-6));
    assertThat(l.tokensPerMinute(), closeTo(tpm, 1e-6));
    assertThat(notes, is(List.of(said)));
  }

  private void assertEvenlySpaced(List<Double> at, double t0, double spacingMs) {
    for (int i = 0; i < at.size(); i++) {
      assertThat("acquire " + i, at.get(i) - t0, closeTo((i + 1) * spacingMs, TOLERANCE_MS));
    }
  }

  @Test
  void withNoRpmConfiguredTheAdvertisedLimitIsLearnedAndPacedEvenly() throws Exception {
    RateLimiter l = unconfigured(0, 0, 1.0);
    l.acquire(1); // the first call, before any header: nothing known, nothing paced
    l.onSuccess(advertised(600, -1));
    assertThat(l.requestsPerMinute(), closeTo(600, 1e-6));
    l.acquire(1); // the one request the bucket starts with
    double t0 = time.elapsedMs();
    // 600 RPM = one every 100 ms, evenly: never a window's worth at once.
    assertEvenlySpaced(acquireTimes(l, 50, 1), t0, 100);
  }

  @Test
  void aLearnedLimitKeepsTheBurstToOneSecondOfBudget() throws Exception {
    RateLimiter l = unconfigured(0, 0, 1.0);
    l.onSuccess(advertised(600, -1));
    time.advanceMs(60_000); // idle for a minute: the provider would allow 600 at once
    List<Double> at = acquireTimes(l, 20, 1);
    long atOnce = at.stream().filter(t -> t == 60_000.0).count();
    assertThat(atOnce, is(10L)); // one second of 600 RPM, then one per 100 ms
    assertEvenlySpaced(at.subList(10, 20), 60_000, 100);
  }

  @Test
  void learnedLimitsAreAnnouncedOnceNamingProviderAndValues() {
    RateLimiter l = unconfigured(0, 0, 1.0);
    for (int i = 0; i < 5; i++) {
      l.onSuccess(advertised(600, 150_000));
    }
    assertLimits(
        l,
        600,
        150_000,
        "sim: no rpm/tpm in config; using the provider's advertised 600 RPM, 150000 TPM");
  }

  @Test
  void aConfiguredRpmWinsOverTheAdvertisedOneAndOnlyTheMissingTpmIsLearned() throws Exception {
    RateLimiter l = unconfigured(300, 0, 1.0);
    l.onSuccess(advertised(600, 60_000));
    assertLimits(
        l, 300, 60_000, "sim: no tpm in config; using the provider's advertised 60000 TPM");
    l.acquire(0);
    assertEvenlySpaced(acquireTimes(l, 10, 0), 0, 200); // 300 RPM, not 600
  }

  @Test
  void configuredRpmAndTpmIgnoreAdvertisedLimitsAndSayNothing() throws Exception {
    RateLimiter l = unconfigured(300, 30_000, 1.0);
    l.onSuccess(advertised(6_000, 6_000_000));
    assertLimits(l, 300, 30_000);
  }

  @Test
  void whenTheAdvertisedLimitChangesThePaceFollowsIt() throws Exception {
    RateLimiter l = unconfigured(0, 0, 1.0);
    l.onSuccess(advertised(600, -1));
    l.acquire(0);
    assertEvenlySpaced(acquireTimes(l, 5, 0), 0, 100);
    double t0 = time.elapsedMs();
    l.onSuccess(advertised(120, -1)); // the provider lowered the key's tier: one per 500 ms
    assertThat(l.requestsPerMinute(), closeTo(120, 1e-6));
    assertEvenlySpaced(acquireTimes(l, 5, 0), t0, 500);
    double t1 = time.elapsedMs();
    l.onSuccess(advertised(1_200, -1)); // and raised it: one per 50 ms
    assertEvenlySpaced(acquireTimes(l, 5, 0), t1, 50);
    assertThat("announced once", notes.size(), is(1));
  }

  @Test
  void aBudgetThatWouldRunOutBeforeItsResetIsSpreadEvenlyUntilTheReset() throws Exception {
    RateLimiter l = unconfigured(0, 0, 1.0);
    l.onSuccess(advertised(600, -1));
    l.acquire(0);
    // 10 requests left for the next 10 s: at 600 RPM they would be gone in 1 s, then a wait.
    l.onSuccess(new RateLimitSnapshot(10, 10_000, -1, -1, -1).withLimits(600, -1));
    double t0 = time.elapsedMs();
    List<Double> at = acquireTimes(l, 9, 0);
    assertEvenlySpaced(at, t0, 1_000); // one a second: they last until the reset
    // After the reset the learned 600 RPM holds again (one second of it at once, then even).
    time.advanceMs(1_000);
    acquireTimes(l, 10, 0);
    double t1 = time.elapsedMs();
    assertEvenlySpaced(acquireTimes(l, 5, 0), t1, 100);
  }

  @Test
  void aBudgetThatLastsUntilItsResetDoesNotSlowTheConfiguredPace() throws Exception {
    RateLimiter l = unconfigured(600, 0, 1.0);
    l.acquire(0);
    // 550 left, whole again in 5 s: 600 RPM spends 50 in those 5 s.
    l.onSuccess(new RateLimitSnapshot(550, 5_000, -1, -1, -1));
    assertEvenlySpaced(acquireTimes(l, 20, 0), 0, 100);
  }

  @Test
  void aRemainingTokenBudgetIsSpreadUntilItsResetToo() throws Exception {
    RateLimiter l = unconfigured(0, 0, 1.0);
    l.onSuccess(advertised(10_000, 600_000)); // 10,000 tokens a second
    // 2,000 tokens left for 4 s: 500 a second, so a 100-token call every 200 ms.
    l.onSuccess(new RateLimitSnapshot(9_000, 100, 2_000, 4_000, -1).withLimits(10_000, 600_000));
    // The bucket holds one second of the slower pace (500 tokens): five calls at once, then even.
    List<Double> at = acquireTimes(l, 10, 100);
    assertEvenlySpaced(at.subList(5, 10), 0, 200);
  }

  @Test
  void theRateShareAppliesToLearnedLimitsAndToRemainingBudgets() throws Exception {
    RateLimiter l = unconfigured(0, 0, 0.5);
    l.onSuccess(advertised(600, 100_000));
    assertLimits(
        l,
        300,
        50_000,
        "sim: no rpm/tpm in config; using the provider's advertised 600 RPM, "
            + "100000 TPM (this worker JVM's share 0.500 of it: 300 RPM, 50000 TPM)");
    l.acquire(0);
    assertEvenlySpaced(acquireTimes(l, 5, 0), 0, 200);
    // 10 left for 10 s among two JVMs: 5 for this one, one every 2 s.
    l.onSuccess(new RateLimitSnapshot(10, 10_000, -1, -1, -1).withLimits(600, 100_000));
    double t0 = time.elapsedMs();
    assertEvenlySpaced(acquireTimes(l, 4, 0), t0, 2_000);
  }

  @Test
  void sharedLimiterAppliesTheShareToConfiguredLimits() {
    RateLimiter l = RateLimiter.shared("OPENAI http://x m", "x", 600, 90_000, 0.25);
    assertThat(l.requestsPerMinute(), closeTo(150, 1e-6));
    assertThat(l.tokensPerMinute(), closeTo(22_500, 1e-6));
    assertThat(
        RateLimiter.shared("OPENAI http://x m", "x", 600, 90_000, 0.5), is(not(sameInstance(l))));
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aSmallRpmStillLetsRequestsThroughAfterA429() throws Exception {
    // 30 RPM holds a one-request bucket; a 429 used to shrink it below one request for good.
    RateLimiter l = limiter(30, 0);
    l.acquire(0);
    l.onRateLimited(0);
    List<Double> at = acquireTimes(l, 3, 0);
    assertEvenlySpaced(at, 0, 2_000 / 0.7);
  }
}
