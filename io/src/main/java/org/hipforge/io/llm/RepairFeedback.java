package org.hipforge.io.llm;

import java.util.regex.Pattern;

/**
 * The {@code {{errors}}} text of a repair prompt: the compiler's first errors, trimmed, with every
 * temp or sandbox path made relative, so the same broken file gives the same text (and so the same
 * prompt hash, the response cache's key) on every run and machine.
 *
 * <pre>{@code String errors = RepairFeedback.compileErrors(record.compileError());}</pre>
 */
public final class RepairFeedback {
  /**
   * Lines of compiler output kept: the first errors and their notes; later ones mostly follow from
   * them.
   */
  public static final int MAX_LINES = 30;

  /** Characters kept: about 400 tokens, small next to the file itself. */
  public static final int MAX_CHARS = 1_500;

  /**
   * A compiler's private temp dir or a sandbox root inside a path ({@code /tmp/hipforge-hip-p12-x/}
   * or {@code C:\...\hipforge-probe-3\}): what stays is the path below it, the file's own name.
   */
  private static final Pattern TEMP_DIR =
      Pattern.compile(
          "(?:[A-Za-z]:)?[^\\s:'\"`()]*[/\\\\]hipforge-(?:hip|probe)-[^/\\\\\\s:'\"`]*[/\\\\]");

  private RepairFeedback() {}

  /** The errors of a {@code compile_error} verdict as a repair prompt shows them. */
  public static String compileErrors(String compileError) {
    if (compileError == null || compileError.isBlank()) {
      return "the compiler rejected the file without an error message";
    }
    String text = TEMP_DIR.matcher(compileError.replace("\r\n", "\n")).replaceAll("");
    StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 16);
    int lines = 0;
    for (String line : text.split("\n", -1)) {
      String l = line.stripTrailing();
      if (lines == MAX_LINES || b.length() + l.length() + 1 > MAX_CHARS) {
        b.append("…");
        return b.toString().strip();
      }
      b.append(l).append('\n');
      lines++;
    }
    return b.toString().strip();
  }

  /** The {@code {{errors}}} of an answer with no code in it ({@code no_code}: {@code reason}). */
  public static String noCode(String reason) {
    return "no complete HIP source file was found in the answer"
        + (reason == null || reason.isBlank() ? "" : " (" + reason.strip() + ")");
  }
}
