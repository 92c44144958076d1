package org.hipforge.pipeline.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Values counted into fixed bins, with their count, mean and percentiles: one distribution chart of
 * the report. Bins are fixed in Java (not in the page) so the page holds counts, not every value.
 *
 * <pre>{@code
 * Histogram h = Histogram.latencyMs();
 * h.add(930);
 * h.labels(); // "<100 ms", "100-250 ms", ...
 * }</pre>
 */
public final class Histogram {
  private final double[]
      upper; // bin i holds values < upper[i] (and >= upper[i-1]); the last is open
  private final List<String> labels;
  private final long[] counts;
  private double[] values = new double[64];
  private int n;

  private Histogram(double[] upper, List<String> labels) {
    this.upper = upper;
    this.labels = labels;
    this.counts = new long[labels.size()];
  }

  /**
   * Latency of one answer in milliseconds: steps that grow about 2-2.5x, because provider latencies
   * run from ~100 ms (a cached or tiny answer) to minutes (a long generation).
   */
  public static Histogram latencyMs() {
    double[] up = {
      100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, Double.POSITIVE_INFINITY
    };
    return new Histogram(
        up,
        List.of(
            "<100 ms",
            "100-250 ms",
            "250-500 ms",
            "0.5-1 s",
            "1-2 s",
            "2-5 s",
            "5-10 s",
            "10-30 s",
            "30-60 s",
            ">=60 s"));
  }

  /** A score in [0, 1] (fidelity): ten bins of 0.1 and one for exactly 1, the perfect score. */
  public static Histogram unitScore() {
    double[] up = new double[11];
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      up[i] = (i + 1) / 10.0;
      labels.add(String.format(Locale.ROOT, "%.1f-%.1f", i / 10.0, (i + 1) / 10.0));
    }
    up[9] = 1.0; // [0.9, 1.0) then exactly 1.0
    up[10] = Double.POSITIVE_INFINITY;
    labels.add("1.0");
    return new Histogram(up, labels);
  }

  /**
   * A count-like quantity of unknown range (registers, bytes): bins of powers of two from 0, since
   * GPU resources are allocated in such steps.
   */
  public static Histogram powersOfTwo() {
    List<String> labels = new ArrayList<>();
    double[] up = new double[22];
    up[0] = 1;
    labels.add("0");
    for (int i = 1; i < 21; i++) {
      up[i] = Math.pow(2, i);
      labels.add(
          i == 1
              ? "1"
              : String.format(Locale.ROOT, "%d-%d", (long) Math.pow(2, i - 1), (long) up[i] - 1));
    }
    up[21] = Double.POSITIVE_INFINITY;
    labels.add(">=" + (1L << 20));
    return new Histogram(up, labels);
  }

  public void add(double v) {
    if (Double.isNaN(v)) {
      return;
    }
    int i = 0;
    while (v >= upper[i]) {
      i++;
    }
    counts[i]++;
    if (n == values.length) {
      values = Arrays.copyOf(values, n * 2);
    }
    values[n++] = v;
  }

  public long count() {
    return n;
  }

  public List<String> labels() {
    return labels;
  }

  public long[] counts() {
    return counts.clone();
  }

  /** The {@code p}-th percentile (nearest rank), or NaN without values. */
  public double percentile(double p) {
    if (n == 0) {
      return Double.NaN;
    }
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * n);
    return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
  }

  public double mean() {
    if (n == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += values[i];
    }
    return sum / n;
  }

  /**
   * The bins that hold values, from the first to the last non-empty one (so charts are not mostly
   * empty).
   */
  int firstUsed() {
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        return i;
      }
    }
    return 0;
  }

  int lastUsed() {
    for (int i = counts.length - 1; i >= 0; i--) {
      if (counts[i] > 0) {
        return i;
      }
    }
    return counts.length - 1;
  }
}
