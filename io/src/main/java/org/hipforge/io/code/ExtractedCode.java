package org.hipforge.io.code;

import java.util.Objects;

/** The HIP source file found in one LLM response, or the category and reason why none was found. */
public final class ExtractedCode {

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

  private final String code;
  private final String language;
  private final Origin origin;
  private final int blocks;
  private final String reason;

  private ExtractedCode(String code, String language, Origin origin, int blocks, String reason) {
    this.code = code;
    this.language = language;
    this.origin = origin;
    this.blocks = blocks;
    this.reason = reason;
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
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(origin, "origin");
    if (blocks < 1) {
      throw new IllegalArgumentException("blocks must be at least 1, was " + blocks);
    }
    return new ExtractedCode(code, language, origin, blocks, null);
  }

  /** Returns a failed extraction of category {@link #NO_CODE} with a short human-readable reason. */
  public static ExtractedCode noCode(String reason) {
    Objects.requireNonNull(reason, "reason");
    return new ExtractedCode(null, null, null, 0, reason);
  }

  /** Whether code was found; when false only {@link #failureCategory()} and {@link #reason()} apply. */
  public boolean isPresent() {
    return code != null;
  }

  /** The extracted source text; every line, the last one included, ends with {@code \n}. */
  public String code() {
    requirePresent("code");
    return code;
  }

  /** The lower-cased first word of the fence info string ({@code "hip"}, {@code "cpp"}), or {@code ""}. */
  public String language() {
    requirePresent("language");
    return language;
  }

  /** How the code was located. */
  public Origin origin() {
    requirePresent("origin");
    return origin;
  }

  /** How many fenced blocks the code was joined from: 1 unless a file came split over several. */
  public int blocks() {
    requirePresent("blocks");
    return blocks;
  }

  /** The failure category, always {@link #NO_CODE}; only defined when no code was found. */
  public String failureCategory() {
    requireAbsent("failureCategory");
    return NO_CODE;
  }

  /** Why no code was found, one short sentence; only defined when no code was found. */
  public String reason() {
    requireAbsent("reason");
    return reason;
  }

  // Throwing on the wrong accessor (like Optional.get) makes a forgotten isPresent() check fail loudly
  // instead of writing "null" into a .hip file or a state record.
  private void requirePresent(String accessor) {
    if (code == null) {
      throw new IllegalStateException(accessor + "() called on a failed extraction: " + reason);
    }
  }

  private void requireAbsent(String accessor) {
    if (code != null) {
      throw new IllegalStateException(accessor + "() called on a successful extraction");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ExtractedCode)) {
      return false;
    }
    ExtractedCode that = (ExtractedCode) o;
    return Objects.equals(code, that.code)
        && Objects.equals(language, that.language)
        && origin == that.origin
        && blocks == that.blocks
        && Objects.equals(reason, that.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, language, origin, blocks, reason);
  }

  // The code itself is left out: it can be megabytes and would flood logs and assertion messages.
  @Override
  public String toString() {
    return isPresent()
        ? "ExtractedCode{" + origin + (blocks > 1 ? " of " + blocks + " blocks" : "") + ", language="
            + language + ", chars=" + code.length() + "}"
        : "ExtractedCode{" + NO_CODE + ": " + reason + "}";
  }
}
