package org.hipforge.llmsim;

import java.util.function.LongSupplier;

/**
 * The simulator's per-minute request and token limits as two token buckets, like the real
 * providers: each starts full and refills continuously at limit/60 per second.
 */
final class SimulatedRateLimiter {

  private static final double NANOS_PER_MINUTE = 60e9;

  /**
   * What one acquisition decided, plus the bucket levels to report in headers.
   *
   * @param refusedBy "requests" or "tokens": the limit that refused; null when admitted
   * @param tooLarge true when the request alone needs more tokens than the whole bucket holds
   */
  record Decision(
      boolean admitted,
      String refusedBy,
      boolean tooLarge,
      long retryAfterMillis,
      long rpm,
      long remainingRequests,
      long requestsResetMillis,
      long tpm,
      long remainingTokens,
      long tokensResetMillis,
      long requestedTokens) {}

  private final Bucket requests;
  private final Bucket tokens;
  private final LongSupplier nanoClock;
  private long lastRefillNanos;

  SimulatedRateLimiter(int rpm, long tpm, LongSupplier nanoClock) {
    this.requests = new Bucket(rpm);
    this.tokens = new Bucket(tpm);
    this.nanoClock = nanoClock;
    this.lastRefillNanos = nanoClock.getAsLong();
  }

  boolean limited() {
    return requests.limit > 0 || tokens.limit > 0;
  }

  /** Takes one request and {@code n} tokens if both buckets hold them, else neither. */
  synchronized Decision tryAcquire(long n) {
    long now = nanoClock.getAsLong();
    long elapsed = now - lastRefillNanos;
    lastRefillNanos = now;
    requests.refill(elapsed);
    tokens.refill(elapsed);
    long requestWait = requests.waitFor(1);
    boolean tooLarge = tokens.limit > 0 && n > tokens.limit;
    // A request bigger than the bucket can never pass; a minute is the honest retry hint.
    long tokenWait = tooLarge ? 60_000 : tokens.waitFor(n);
    boolean admitted = requestWait == 0 && tokenWait == 0;
    if (admitted) {
      requests.take(1);
      tokens.take(n);
    }
    String refusedBy = admitted ? null : requestWait >= tokenWait ? "requests" : "tokens";
    return new Decision(
        admitted,
        refusedBy,
        tooLarge,
        Math.max(requestWait, tokenWait),
        requests.limit,
        requests.remaining(),
        requests.resetMillis(),
        tokens.limit,
        tokens.remaining(),
        tokens.resetMillis(),
        n);
  }

  /** One bucket of {@code limit} units a minute, starting full; 0: unlimited (never checked). */
  private static final class Bucket {
    final long limit;
    double level;

    Bucket(long limit) {
      this.limit = limit;
      this.level = limit;
    }

    void refill(long elapsedNanos) {
      if (limit > 0) {
        level = Math.min(limit, level + elapsedNanos * limit / NANOS_PER_MINUTE);
      }
    }

    /** Milliseconds until it holds {@code units}; 0 when it does or is unlimited. */
    long waitFor(double units) {
      return limit > 0 && level < units ? waitMillis(units - level, limit) : 0;
    }

    void take(long units) {
      if (limit > 0) {
        level -= units;
      }
    }

    long remaining() {
      return (long) Math.floor(level);
    }

    /** Milliseconds until it is full again. */
    long resetMillis() {
      return waitMillis(limit - level, limit);
    }
  }

  // Milliseconds until `missing` units refill at limit per minute, rounded up; 0 when unlimited.
  private static long waitMillis(double missing, long limit) {
    if (limit <= 0 || missing <= 0) {
      return 0;
    }
    return (long) Math.ceil(missing * 60_000.0 / limit);
  }
}
