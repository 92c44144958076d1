package org.hipforge.llmsim;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * The rates of the outcomes of one uniform draw in [0, 1): every constant of {@code E} but the
 * first has a rate, they share the unit interval (one draw picks at most one), and the first (the
 * plain outcome: no fault, the normal answer) gets what they leave. Immutable.
 */
final class DrawRates<E extends Enum<E>> {
  private final E[] outcomes;
  private final double[] rates;
  private final Function<E, String> label;
  private final String kind;

  private DrawRates(E[] outcomes, double[] rates, Function<E, String> label, String kind) {
    this.outcomes = outcomes;
    this.rates = rates;
    this.label = label;
    this.kind = kind;
  }

  /**
   * All rates 0. {@code label} names an outcome's rate in error messages ("dropRate"), {@code kind}
   * the family ("fault").
   */
  static <E extends Enum<E>> DrawRates<E> zero(
      Class<E> type, Function<E, String> label, String kind) {
    E[] outcomes = type.getEnumConstants();
    return new DrawRates<>(outcomes, new double[outcomes.length], label, kind);
  }

  /** A copy with {@code outcome}'s rate set, checked to lie in [0, 1] and to keep the sum <= 1. */
  DrawRates<E> with(E outcome, double rate) {
    String name = label.apply(outcome);
    check(outcome.ordinal() != 0, "the " + outcome + " rate is what the others leave", rate);
    check(rate >= 0 && rate <= 1, name + " must be in [0, 1]", rate);
    double sum = sum() - rates[outcome.ordinal()] + rate;
    check(
        sum <= 1.0 + 1e-9,
        name
            + " would make the "
            + kind
            + " rates sum above 1 (sum "
            + String.format(Locale.ROOT, "%.4f", sum)
            + ")",
        rate);
    double[] copy = rates.clone();
    copy[outcome.ordinal()] = rate;
    return new DrawRates<>(outcomes, copy, label, kind);
  }

  /** The rate of {@code outcome}; for the first constant, what the others leave. */
  double rate(E outcome) {
    return outcome.ordinal() == 0 ? Math.max(0, 1 - sum()) : rates[outcome.ordinal()];
  }

  /** The outcome of a uniform draw {@code u} in [0, 1): the others in declaration order. */
  E pick(double u) {
    double edge = 0;
    for (int i = 1; i < outcomes.length; i++) {
      edge += rates[i];
      if (u < edge) {
        return outcomes[i];
      }
    }
    return outcomes[0];
  }

  private double sum() {
    double sum = 0;
    for (double r : rates) {
      sum += r;
    }
    return sum;
  }

  private static void check(boolean ok, String message, double value) {
    if (!ok) {
      throw new IllegalArgumentException(message + ", but was " + value);
    }
  }

  /** {@code name=rate} for each outcome but the first, comma-separated. */
  String named() {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i < outcomes.length; i++) {
      b.append(i == 1 ? "" : ", ").append(label.apply(outcomes[i])).append('=').append(rates[i]);
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DrawRates<?>
        && Arrays.equals(rates, ((DrawRates<?>) o).rates)
        && Arrays.equals(outcomes, ((DrawRates<?>) o).outcomes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(rates);
  }

  /** Every rate in declaration order, the first (always 0 here) included. */
  @Override
  public String toString() {
    return Arrays.toString(rates);
  }
}
