package org.hipforge.io.llm;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Calls an {@link LlmClient} until it answers or the error is final: paced by a {@link
 * RateLimiter}, retrying retryable categories with exponential backoff and full jitter.
 *
 * <p>Backoff starts at {@link #BASE_BACKOFF_MILLIS} and doubles to at most {@link
 * #MAX_BACKOFF_MILLIS}; a server's retry-after is obeyed when it asks for longer. An AUTH failure
 * aborts the shared limiter so no other thread in this JVM sends another request.
 */
public final class RetryingCaller {
  /** First backoff: long enough for a blip to pass, short enough not to idle a run. */
  public static final long BASE_BACKOFF_MILLIS = 500;
  /** Longest backoff between attempts. */
  public static final long MAX_BACKOFF_MILLIS = 30_000;
  /** The longest retry-after we obey; a larger one (or a broken header) is treated as this. */
  public static final long MAX_RETRY_AFTER_MILLIS = 15 * 60_000;

  /** Hears every attempt, for metrics. */
  public interface Listener {
    default void sent() {}

    default void retried(ErrorCategory category) {}

    default void rateLimited() {}
  }

  /** How a call ended: an answer, or the last error, and how many attempts it took. */
  public static final class Outcome {
    private final ChatResponse response;
    private final LlmException error;
    private final int attempts;
    private final long latencyMillis;

    Outcome(ChatResponse response, LlmException error, int attempts, long latencyMillis) {
      this.response = response;
      this.error = error;
      this.attempts = attempts;
      this.latencyMillis = latencyMillis;
    }

    public boolean ok() {
      return response != null;
    }

    public ChatResponse response() {
      return response;
    }

    public LlmException error() {
      return error;
    }

    public int attempts() {
      return attempts;
    }

    /** Wall time of the successful (or last) attempt, without the waits before it. */
    public long latencyMillis() {
      return latencyMillis;
    }
  }

  private final LlmClient client;
  private final RateLimiter limiter;
  private final int maxAttempts;
  private final int maxTokens;
  private final RateLimiter.Sleeper sleeper;
  private final Listener listener;

  public RetryingCaller(LlmClient client, RateLimiter limiter, int maxAttempts, int maxTokens,
      RateLimiter.Sleeper sleeper, Listener listener) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    this.client = client;
    this.limiter = limiter;
    this.maxAttempts = maxAttempts;
    this.maxTokens = maxTokens;
    this.sleeper = sleeper;
    this.listener = listener == null ? new Listener() {} : listener;
  }

  public Outcome call(ChatRequest request) throws InterruptedException {
    long estimate = request.estimatedTokens(maxTokens);
    LlmException last = null;
    long latency = 0;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        limiter.acquire(estimate);
      } catch (LlmException aborted) {
        return new Outcome(null, aborted, attempt - 1, latency);
      }
      listener.sent();
      long start = System.nanoTime();
      try {
        ChatResponse response = client.complete(request);
        latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long actual = response.inputTokens() >= 0 && response.outputTokens() >= 0
            ? response.inputTokens() + response.outputTokens() : -1;
        limiter.correctTokens(estimate, actual);
        limiter.onSuccess(response.rateLimits());
        return new Outcome(response, null, attempt, latency);
      } catch (LlmException e) {
        latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        last = e;
        if (e.category() != ErrorCategory.AUTH) {
          limiter.onFailure();
        }
        if (e.category() == ErrorCategory.AUTH) {
          limiter.abort(e.getMessage());
          return new Outcome(null, e, attempt, latency);
        }
        if (e.category() == ErrorCategory.RATE_LIMITED || e.category() == ErrorCategory.OVERLOADED) {
          listener.rateLimited();
          limiter.onRateLimited(e.retryAfterMillis());
        }
        if (!e.category().retryable() || attempt == maxAttempts) {
          return new Outcome(null, e, attempt, latency);
        }
        listener.retried(e.category());
        sleeper.sleep(TimeUnit.MILLISECONDS.toNanos(backoffMillis(attempt, e.retryAfterMillis())));
      }
    }
    return new Outcome(null, last, maxAttempts, latency);
  }

  /** Full-jitter exponential backoff, never shorter than what the server asked for. */
  static long backoffMillis(int attempt, long retryAfterMillis) {
    long cap = Math.min(MAX_BACKOFF_MILLIS, BASE_BACKOFF_MILLIS << Math.min(attempt - 1, 16));
    long jittered = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    return Math.max(jittered, Math.min(retryAfterMillis, MAX_RETRY_AFTER_MILLIS));
  }
}
