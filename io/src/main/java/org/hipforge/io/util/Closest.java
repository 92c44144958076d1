package org.hipforge.io.util;

import java.util.Collection;
import java.util.Locale;

/**
 * The known word nearest to a typed one, when it is near enough to be a typo: the one rule behind
 * every "did you mean" (config keys, commands, flags).
 *
 * <pre>{@code
 * Closest.to("rpms", List.of("rpm", "tpm"));  // "rpm"
 * Closest.to("foo", List.of("rpm", "tpm"));   // null: not a typo of either
 * }</pre>
 */
public final class Closest {
  private Closest() {}

  /**
   * The word of {@code known} with the smallest edit distance to {@code typed} (case ignored), or
   * null when even that one is further than a third of {@code typed}'s length (at least 1) and is
   * not a word that starts with {@code typed}: "rpms" finds "rpm", "maxtokens" "max_tokens",
   * "describ" "describe", "gen" "generate", but "foo" nothing.
   */
  public static String to(String typed, Collection<String> known) {
    String t = typed.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String prefixed = null;
    for (String k : known) {
      String lk = k.toLowerCase(Locale.ROOT);
      int d = editDistance(t, lk);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
      if (t.length() >= 3 && lk.startsWith(t) && prefixed == null) {
        prefixed = k;
      }
    }
    if (best != null && bestDistance <= Math.max(1, typed.length() / 3)) {
      return best;
    }
    return prefixed;
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
