package org.hipforge.transforms;

import java.io.Serializable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.RetryingCaller;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Progress;

/**
 * {@link CallLlm}'s Beam counters (named {@code CallLlm.*}: the cluster client's progress line
 * reads them) and the local progress line. Beam counters count only on the processing thread: the
 * request threads add to deltas here that {@link #flush} moves into the counters.
 */
final class CallMetrics implements RetryingCaller.Listener, Serializable {
  private static final long serialVersionUID = 1L;

  private final Counter sent = Metrics.counter(CallLlm.class, "requests_sent");
  private final Counter succeeded = Metrics.counter(CallLlm.class, "succeeded");
  private final Counter failed = Metrics.counter(CallLlm.class, "failed");
  private final Counter retried = Metrics.counter(CallLlm.class, "retried");
  private final Counter rateLimited = Metrics.counter(CallLlm.class, "rate_limited_429");
  private final Counter cacheHits = Metrics.counter(CallLlm.class, "cache_hits");
  private final Counter tokensIn = Metrics.counter(CallLlm.class, "input_tokens");
  private final Counter tokensOut = Metrics.counter(CallLlm.class, "output_tokens");
  private transient AtomicLong sentDelta;
  private transient AtomicLong retriedDelta;
  private transient AtomicLong limitedDelta;

  /** Called in {@code @Setup}, before any request thread hears of this listener. */
  void start() {
    sentDelta = new AtomicLong();
    retriedDelta = new AtomicLong();
    limitedDelta = new AtomicLong();
  }

  @Override
  public void sent() {
    sentDelta.incrementAndGet();
    Progress.call();
  }

  @Override
  public void retried(ErrorCategory category) {
    retriedDelta.incrementAndGet();
    Progress.retried();
  }

  @Override
  public void rateLimited() {
    limitedDelta.incrementAndGet();
    Progress.rateLimited();
  }

  /** A task answered from the journal on the processing thread. */
  void cacheHit() {
    cacheHits.inc();
    Progress.cacheHit();
  }

  /** Moves what the request threads counted into the Beam counters (processing thread). */
  void flush() {
    sent.inc(sentDelta.getAndSet(0));
    retried.inc(retriedDelta.getAndSet(0));
    rateLimited.inc(limitedDelta.getAndSet(0));
  }

  /** An answer emitted (processing thread). */
  void succeeded(StateRecord r) {
    succeeded.inc();
    tokensIn.inc(Math.max(0, r.inputTokens())); // each at most TokenMath.MAX_PER_CALL
    tokensOut.inc(Math.max(0, r.outputTokens()));
  }

  /** A failure emitted (processing thread): one counter per category, created on first use. */
  void failed(Failure f) {
    failed.inc();
    Metrics.counter(CallLlm.class, "failed_" + f.category()).inc();
  }
}
