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
      int rpm,
      long remainingRequests,
      long requestsResetMillis,
      long tpm,
      long remainingTokens,
      long tokensResetMillis,
      long requestedTokens) {}

  private final int rpm;
  private final long tpm;
  private final LongSupplier nanoClock;
  private double requestLevel;
  private double tokenLevel;
  private long lastRefillNanos;

  SimulatedRateLimiter(int rpm, long tpm, LongSupplier nanoClock) {
    this.rpm = rpm;
    this.tpm = tpm;
    this.nanoClock = nanoClock;
    this.requestLevel = rpm;
    this.tokenLevel = tpm;
    this.lastRefillNanos = nanoClock.getAsLong();
  }

  boolean limited() {
    return rpm > 0 || tpm > 0;
  }

  /** Takes one request and {@code tokens} tokens if both buckets hold them, else neither. */
  synchronized Decision tryAcquire(long tokens) {
    refill();
    long requestWait = rpm > 0 && requestLevel < 1 ? waitMillis(1 - requestLevel, rpm) : 0;
    boolean tooLarge = tpm > 0 && tokens > tpm;
    // A request bigger than the bucket can never pass; a minute is the honest retry hint.
    long tokenWait =
        tooLarge
            ? 60_000
            : tpm > 0 && tokenLevel < tokens ? waitMillis(tokens - tokenLevel, tpm) : 0;
    boolean admitted = requestWait == 0 && tokenWait == 0;
    if (admitted) {
      if (rpm > 0) {
        requestLevel -= 1;
      }
      if (tpm > 0) {
        tokenLevel -= tokens;
      }
    }
    String refusedBy = admitted ? null : requestWait >= tokenWait ? "requests" : "tokens";
    return new Decision(
        admitted,
        refusedBy,
        tooLarge,
        Math.max(requestWait, tokenWait),
        rpm,
        (long) Math.floor(requestLevel),
        waitMillis(rpm - requestLevel, rpm),
        tpm,
        (long) Math.floor(tokenLevel),
        waitMillis(tpm - tokenLevel, tpm),
        tokens);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    long elapsed = now - lastRefillNanos;
    lastRefillNanos = now;
    if (rpm > 0) {
      requestLevel = Math.min(rpm, requestLevel + elapsed * rpm / NANOS_PER_MINUTE);
    }
    if (tpm > 0) {
      tokenLevel = Math.min(tpm, tokenLevel + elapsed * tpm / NANOS_PER_MINUTE);
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
