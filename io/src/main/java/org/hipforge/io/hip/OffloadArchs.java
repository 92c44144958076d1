package org.hipforge.io.hip;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one rule for AMD GPU offload targets ({@code --offloadArch}, {@link
 * HipCompilerConfig.Draft#offloadArchs}): a list is comma-separated, blanks around and between the
 * items are dropped, and it names at least one target.
 *
 * <p>A target is clang's target ID: a {@code gfx} processor ({@code gfx90a}, {@code gfx1030}) and
 * optional features, each a lowercase name followed by {@code +} or {@code -} ({@code
 * gfx90a:xnack+:sramecc-}). Older processor aliases that clang also lists ({@code tahiti}) and
 * features spelled with '-' or '_' are refused: the compiler's checks never took the aliases, and
 * clang 15 rejects such features as an invalid target ID. {@link #parse(String, HipToolchain)} also
 * checks each processor against those the toolchain's clang knows.
 *
 * <pre>{@code List<String> archs = OffloadArchs.parse("gfx90a, gfx1030", toolchain);}</pre>
 */
public final class OffloadArchs {

  private static final Pattern PROCESSOR = Pattern.compile("gfx[0-9a-f]{3,4}");
  private static final Pattern FEATURE = Pattern.compile("[a-z][a-z0-9]*[+-]");

  private OffloadArchs() {}

  /**
   * The targets of a comma-separated list, each checked by {@link #check(List)}.
   *
   * @throws IllegalArgumentException naming the first bad target, or when the list is empty
   */
  public static List<String> parse(String text) {
    return check(split(text));
  }

  /**
   * As {@link #parse(String)}, and each processor must be one {@code toolchain}'s clang knows.
   *
   * @throws IllegalArgumentException naming the first bad or unknown target
   * @throws IllegalStateException when the toolchain cannot list its processors
   */
  public static List<String> parse(String text, HipToolchain toolchain) {
    return parse(text, toolchain.offloadArchs(), toolchain.clangVersion());
  }

  /** As {@link #parse(String, HipToolchain)} with the processors {@code clang} knows given. */
  static List<String> parse(String text, List<String> known, String clang) {
    List<String> archs = split(text);
    for (String a : archs) {
      String p = processor(a);
      if (!known.contains(p) || !PROCESSOR.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "unknown AMD GPU target '" + p + "'; " + clang + " knows " + gfxOnly(known));
      }
    }
    return check(archs);
  }

  /**
   * An immutable copy of {@code archs} after checking each target ID (see the class comment).
   *
   * @throws IllegalArgumentException naming the first bad target, or when the list is empty
   */
  public static List<String> check(List<String> archs) {
    Objects.requireNonNull(archs, "archs");
    if (archs.isEmpty()) {
      throw new IllegalArgumentException("needs at least one AMD GPU target, e.g. gfx90a");
    }
    for (String a : archs) {
      if (a == null || !PROCESSOR.matcher(processor(a)).matches()) {
        throw new IllegalArgumentException(
            "unknown AMD GPU target '" + (a == null ? null : processor(a)) + "'");
      }
      String[] parts = a.split(":", -1);
      for (int i = 1; i < parts.length; i++) {
        if (!FEATURE.matcher(parts[i]).matches()) {
          throw new IllegalArgumentException(
              "bad feature '"
                  + parts[i]
                  + "' in '"
                  + a
                  + "'; a feature is a name followed by '+' or '-', e.g. gfx90a:xnack+");
        }
      }
    }
    return List.copyOf(archs);
  }

  /** The processor of a target ID: {@code gfx90a} for {@code gfx90a:xnack+}. */
  public static String processor(String targetId) {
    int colon = targetId.indexOf(':');
    return colon < 0 ? targetId : targetId.substring(0, colon);
  }

  private static List<String> split(String text) {
    List<String> archs = new ArrayList<>();
    for (String a : (text == null ? "" : text).split(",")) {
      if (!a.isBlank()) {
        archs.add(a.trim());
      }
    }
    return archs;
  }

  private static String gfxOnly(List<String> known) {
    List<String> gfx = new ArrayList<>();
    for (String k : known) {
      if (k.startsWith("gfx")) {
        gfx.add(k);
      }
    }
    return String.join(", ", gfx.isEmpty() ? known : gfx);
  }
}
