package org.hipforge.io.record;

import java.io.Serializable;

/**
 * How closely the kernels of generated code match the kernels of the source it was described from:
 * counts of the comparison, and a score in [0, 1] computed from them.
 *
 * <p>{@code kernelsSource} and {@code kernelsGenerated} count distinct {@code __global__} kernel
 * names; {@code namesMatched} counts names present in both; among those matched kernels, {@code
 * paramsMatched} counts the ones with the same parameter types in the same order (so the same
 * count), {@code sharedMatched} the ones that agree on using {@code __shared__} memory and {@code
 * boundsMatched} the ones with the same {@code __launch_bounds__} (both absent agrees).
 *
 * <p>The score: {@code (0.4 * names + 0.3 * params + 0.15 * shared + 0.15 * bounds) / max(source,
 * generated)}, rounded to 3 decimals; 1 when neither side has a kernel. Dividing by the larger
 * count makes both a missing and an extra kernel cost; the weights say that a kernel of the right
 * name matters most, its interface next, its memory and occupancy hints least.
 */
public record Fidelity(
    int kernelsSource,
    int kernelsGenerated,
    int namesMatched,
    int paramsMatched,
    int sharedMatched,
    int boundsMatched)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Refuses counts that cannot come from one comparison (a match beyond what both sides have). */
  public Fidelity {
    if (kernelsSource < 0
        || kernelsGenerated < 0
        || namesMatched < 0
        || namesMatched > Math.min(kernelsSource, kernelsGenerated)
        || paramsMatched < 0
        || paramsMatched > namesMatched
        || sharedMatched < 0
        || sharedMatched > namesMatched
        || boundsMatched < 0
        || boundsMatched > namesMatched) {
      throw new IllegalArgumentException(
          "inconsistent fidelity counts: source="
              + kernelsSource
              + " generated="
              + kernelsGenerated
              + " names="
              + namesMatched
              + " params="
              + paramsMatched
              + " shared="
              + sharedMatched
              + " bounds="
              + boundsMatched);
    }
  }

  /** The score of the class comment, in [0, 1]. */
  public double score() {
    int most = Math.max(kernelsSource, kernelsGenerated);
    if (most == 0) {
      return 1.0;
    }
    double raw =
        (0.4 * namesMatched + 0.3 * paramsMatched + 0.15 * sharedMatched + 0.15 * boundsMatched)
            / most;
    return Math.round(raw * 1000) / 1000.0;
  }

  @Override
  public String toString() {
    return "Fidelity{source="
        + kernelsSource
        + ", generated="
        + kernelsGenerated
        + ", names="
        + namesMatched
        + ", params="
        + paramsMatched
        + ", shared="
        + sharedMatched
        + ", bounds="
        + boundsMatched
        + ", score="
        + score()
        + "}";
  }
}
