package org.hipforge.llmsim;

/** How the simulated provider spreads its answer latency around the configured mean. */
public enum LatencyDistribution {
  /** Every answer takes exactly the mean, so timing tests can predict it. */
  FIXED,
  /**
   * Answer times are exponential with the given mean: mostly quick with a long tail, which is how
   * real model latencies look and what exposes head-of-line blocking in a client.
   */
  EXPONENTIAL;

  /** The latency in milliseconds for a uniform draw {@code u} in [0, 1). */
  long sampleMillis(long meanMillis, double u) {
    if (meanMillis == 0 || this == FIXED) {
      return meanMillis;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    return Math.round(-meanMillis * Math.log(1.0 - u));
  }
}
