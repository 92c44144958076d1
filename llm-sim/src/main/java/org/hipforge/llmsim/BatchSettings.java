package org.hipforge.llmsim;

/**
 * How the simulator's Batch API endpoints behave: how long a batch takes to end ({@code delayMs},
 * its lines finishing evenly over that time), the fraction of lines that fail with a 500 of their
 * own ({@code lineErrorRate}) and the fraction that expire unanswered ({@code expireRate}, which
 * also ends the batch as expired). Draws come from the simulator's seed, on streams of their own.
 *
 * <pre>{@code
 * SimulatorConfig.defaults().withBatch(BatchSettings.defaults().withDelayMs(200).withExpireRate(0.1))
 * }</pre>
 */
public record BatchSettings(long delayMs, double lineErrorRate, double expireRate) {
  /** One second: long enough to see a batch in progress, short enough for tests and the demo. */
  private static final BatchSettings DEFAULTS = new BatchSettings(1_000, 0, 0);

  public BatchSettings {
    if (delayMs < 0) {
      throw new IllegalArgumentException("batch delayMs must be >= 0, was " + delayMs);
    }
    if (!(lineErrorRate >= 0 && lineErrorRate <= 1)) {
      throw new IllegalArgumentException(
          "batch lineErrorRate must be in [0, 1], was " + lineErrorRate);
    }
    if (!(expireRate >= 0 && expireRate <= 1)) {
      throw new IllegalArgumentException("batch expireRate must be in [0, 1], was " + expireRate);
    }
    if (lineErrorRate + expireRate > 1) {
      throw new IllegalArgumentException(
          "batch lineErrorRate + expireRate must be <= 1 (one draw per line), was "
              + (lineErrorRate + expireRate));
    }
  }

  /** Batches end after 1 s; no line errors, nothing expires. */
  public static BatchSettings defaults() {
    return DEFAULTS;
  }

  public BatchSettings withDelayMs(long ms) {
    return new BatchSettings(ms, lineErrorRate, expireRate);
  }

  public BatchSettings withLineErrorRate(double rate) {
    return new BatchSettings(delayMs, rate, expireRate);
  }

  public BatchSettings withExpireRate(double rate) {
    return new BatchSettings(delayMs, lineErrorRate, rate);
  }
}
