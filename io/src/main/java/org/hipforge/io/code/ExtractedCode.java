package org.hipforge.io.code;

import java.util.Objects;

/**
 * The HIP source file found in one LLM response, or the category and reason why none was found.
 *
 * <p>Like {@link java.util.Optional#get}, the accessors of the side that does not apply throw, so a
 * forgotten {@link #isPresent()} check fails loudly instead of writing "null" into a .hip file or a
 * state record.
 *
 * @param code the source text, with {@code \n} line endings; null when none was found
 * @param language the lower-cased fence language tag, or {@code ""} when there was none
 * @param origin how the code was located
 * @param blocks how many fenced blocks the code was joined from (1 unless a file came split)
 * @param reason why no code was found; null when it was
 */
public record ExtractedCode(
    String code, String language, Origin origin, int blocks, String reason) {

  /** How the code was located in the response. */
  public enum Origin {
    /** A fenced code block with an opening and a closing fence. */
    FENCED,
    /** The last fenced block had no closing fence (a truncated answer); it runs to the end. */
    UNTERMINATED_FENCE,
    /** The response had no fence at all and the whole response looked like C++ source. */
    UNFENCED
  }

  /** The failure category of every response that holds no usable code. */
  public static final String NO_CODE = org.hipforge.io.llm.ErrorCategory.NO_CODE.label();

  /** Either code (with language, origin and blocks >= 1) or a reason, never both. */
  public ExtractedCode {
    if (code == null) {
      Objects.requireNonNull(reason, "reason");
    } else {
      Objects.requireNonNull(language, "language");
      Objects.requireNonNull(origin, "origin");
      if (blocks < 1) {
        throw new IllegalArgumentException("blocks must be at least 1, was " + blocks);
      }
      if (reason != null) {
        throw new IllegalArgumentException("an extraction with code has no failure reason");
      }
    }
  }

  /**
   * Returns a successful extraction.
   *
   * @param code the source text, with {@code \n} line endings
   * @param language the lower-cased fence language tag, or {@code ""} when there was none
   * @param origin how the code was located
   */
  public static ExtractedCode of(String code, String language, Origin origin) {
    return of(code, language, origin, 1);
  }

  /**
   * Returns a successful extraction joined from {@code blocks} consecutive fenced blocks (a header
   * and the file including it, or a file split in two); 1 for a single block or an unfenced answer.
   */
  public static ExtractedCode of(String code, String language, Origin origin, int blocks) {
    Objects.requireNonNull(code, "code");
    return new ExtractedCode(code, language, origin, blocks, null);
  }

  /**
   * Returns a failed extraction of category {@link #NO_CODE} with a short human-readable reason.
   */
  public static ExtractedCode noCode(String reason) {
    return new ExtractedCode(null, null, null, 0, reason);
  }

  /**
   * Whether code was found; when false only {@link #failureCategory()} and {@link #reason()} apply.
   */
  public boolean isPresent() {
    return code != null;
  }

  /** The extracted source text; every line, the last one included, ends with {@code \n}. */
  @Override
  public String code() {
    return present("code", code);
  }

  /**
   * The lower-cased first word of the fence info string ({@code "hip"}, {@code "cpp"}), or {@code
   * ""}.
   */
  @Override
  public String language() {
    return present("language", language);
  }

  /** How the code was located. */
  @Override
  public Origin origin() {
    return present("origin", origin);
  }

  /** How many fenced blocks the code was joined from: 1 unless a file came split over several. */
  @Override
  public int blocks() {
    return present("blocks", blocks);
  }

  /** The failure category, always {@link #NO_CODE}; only defined when no code was found. */
  public String failureCategory() {
    return absent("failureCategory", NO_CODE);
  }

  /** Why no code was found, one short sentence; only defined when no code was found. */
  @Override
  public String reason() {
    return absent("reason", reason);
  }

  private <T> T present(String accessor, T value) {
    if (code == null) {
      throw new IllegalStateException(accessor + "() called on a failed extraction: " + reason);
    }
    return value;
  }

  private <T> T absent(String accessor, T value) {
    if (code != null) {
      throw new IllegalStateException(accessor + "() called on a successful extraction");
    }
    return value;
  }

  // The code itself is left out: it can be megabytes and would flood logs and assertion messages.
  @Override
  public String toString() {
    return isPresent()
        ? "ExtractedCode{"
            + origin
            + (blocks > 1 ? " of " + blocks + " blocks" : "")
            + ", language="
            + language
            + ", chars="
            + code.length()
            + "}"
        : "ExtractedCode{" + NO_CODE + ": " + reason + "}";
  }
}
