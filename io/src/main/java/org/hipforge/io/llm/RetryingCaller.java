package org.hipforge.io.llm;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Calls an {@link LlmClient} until it answers or the error is final: paced by a {@link
 * RateLimiter}, retrying retryable categories with exponential backoff and full jitter.
 *
 * <p>Backoff starts at {@link #BASE_BACKOFF_MILLIS} and doubles to at most {@link
 * #MAX_BACKOFF_MILLIS}; a server's retry-after is obeyed when it asks for longer. The {@link
 * CallGate} is looked at before every attempt: once it is closed nothing more is sent, and a wait
 * for a backoff or for the limiter ends at once. An error whose category stops the run ({@link
 * ErrorCategory#runStop}: a rejected key, an exhausted quota, a wrong endpoint, an unreachable
 * base_url after the last attempt) closes the run's gate, so no other thread of the run in this JVM
 * sends another request; it is not retried.
 *
 * <p>What is retried follows the official OpenAI and Anthropic SDKs ({@link
 * LlmException#retryable()}): 408, 409, 429, >= 500, timeouts and broken connections, and whatever
 * the provider's {@code x-should-retry} header says either way. Beyond them ({@link RetryRules}): a
 * 503 is retried past {@code max_attempts} until {@code retry_budget_s} of waiting is used (a model
 * still loading), each such wait said on the progress line; a retry-after above {@code
 * max_retry_after_s} stops the run ({@link CallGate.Kind#WAIT}; the task stays pending); a body
 * that timed out after its headers is retried at most {@code body_timeout_retries} times.
 *
 * @param policy how it retries ({@link Policy#of} a provider's settings)
 * @param sleeper how it waits between attempts (tests give a fake clock's)
 * @param listener hears every attempt; null: no metrics, waits said on the progress line
 * @param gate stops it when closed; an error that stops the run closes the run's gate ({@link
 *     CallGate#standalone} for a caller used alone)
 */
public record RetryingCaller(
    LlmClient client,
    RateLimiter limiter,
    RetryingCaller.Policy policy,
    RateLimiter.Sleeper sleeper,
    RetryingCaller.Listener listener,
    CallGate gate) {
  /** First backoff: long enough for a blip to pass, short enough not to idle a run. */
  public static final long BASE_BACKOFF_MILLIS = 500;

  /** Longest backoff between attempts. */
  public static final long MAX_BACKOFF_MILLIS = 30_000;

  /** The longest retry-after we obey; a larger one (or a broken header) is treated as this. */
  public static final long MAX_RETRY_AFTER_MILLIS = 15 * 60_000;

  /**
   * A 503's backoff grows for this many steps only (to 8 s, the official SDKs' longest): a model
   * that finished loading is used within seconds, not after a 30 s backoff.
   */
  static final int UNAVAILABLE_BACKOFF_STEPS = 5;

  /** A wait the provider asks for that is long enough to be said on the progress line. */
  static final long LONG_WAIT_MILLIS = 10_000;

  /** Hears every attempt, for metrics. */
  public interface Listener {
    default void sent() {}

    default void retried(ErrorCategory category) {}

    default void rateLimited() {}

    /**
     * A long or unusual wait, said once as it starts (a model still loading, a long retry-after, a
     * retry-after past the cap that stops the run): on the progress line by default.
     */
    default void waiting(String what) {
      org.hipforge.io.util.Progress.status(what);
    }

    /**
     * A call waits {@code millis} before its next attempt, for {@code reason}: on the progress line
     * by default.
     */
    default void pausing(long millis, String reason) {
      org.hipforge.io.util.Progress.pause(millis, reason);
    }
  }

  /**
   * How a call ended: an answer, the last error, or stopped by the gate (no answer, no final error:
   * the task stays pending), and how many attempts it took.
   *
   * @param stopped the gate closed before an answer (not by a rejected key, which is an AUTH {@link
   *     #error}): no answer was paid for and the task must get no record; {@link #error} is then
   *     the last attempt's error, or null when nothing was sent
   * @param latencyMillis wall time of the successful (or last) attempt, without the waits before it
   */
  public record Outcome(
      ChatResponse response,
      LlmException error,
      int attempts,
      long latencyMillis,
      boolean stopped) {
    Outcome(ChatResponse response, LlmException error, int attempts, long latencyMillis) {
      this(response, error, attempts, latencyMillis, false);
    }

    public boolean ok() {
      return response != null;
    }
  }

  /**
   * How a caller retries: at most {@code maxAttempts} attempts a call (a 503 may go on past them,
   * {@link RetryRules#retryBudgetS}), the {@code max_tokens} a request without its own is estimated
   * at, and the {@link RetryRules} beyond them (null: {@link RetryRules#DEFAULTS}).
   */
  public record Policy(int maxAttempts, int maxTokens, RetryRules rules) {
    public Policy {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      rules = rules == null ? RetryRules.DEFAULTS : rules;
    }

    /** The policy of {@code provider}: its max_attempts, max_tokens and retry rules. */
    public static Policy of(ProviderConfig provider) {
      return new Policy(provider.maxAttempts(), provider.maxTokens(), provider.retryRules());
    }
  }

  /** The listener of a caller given none: no metrics, waits said on the progress line. */
  private static final Listener DEFAULT_LISTENER = new Listener() {};

  /** A null {@code listener} is {@link #DEFAULT_LISTENER}. */
  public RetryingCaller {
    listener = listener == null ? DEFAULT_LISTENER : listener;
  }

  public Outcome call(ChatRequest request) throws InterruptedException {
    long estimate = request.estimatedTokens(request.maxTokensOr(policy.maxTokens()));
    RetryRules rules = policy.rules();
    LlmException last = null;
    long latency = 0;
    long waitedMillis = 0;
    int bodyTimeouts = 0;
    for (int attempt = 1; ; attempt++) {
      if (!limiter.acquire(estimate, gate)) {
        return stopped(last, attempt - 1, latency);
      }
      listener.sent();
      long start = System.nanoTime();
      gate.requestSent();
      try {
        ChatResponse response;
        try {
          response = client.complete(request);
        } finally {
          gate.requestReturned();
        }
        latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long actual =
            response.inputTokens() >= 0 && response.outputTokens() >= 0
                ? response.inputTokens() + response.outputTokens()
                : -1;
        limiter.correctTokens(estimate, actual);
        limiter.onSuccess(response.rateLimits());
        return new Outcome(response, null, attempt, latency);
      } catch (LlmException e) {
        latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        last = e;
        LlmException.Http http = e.http();
        if (e.answer() != null) {
          // A billed 200 that cannot be used (refused, filtered, truncated, empty): the endpoint
          // and key work, its usage paces like an answer's; final, never a second paid try.
          ChatResponse a = e.answer();
          limiter.correctTokens(
              estimate,
              a.inputTokens() >= 0 && a.outputTokens() >= 0
                  ? a.inputTokens() + a.outputTokens()
                  : -1);
          limiter.onSuccess(a.rateLimits());
          return new Outcome(null, e, attempt, latency);
        }
        boolean retry = mayRetry(e, attempt, waitedMillis, bodyTimeouts);
        // The provider's x-should-retry: true wins over a stop, as long as retries are left.
        CallGate.Kind runStop =
            retry && Boolean.TRUE.equals(http.shouldRetry()) ? null : e.category().runStop(!retry);
        if (runStop != null) {
          gate.root().close(runStop, e.getMessage());
          return new Outcome(null, e, attempt, latency);
        }
        limiter.onFailure();
        if (retry && http.retryAfterMillis() > TimeUnit.SECONDS.toMillis(rules.maxRetryAfterS())) {
          // Waiting that long holds the run silently for hours (a daily limit): stop it instead.
          String why =
              e.getMessage()
                  + "; the provider asks to wait "
                  + seconds(http.retryAfterMillis())
                  + " before the next request, more than max_retry_after_s "
                  + rules.maxRetryAfterS()
                  + " s";
          listener.waiting(why);
          gate.root().close(CallGate.Kind.WAIT, why);
          return stopped(e, attempt, latency);
        }
        if (e.category() == ErrorCategory.RATE_LIMITED
            || e.category() == ErrorCategory.OVERLOADED) {
          listener.rateLimited();
          limiter.onRateLimited(http.retryAfterMillis());
        }
        if (!retry) {
          return new Outcome(null, e, attempt, latency);
        }
        if (!gate.isOpen()) {
          return stopped(e, attempt, latency);
        }
        if (http.afterHeaders()) {
          bodyTimeouts++;
        }
        listener.retried(e.category());
        boolean unavailable = http.status() == 503;
        long wait =
            backoffMillis(
                unavailable ? Math.min(attempt, UNAVAILABLE_BACKOFF_STEPS) : attempt,
                http.retryAfterMillis(),
                TimeUnit.SECONDS.toMillis(rules.maxRetryAfterS()));
        if (unavailable && attempt >= policy.maxAttempts()) {
          listener.waiting(
              e.getMessage()
                  + "; the server is not ready: retry "
                  + (attempt + 1)
                  + " in "
                  + seconds(wait)
                  + ", "
                  + seconds(waitedMillis)
                  + " of retry_budget_s "
                  + rules.retryBudgetS()
                  + " s used");
        } else if (http.retryAfterMillis() >= LONG_WAIT_MILLIS) {
          listener.waiting(
              e.getMessage()
                  + "; the provider asks to wait "
                  + seconds(http.retryAfterMillis())
                  + " (retry-after); waiting (max_retry_after_s "
                  + rules.maxRetryAfterS()
                  + " s)");
        }
        waitedMillis += wait;
        listener.pausing(wait, pauseReason(e));
        gate.pause(TimeUnit.MILLISECONDS.toNanos(wait), sleeper);
      }
    }
  }

  /**
   * Why a call waits before its next attempt, in the user's words (the progress line's "waiting N
   * s: ...").
   */
  static String pauseReason(LlmException e) {
    LlmException.Http http = e.http();
    if (http.retryAfterMillis() > 0) {
      return "provider asked to retry later (retry-after, HTTP " + http.status() + ")";
    }
    if (http.status() == 503) {
      return "server not ready (HTTP 503), backing off";
    }
    if (e.category() == ErrorCategory.RATE_LIMITED) {
      return "rate limited (HTTP 429), backing off";
    }
    return e.category().label()
        + (http.status() > 0 ? " (HTTP " + http.status() + ")" : "")
        + ", backing off";
  }

  /**
   * Whether a failed attempt is tried again: the error says it can help ({@link
   * LlmException#retryable()}: the category, or the provider's {@code x-should-retry}), and
   * attempts are left, where a 503 (a model still loading) may go past {@code max_attempts} until
   * {@code retry_budget_s} of waiting is used, and a body that timed out after its headers is
   * retried at most {@code body_timeout_retries} times (each try is a new paid generation).
   */
  private boolean mayRetry(LlmException e, int attempt, long waitedMillis, int bodyTimeouts) {
    if (!e.retryable()) {
      return false;
    }
    LlmException.Http http = e.http();
    if (http.afterHeaders() && bodyTimeouts >= policy.rules().bodyTimeoutRetries()) {
      return false;
    }
    return attempt < policy.maxAttempts()
        || (http.status() == 503
            && waitedMillis < TimeUnit.SECONDS.toMillis(policy.rules().retryBudgetS()));
  }

  private static String seconds(long millis) {
    return millis >= 3_600_000
        ? String.format(java.util.Locale.ROOT, "%d s (%.1f h)", millis / 1000, millis / 3.6e6)
        : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  /** The gate closed: an AUTH error when the key was rejected (by any caller of the run). */
  private Outcome stopped(LlmException last, int attempts, long latency) {
    CallGate.Stop s = gate.stop();
    if (s != null && s.kind() == CallGate.Kind.AUTH) {
      return new Outcome(
          null, new LlmException(ErrorCategory.AUTH, 0, -1, s.reason()), attempts, latency);
    }
    return new Outcome(null, last, attempts, latency, true);
  }

  /** Full-jitter exponential backoff, never shorter than what the server asked for. */
  static long backoffMillis(int attempt, long retryAfterMillis) {
    return backoffMillis(attempt, retryAfterMillis, MAX_RETRY_AFTER_MILLIS);
  }

  /**
   * Full-jitter exponential backoff, never shorter than what the server asked for up to {@code
   * maxRetryAfterMillis}.
   */
  static long backoffMillis(int attempt, long retryAfterMillis, long maxRetryAfterMillis) {
    long cap = Math.min(MAX_BACKOFF_MILLIS, BASE_BACKOFF_MILLIS << Math.min(attempt - 1, 16));
    long jittered = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    return Math.max(jittered, Math.min(retryAfterMillis, maxRetryAfterMillis));
  }
}
