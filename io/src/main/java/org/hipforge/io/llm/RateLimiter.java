package org.hipforge.io.llm;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Paces calls to one provider endpoint: requests per minute and tokens per minute as token
 * buckets, slowed multiplicatively on 429 and sped up additively after successes, and paused
 * whenever the provider's headers say its budget is spent.
 *
 * <p>One instance per endpoint per JVM ({@link #shared}), used by every worker thread, so the
 * configured limit holds for the whole JVM however many DoFn instances run in it. Buckets hold at
 * most one second of budget: a burst the size of a whole minute would trip the provider's own
 * sliding window. Until the first call succeeds only one call is in flight, so a rejected key
 * costs one request. A caller waiting in {@link #acquire(long, CallGate)} returns as soon as its
 * {@link CallGate} closes. Time is injectable so tests never sleep.
 */
public final class RateLimiter {
  /** Reads a monotonic clock in nanoseconds. */
  public interface Clock {
    long nanos();
  }

  /** Waits; tests substitute a fake that advances a fake clock. */
  public interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  public static final Clock SYSTEM_CLOCK = System::nanoTime;
  public static final Sleeper SYSTEM_SLEEPER = nanos -> TimeUnit.NANOSECONDS.sleep(nanos);

  /** After a 429 the rate drops to this share of what it was (the multiplicative decrease). */
  static final double DECREASE = 0.7;
  /** Each success gives back this share of the configured rate (the additive increase). */
  static final double INCREASE = 0.01;
  /** The rate never drops below this share, so a run always makes progress. */
  static final double FLOOR = 0.05;
  /** 429s closer together than this count as one overload signal, not many. */
  static final long DECREASE_COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** How often callers waiting for the first call's verdict look again. */
  static final long PROBE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private static final ConcurrentHashMap<String, RateLimiter> SHARED = new ConcurrentHashMap<>();

  private final double requestsPerNano;
  private final double tokensPerNano;
  private final double requestCapacity;
  private final double tokenCapacity;
  private final Clock clock;
  private final Sleeper sleeper;

  private double requestBucket;
  private double tokenBucket;
  private long lastRefill;
  private double multiplier = 1.0;
  private long pausedUntil;
  private long lastDecrease = Long.MIN_VALUE / 2;
  // Until one call has succeeded, only one is in flight: a wrong key or URL then costs one request,
  // not a whole window of them.
  private boolean verified;
  private boolean probing;

  /** A limiter without the first-call probe (every caller may start at once). */
  public RateLimiter(int rpm, long tpm, Clock clock, Sleeper sleeper) {
    this(rpm, tpm, clock, sleeper, false);
  }

  /**
   * A limiter; with {@code probeFirstCall} only one call is in flight until one has succeeded.
   */
  public RateLimiter(int rpm, long tpm, Clock clock, Sleeper sleeper, boolean probeFirstCall) {
    if (rpm < 0 || tpm < 0) {
      throw new IllegalArgumentException("rpm and tpm must be >= 0, were " + rpm + ", " + tpm);
    }
    this.clock = clock;
    this.sleeper = sleeper;
    this.requestsPerNano = rpm / 60e9;
    this.tokensPerNano = tpm / 60e9;
    this.requestCapacity = Math.max(1.0, rpm / 60.0);
    this.tokenCapacity = Math.max(1.0, tpm / 60.0);
    this.requestBucket = 1.0;
    this.tokenBucket = tokenCapacity;
    this.lastRefill = clock.nanos();
    this.pausedUntil = lastRefill;
    this.verified = !probeFirstCall;
  }

  /** The JVM-wide limiter of an endpoint; the first caller's limits win until {@link #clearShared}. */
  public static RateLimiter shared(String endpointKey, int rpm, long tpm) {
    return SHARED.computeIfAbsent(endpointKey + " rpm=" + rpm + " tpm=" + tpm,
        k -> new RateLimiter(rpm, tpm, SYSTEM_CLOCK, SYSTEM_SLEEPER, true));
  }

  /** Forgets the shared limiters (tests and benchmarks that run many pipelines in one JVM). */
  public static void clearShared() {
    SHARED.clear();
  }

  /** Blocks until one request carrying {@code estimatedTokens} may be sent. */
  public void acquire(long estimatedTokens) throws InterruptedException {
    acquire(estimatedTokens, null);
  }

  /**
   * Blocks until one request carrying {@code estimatedTokens} may be sent, or until {@code gate}
   * (may be null) closes.
   *
   * @return true when the request may be sent; false when the gate is closed (nothing taken)
   */
  public boolean acquire(long estimatedTokens, CallGate gate) throws InterruptedException {
    while (true) {
      long wait;
      synchronized (this) {
        if (gate != null && !gate.isOpen()) {
          return false;
        }
        long now = clock.nanos();
        refill(now);
        wait = Math.max(0, pausedUntil - now);
        if (wait == 0 && !verified && probing) {
          wait = PROBE_POLL_NANOS;
        }
        if (wait == 0 && requestsPerNano > 0 && requestBucket < 1.0) {
          wait = (long) Math.ceil((1.0 - requestBucket) / (requestsPerNano * multiplier));
        }
        // A prompt bigger than the whole bucket waits for a full bucket, then overdraws it.
        double need = Math.min(estimatedTokens, tokenCapacity);
        if (wait == 0 && tokensPerNano > 0 && tokenBucket < need) {
          wait = (long) Math.ceil((need - tokenBucket) / (tokensPerNano * multiplier));
        }
        if (wait == 0) {
          if (requestsPerNano > 0) {
            requestBucket -= 1.0;
          }
          if (tokensPerNano > 0) {
            tokenBucket -= estimatedTokens;
          }
          if (!verified) {
            probing = true;
          }
          return true;
        }
      }
      long nanos = Math.max(wait, 100_000L);
      if (gate == null) {
        sleeper.sleep(nanos);
      } else {
        gate.pause(nanos, sleeper);
      }
    }
  }

  private void refill(long now) {
    long elapsed = now - lastRefill;
    if (elapsed <= 0) {
      return;
    }
    lastRefill = now;
    if (requestsPerNano > 0) {
      requestBucket = Math.min(requestCapacity * multiplier,
          requestBucket + elapsed * requestsPerNano * multiplier);
    }
    if (tokensPerNano > 0) {
      tokenBucket = Math.min(tokenCapacity, tokenBucket + elapsed * tokensPerNano * multiplier);
    }
  }

  /** Corrects the token budget once the provider reported what the call really used. */
  public synchronized void correctTokens(long estimated, long actual) {
    if (tokensPerNano > 0 && actual >= 0) {
      tokenBucket += estimated - actual;
    }
  }

  /** A success: recover a little of the rate lost to 429s, and heed the provider's headers. */
  public synchronized void onSuccess(RateLimitSnapshot limits) {
    verified = true;
    probing = false;
    multiplier = Math.min(1.0, multiplier + INCREASE);
    observe(limits);
  }

  /** A failed call that says nothing about the key: let the next call probe again. */
  public synchronized void onFailure() {
    probing = false;
  }

  /** A 429 (or 529): slow down, and pause everyone for the provider's retry-after if it sent one. */
  public synchronized void onRateLimited(long retryAfterMillis) {
    long now = clock.nanos();
    if (now - lastDecrease >= DECREASE_COOLDOWN_NANOS) {
      multiplier = Math.max(FLOOR, multiplier * DECREASE);
      lastDecrease = now;
      requestBucket = Math.min(requestBucket, 0);
    }
    if (retryAfterMillis > 0) {
      long capped = Math.min(retryAfterMillis, RetryingCaller.MAX_RETRY_AFTER_MILLIS);
      pausedUntil = Math.max(pausedUntil, now + TimeUnit.MILLISECONDS.toNanos(capped));
    }
  }

  private void observe(RateLimitSnapshot limits) {
    long now = clock.nanos();
    if (limits.remainingRequests() == 0 && limits.requestsResetMillis() > 0) {
      pausedUntil = Math.max(pausedUntil, now + TimeUnit.MILLISECONDS.toNanos(limits.requestsResetMillis()));
    }
    if (limits.remainingTokens() == 0 && limits.tokensResetMillis() > 0) {
      pausedUntil = Math.max(pausedUntil, now + TimeUnit.MILLISECONDS.toNanos(limits.tokensResetMillis()));
    }
  }

  /** The share of the configured rate in use now (1.0 unless 429s slowed it). */
  public synchronized double multiplier() {
    return multiplier;
  }
}
