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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

  @Test
  void headersWithNoRequestsLeftPauseUntilTheReset() throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onSuccess(new RateLimitSnapshot(0, 3_000, 500, 100, -1));
    l.acquire(1);
    assertThat(time.elapsedMs(), closeTo(3_000, TOLERANCE_MS));
  }

  @Test
  void headersWithNoTokensLeftPauseUntilTheReset() throws Exception {
    RateLimiter l = limiter(0, 0);
    l.onSuccess(new RateLimitSnapshot(10, 60_000, 0, 1_500, -1));
    l.acquire(1);
    assertThat(time.elapsedMs(), closeTo(1_500, TOLERANCE_MS));
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
    java.util.concurrent.CompletableFuture<Boolean> got = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
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
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> limiter(-1, 0));
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
}
