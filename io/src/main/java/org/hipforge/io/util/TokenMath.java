package org.hipforge.io.util;

/**
 * Token counts as the ledger keeps them: sums that saturate instead of wrapping, and per-call usage
 * values outside a sane range read as unknown.
 *
 * <p>Why: a provider (or a hostile proxy) reporting {@code usage} of 1e30 made token totals wrap to
 * negative numbers. A count is a non-negative {@code long}; {@link #UNKNOWN} (-1) means "not
 * reported"; a sum never goes below 0 or above {@link Long#MAX_VALUE}.
 *
 * <pre>{@code
 * total = TokenMath.add(total, record.inputTokens()); // never negative, never wraps
 * }</pre>
 */
public final class TokenMath {
  /** A count the provider did not report, or reported as something we do not believe. */
  public static final long UNKNOWN = -1;

  /**
   * The most tokens one call may report: 1e9 is ~1000× the largest context windows sold today, so
   * anything above it is a broken or hostile {@code usage}, not a bill.
   */
  public static final long MAX_PER_CALL = 1_000_000_000L;

  private TokenMath() {}

  /**
   * {@code a + b}, where a negative (unknown) operand counts as 0, saturating at Long.MAX_VALUE.
   */
  public static long add(long a, long b) {
    long x = Math.max(0, a);
    long y = Math.max(0, b);
    long s = x + y;
    return s < 0 ? Long.MAX_VALUE : s;
  }

  /** The value when it is a believable per-call count (0..{@link #MAX_PER_CALL}), else UNKNOWN. */
  public static long perCall(long v) {
    return v >= 0 && v <= MAX_PER_CALL ? v : UNKNOWN;
  }
}
