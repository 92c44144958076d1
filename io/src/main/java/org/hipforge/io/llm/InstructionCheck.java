package org.hipforge.io.llm;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a describe answer is an instruction at all: a code block or a refusal sentence ("I can't
 * help with that.", "I'm sorry, but …") is not, and is recorded as {@code bad_instruction} instead
 * of being handed to generate as its task.
 *
 * <p>The rule is deliberately narrow (a false alarm costs a paid answer): a refusal must open the
 * answer with a refusal phrase ("I can't", "I'm sorry", "As an AI", …) whose first sentence also
 * says no (can't, cannot, unable, won't) to something (help, assist, comply, write, …); code must
 * be the answer, i.e. it opens with a fence or fenced code is at least {@link #MAX_CODE_SHARE} of
 * it.
 *
 * <pre>{@code
 * String why = InstructionCheck.problem(text); // null when text is usable as an instruction
 * }</pre>
 */
public final class InstructionCheck {
  /**
   * Fenced code may be at most half of an instruction: more, and the answer is code, not a task.
   */
  static final double MAX_CODE_SHARE = 0.5;

  private static final Pattern OPENER =
      Pattern.compile(
          "^(?:i\\s*(?:'|’)?\\s*m\\s+sorry|i\\s+am\\s+sorry|sorry\\b|i\\s+apologi[sz]e|"
              + "i\\s+(?:can(?:'|’)?t|cannot|can\\s+not|won(?:'|’)?t|will\\s+not|am\\s+unable|(?:'|’)?m\\s+unable|"
              + "am\\s+not\\s+able|(?:'|’)?m\\s+not\\s+able)|unfortunately,?\\s+i\\b|as\\s+an\\s+ai\\b)");
  private static final Pattern REFUSED_ACT =
      Pattern.compile(
          "\\b(?:help|assist|comply|provide|fulfil|fulfill|do\\s+that|with\\s+that|this\\s+request|that\\s+request|"
              + "your\\s+request|support|generate|create|write|describe)\\b");
  private static final Pattern NEGATION =
      Pattern.compile(
          "\\b(?:can(?:'|’)?t|cannot|can\\s+not|unable|won(?:'|’)?t|will\\s+not|not\\s+able)\\b");
  private static final Pattern FENCE = Pattern.compile("(?s)(```|~~~).*?(?:\\1|\\z)");

  private InstructionCheck() {}

  /** Null when {@code text} can be an instruction; else why not, one short phrase. */
  public static String problem(String text) {
    if (text == null || text.isBlank()) {
      return "the instruction is empty";
    }
    String t = text.strip();
    if (t.startsWith("```") || t.startsWith("~~~")) {
      return "the answer is a code block, not an instruction";
    }
    Matcher fence = FENCE.matcher(t);
    long code = 0;
    while (fence.find()) {
      code += fence.end() - fence.start();
    }
    if (code > 0 && code >= MAX_CODE_SHARE * t.length()) {
      return "the answer is mostly code ("
          + (100 * code / t.length())
          + "% in fences), not an instruction";
    }
    String lower = t.toLowerCase(Locale.ROOT).replaceFirst("^[\"'“*_>\\s]+", "");
    if (OPENER.matcher(lower).find()) {
      String first = lower.split("(?<=[.!?])\\s|\\n", 2)[0];
      if (NEGATION.matcher(first).find() && REFUSED_ACT.matcher(first).find()) {
        return "the answer is a refusal (\"" + oneLine(t, 80) + "\"), not an instruction";
      }
    }
    return null;
  }

  private static String oneLine(String s, int max) {
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > max ? t.substring(0, max) + "..." : t;
  }
}
