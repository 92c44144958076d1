package org.hipforge.io.llm;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hipforge.io.util.Progress;

/**
 * Paces calls to one provider endpoint: requests per minute and tokens per minute as token buckets,
 * slowed multiplicatively on 429 and sped up additively after successes, and slowed evenly whenever
 * the provider's headers say its remaining budget would not last until its reset.
 *
 * <p>The limits are the configured {@code rpm}/{@code tpm}; a limit the config does not give is
 * learned from the provider's advertised one ({@code x-ratelimit-limit-requests/-tokens}, {@code
 * anthropic-ratelimit-*-limit}) the first time a response carries it, followed when it changes, and
 * announced once (configured values always win). Either way this JVM takes its {@code share} of it
 * (1/N of the provider's budget on a cluster of N worker JVMs).
 *
 * <p>One instance per endpoint per JVM ({@link #shared}), used by every worker thread, so the limit
 * holds for the whole JVM however many DoFn instances run in it. Buckets hold at most one second of
 * budget: a burst the size of a whole minute would trip the provider's own sliding window. Until
 * the first call succeeds only one call is in flight, so a rejected key costs one request. A caller
 * waiting in {@link #acquire(long, CallGate)} returns as soon as its {@link CallGate} closes. Time
 * is injectable so tests never sleep.
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

  private static final double NANOS_PER_MINUTE = 60e9;
  private static final double NANOS_PER_SECOND = 1e9;

  private static final ConcurrentHashMap<String, RateLimiter> SHARED = new ConcurrentHashMap<>();

  /**
   * This JVM's part of a configured limit; 0 when the config gives none (then it may be learned).
   */
  private final int configuredRpm;

  private final long configuredTpm;
  private final double share;
  private final String name;
  private final Consumer<String> notes;
  private final Clock clock;
  private final Sleeper sleeper;

  private final Lane requests = new Lane();
  private final Lane tokens = new Lane();
  private boolean announced;
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
    this(rpm, tpm, 1.0, "provider", note -> {}, clock, sleeper, false);
  }

  /**
   * A limiter for provider {@code name}. {@code rpm}/{@code tpm} are this JVM's part of the
   * configured limits (0: not configured, learn it from the headers); {@code share} is the part of
   * a learned limit (and of a remaining budget) this JVM takes; {@code notes} hears the one line
   * that names the limits learned; with {@code probeFirstCall} only one call is in flight until one
   * has succeeded.
   */
  public RateLimiter(
      int rpm,
      long tpm,
      double share,
      String name,
      Consumer<String> notes,
      Clock clock,
      Sleeper sleeper,
      boolean probeFirstCall) {
    if (rpm < 0 || tpm < 0) {
      throw new IllegalArgumentException("rpm and tpm must be >= 0, were " + rpm + ", " + tpm);
    }
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], was " + share);
    }
    this.configuredRpm = rpm;
    this.configuredTpm = tpm;
    this.share = share;
    this.name = name;
    this.notes = notes;
    this.clock = clock;
    this.sleeper = sleeper;
    this.requests.perNano = rpm / NANOS_PER_MINUTE;
    this.tokens.perNano = tpm / NANOS_PER_MINUTE;
    this.requests.bucket = 1.0;
    this.tokens.bucket = Math.max(1.0, tpm / 60.0);
    this.lastRefill = clock.nanos();
    this.pausedUntil = lastRefill;
    this.requests.capUntil = lastRefill;
    this.tokens.capUntil = lastRefill;
    this.verified = !probeFirstCall;
  }

  /**
   * The JVM-wide limiter of an endpoint; the first caller's limits win until {@link #clearShared}.
   */
  public static RateLimiter shared(String endpointKey, int rpm, long tpm) {
    return shared(endpointKey, "provider", rpm, tpm, 1.0);
  }

  /**
   * The JVM-wide limiter of an endpoint of provider {@code name}, for the configured {@code
   * rpm}/{@code tpm} (0: learn it from the provider's headers), of which this JVM takes {@code
   * share}; it announces learned limits on the progress output ({@link Progress#note}).
   */
  public static RateLimiter shared(
      String endpointKey, String name, int rpm, long tpm, double share) {
    int myRpm = rpm == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, part(rpm, share));
    long myTpm = tpm == 0 ? 0 : part(tpm, share);
    return SHARED.computeIfAbsent(
        endpointKey + " rpm=" + rpm + " tpm=" + tpm + " share=" + share,
        k ->
            new RateLimiter(
                myRpm, myTpm, share, name, Progress::note, SYSTEM_CLOCK, SYSTEM_SLEEPER, true));
  }

  /** This JVM's part of a per-minute limit: never 0, so a small limit still lets calls through. */
  private static long part(long limit, double share) {
    return Math.max(1, (long) Math.floor(limit * share));
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
        double requestRate = requests.rate(now, multiplier);
        double tokenRate = tokens.rate(now, multiplier);
        wait = Math.max(0, pausedUntil - now);
        if (wait == 0 && !verified && probing) {
          wait = PROBE_POLL_NANOS;
        }
        if (wait == 0 && requestRate > 0 && requests.bucket < 1.0) {
          wait = (long) Math.ceil((1.0 - requests.bucket) / requestRate);
        }
        // A prompt bigger than the whole bucket waits for a full bucket, then overdraws it.
        double need = Math.min(estimatedTokens, tokenCapacity(now));
        if (wait == 0 && tokenRate > 0 && tokens.bucket < need) {
          wait = (long) Math.ceil((need - tokens.bucket) / tokenRate);
        }
        if (wait == 0) {
          if (requestRate > 0) {
            requests.bucket -= 1.0;
          }
          if (tokenRate > 0) {
            tokens.bucket -= estimatedTokens;
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
    double requestRate = requests.rate(now, multiplier);
    if (requestRate > 0) {
      requests.bucket =
          Math.min(requests.oneSecond(now, multiplier), requests.bucket + elapsed * requestRate);
    }
    double tokenRate = tokens.rate(now, multiplier);
    if (tokenRate > 0) {
      tokens.bucket = Math.min(tokenCapacity(now), tokens.bucket + elapsed * tokenRate);
    }
  }

  /** One second of the token rate (not slowed by 429s), at least one token. */
  private double tokenCapacity(long now) {
    return tokens.oneSecond(now, 1.0);
  }

  /** Corrects the token budget once the provider reported what the call really used. */
  public synchronized void correctTokens(long estimated, long actual) {
    if (tokens.rate(clock.nanos(), multiplier) > 0 && actual >= 0) {
      tokens.bucket += estimated - actual;
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

  /**
   * A 429 (or 529): slow down, and pause everyone for the provider's retry-after if it sent one.
   */
  public synchronized void onRateLimited(long retryAfterMillis) {
    long now = clock.nanos();
    if (now - lastDecrease >= DECREASE_COOLDOWN_NANOS) {
      multiplier = Math.max(FLOOR, multiplier * DECREASE);
      lastDecrease = now;
      requests.bucket = Math.min(requests.bucket, 0);
    }
    if (retryAfterMillis > 0) {
      long capped = Math.min(retryAfterMillis, RetryingCaller.MAX_RETRY_AFTER_MILLIS);
      pausedUntil = Math.max(pausedUntil, now + TimeUnit.MILLISECONDS.toNanos(capped));
    }
  }

  private void observe(RateLimitSnapshot limits) {
    long now = clock.nanos();
    learn(limits, now);
    pace(now, limits.requests(), requests);
    pace(now, limits.tokens(), tokens);
    // A slower pace holds a smaller bucket: no burst of the old one's size.
    if (requests.rate(now, multiplier) > 0) {
      requests.bucket = Math.min(requests.bucket, requests.oneSecond(now, multiplier));
    }
    if (tokens.rate(now, multiplier) > 0) {
      tokens.bucket = Math.min(tokens.bucket, tokenCapacity(now));
    }
    // Anthropic's input and output budgets: a spent one stops everything until its reset.
    pauseIfSpent(now, limits.inputTokens());
    pauseIfSpent(now, limits.outputTokens());
  }

  /** Adopts the advertised limits the config does not give, and follows them when they change. */
  private void learn(RateLimitSnapshot limits, long now) {
    boolean learned = false;
    long rpm = limits.limitRequests();
    if (configuredRpm == 0 && rpm > 0 && rpm != requests.learned) {
      refill(now); // the time so far at the old rate
      requests.learned = rpm;
      requests.perNano = part(rpm, share) / NANOS_PER_MINUTE;
      requests.bucket =
          Math.min(
              requests.bucket, Math.max(1.0, requests.perNano * multiplier * NANOS_PER_SECOND));
      learned = true;
    }
    long tpm = limits.limitTokens();
    if (configuredTpm == 0 && tpm > 0 && tpm != tokens.learned) {
      refill(now);
      boolean first = tokens.learned < 0;
      tokens.learned = tpm;
      tokens.perNano = part(tpm, share) / NANOS_PER_MINUTE;
      // Like a configured limit, the first learned one starts with a full (one-second) bucket.
      tokens.bucket = first ? tokenCapacity(now) : Math.min(tokens.bucket, tokenCapacity(now));
      learned = true;
    }
    if (learned && !announced) {
      announced = true;
      notes.accept(announcement());
    }
  }

  /** The one line naming what was learned, e.g. "openai: no rpm/tpm in config; using ...". */
  private String announcement() {
    StringBuilder missing = new StringBuilder();
    StringBuilder used = new StringBuilder();
    StringBuilder mine = new StringBuilder();
    if (requests.learned > 0) {
      missing.append("rpm");
      used.append(requests.learned).append(" RPM");
      mine.append(part(requests.learned, share)).append(" RPM");
    }
    if (tokens.learned > 0) {
      missing.append(missing.length() > 0 ? "/" : "").append("tpm");
      used.append(used.length() > 0 ? ", " : "").append(tokens.learned).append(" TPM");
      mine.append(mine.length() > 0 ? ", " : "").append(part(tokens.learned, share)).append(" TPM");
    }
    String line = name + ": no " + missing + " in config; using the provider's advertised " + used;
    if (share < 1) {
      line += String.format(Locale.ROOT, " (this worker JVM's share %.3f of it: %s)", share, mine);
    }
    return line;
  }

  /**
   * Heeds one remaining/reset pair: a spent budget pauses everyone until the reset; otherwise the
   * pace of {@code lane} is held to this JVM's share of what remains spread evenly until the reset
   * (it binds only when the budget would run out before the reset at the base pace).
   */
  private void pace(long now, RateLimitSnapshot.Budget budget, Lane lane) {
    long remaining = budget.remaining();
    if (remaining < 0 || budget.resetMillis() < 0) {
      return; // not sent: what an earlier response said still holds
    }
    long resetNanos = TimeUnit.MILLISECONDS.toNanos(budget.resetMillis());
    if (resetNanos <= 0) {
      lane.capUntil = now; // whole again: nothing to stretch
      return;
    }
    if (remaining == 0) {
      pausedUntil = Math.max(pausedUntil, now + resetNanos);
      lane.capUntil = now;
      return;
    }
    refill(now);
    lane.capPerNano = remaining * share / resetNanos;
    lane.capUntil = now + resetNanos;
  }

  private void pauseIfSpent(long now, RateLimitSnapshot.Budget budget) {
    if (budget.remaining() == 0 && budget.resetMillis() > 0) {
      pausedUntil =
          Math.max(pausedUntil, now + TimeUnit.MILLISECONDS.toNanos(budget.resetMillis()));
    }
  }

  /** The requests per minute this JVM paces by now: configured or learned, 0 when neither. */
  public synchronized double requestsPerMinute() {
    return requests.perNano * NANOS_PER_MINUTE;
  }

  /** The tokens per minute this JVM paces by now: configured or learned, 0 when neither. */
  public synchronized double tokensPerMinute() {
    return tokens.perNano * NANOS_PER_MINUTE;
  }

  /** The share of the configured rate in use now (1.0 unless 429s slowed it). */
  public synchronized double multiplier() {
    return multiplier;
  }

  /**
   * One paced quantity, requests or tokens: its bucket, its base rate and what a remaining budget
   * allows.
   */
  private static final class Lane {
    /** The base rate: configured, or learned times the share; 0 = not paced. */
    double perNano;

    /** As the provider advertised it (before the share); -1 until learned. */
    long learned = -1;

    /**
     * What remaining/reset allow: this JVM's share of the remaining budget spread evenly until the
     * reset; it holds until {@code capUntil} (or until a newer response says otherwise).
     */
    double capPerNano;

    long capUntil;
    double bucket;

    /**
     * The rate now (0: not paced): the base rate times {@code multiplier}, capped while a cap
     * holds.
     */
    double rate(long now, double multiplier) {
      double base = perNano * multiplier;
      if (now - capUntil < 0) {
        return base > 0 ? Math.min(base, capPerNano) : capPerNano;
      }
      return base;
    }

    /** One second of {@link #rate}, at least one (so a slow rate still lets one through). */
    double oneSecond(long now, double multiplier) {
      return Math.max(1.0, rate(now, multiplier) * NANOS_PER_SECOND);
    }
  }
}
