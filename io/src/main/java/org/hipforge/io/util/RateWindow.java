package org.hipforge.io.util;

import java.util.ArrayDeque;

/**
 * The recent rate of a growing count, for an ETA that follows the run as it is now: tasks per
 * second over the last {@code window} of samples, not since the start.
 *
 * <p>Why not since the start: the first answers arrive one latency after the start (seconds with
 * nothing done), and a provider's pace changes (a 429 halves it, a recovered limiter doubles it); a
 * since-start rate is too low at first (measured: an ETA 3x too long for the first 20 s of a
 * 100-task run) and slow to follow a change. The window also starts at the first sample that
 * counted anything, so the wait for the first answer never counts as slowness.
 *
 * <p>Not thread-safe: one sampler (the progress timer) calls {@link #add}; times are injected, so
 * tests need no clock.
 *
 * <pre>{@code
 * RateWindow w = new RateWindow(TimeUnit.SECONDS.toNanos(30));
 * w.add(System.nanoTime(), done);       // every second
 * double perSecond = w.rate();          // NaN until two samples differ
 * long eta = w.etaSeconds(total - done);
 * }</pre>
 */
public final class RateWindow {
  private final long windowNanos;
  private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {nanos, count}, oldest first

  public RateWindow(long windowNanos) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("windowNanos must be > 0, was " + windowNanos);
    }
    this.windowNanos = windowNanos;
  }

  /**
   * Records that the count was {@code count} at {@code nanos} (monotonic, e.g. {@link
   * System#nanoTime}).
   */
  public void add(long nanos, long count) {
    samples.addLast(new long[] {nanos, count});
    // Keep one sample at or before the window's start as its anchor; drop the older ones.
    while (samples.size() > 2) {
      long[] second = secondOldest();
      if (nanos - second[0] >= windowNanos) {
        samples.removeFirst();
      } else {
        break;
      }
    }
  }

  private long[] secondOldest() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }

  /**
   * Counted per second from the window's first sample to the latest; while the window still holds
   * the start of the count (its first sample counted 0), from the first sample that counted
   * something instead. NaN when that leaves less than two samples.
   */
  public double rate() {
    if (samples.size() < 2) {
      return Double.NaN;
    }
    long[] from = samples.peekFirst();
    long[] last = samples.peekLast();
    if (from[1] == 0) {
      from = null;
      for (long[] s : samples) {
        if (s[1] > 0) {
          from = s;
          break;
        }
      }
      if (from == null) {
        return Double.NaN;
      }
    }
    if (last[0] <= from[0]) {
      return Double.NaN;
    }
    return (last[1] - from[1]) / ((last[0] - from[0]) / 1e9);
  }

  /** Seconds to count {@code remaining} more at {@link #rate}; -1 when unknown. */
  public long etaSeconds(long remaining) {
    if (remaining <= 0) {
      return 0;
    }
    double r = rate();
    if (Double.isNaN(r) || r <= 0) {
      return -1;
    }
    return (long) Math.ceil(remaining / r);
  }

  public void clear() {
    samples.clear();
  }
}
