package org.hipforge.io.llm.batch;

import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;

/**
 * The result of one batch line.
 *
 * <ul>
 *   <li>A billed answer: {@code response} non-null, parsed by the synchronous client's own parser.
 *       A usable one has {@code errorCategory} null; an unusable one keeps the answer (its tokens
 *       are billed) with the category the synchronous call would have recorded ({@code refused},
 *       {@code filtered}, {@code truncated}, {@code empty_answer}, ...; {@link #paid()}).
 *   <li>No answer: {@code response} null, and {@code errorCategory} an {@link
 *       org.hipforge.io.llm.ErrorCategory} label (the line's own HTTP error, e.g. {@code
 *       bad_request}, {@code server_error}) or {@link #EXPIRED} / {@link #CANCELED}. Nothing was
 *       billed: the task stays pending.
 * </ul>
 *
 * {@code errorMessage} is the provider's reason, redacted like every error text (never the key).
 */
public record BatchOutcome(
    String customId, ChatResponse response, String errorCategory, String errorMessage) {
  /** The line was not run before the batch's completion window ended. */
  public static final String EXPIRED = "expired";

  /** The line was not run because the batch was cancelled. */
  public static final String CANCELED = "canceled";

  /** True when the provider billed an answer for this line (usable or not): journal it. */
  public boolean paid() {
    return response != null;
  }

  /** True for a billed, usable answer. */
  public boolean succeeded() {
    return response != null && errorCategory == null;
  }

  /**
   * True when sending the line again, in a later batch, can help: an expired or cancelled line, or
   * an error whose category is retried synchronously (429, 5xx, timeouts, ...). False for a billed
   * answer (journal it instead) and for a final error ({@code bad_request}, {@code context_length},
   * {@code too_large_answer}, {@code auth}, {@code quota}, ...): the same body would fail the same
   * way, and a {@code too_large_answer} would be billed again.
   */
  public boolean retryable() {
    if (response != null) {
      return false;
    }
    if (EXPIRED.equals(errorCategory) || CANCELED.equals(errorCategory)) {
      return true;
    }
    ErrorCategory c = category();
    return c == null || c.retryable();
  }

  /** The {@link ErrorCategory} of {@code errorCategory}; null when none or for expired/canceled. */
  public ErrorCategory category() {
    return ErrorCategory.ofLabel(errorCategory);
  }
}
