package org.hipforge.io.llm;

/** A failed LLM call: its category, HTTP status (0 when none) and the server's retry hint. */
public final class LlmException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCategory category;
  private final int httpStatus;
  private final long retryAfterMillis;
  private final transient ChatResponse answer;
  private final Boolean shouldRetry;
  private final boolean afterHeaders;

  public LlmException(
      ErrorCategory category, int httpStatus, long retryAfterMillis, String message) {
    this(category, httpStatus, retryAfterMillis, null, message);
  }

  /**
   * An HTTP error whose answer said whether to retry it ({@code x-should-retry: true/false}, null
   * when it said nothing).
   */
  public LlmException(
      ErrorCategory category,
      int httpStatus,
      long retryAfterMillis,
      Boolean shouldRetry,
      String message) {
    this(category, httpStatus, retryAfterMillis, shouldRetry, null, false, message, null);
  }

  /**
   * A 200 the provider billed whose answer is unusable ({@link ErrorCategory#paidAnswer}): it
   * carries the answer's usage and finish reason, so its tokens are recorded.
   */
  public LlmException(ErrorCategory category, ChatResponse answer, String message) {
    this(category, 200, -1, null, answer, false, message, null);
  }

  /**
   * A read that failed after the answer's headers arrived ({@code afterHeaders}): the provider was
   * already generating, so trying again is a second paid generation.
   */
  public LlmException(
      ErrorCategory category, String message, Throwable cause, boolean afterHeaders) {
    this(category, 0, -1, null, null, afterHeaders, message, cause);
  }

  public LlmException(ErrorCategory category, String message, Throwable cause) {
    this(category, message, cause, false);
  }

  private LlmException(
      ErrorCategory category,
      int httpStatus,
      long retryAfterMillis,
      Boolean shouldRetry,
      ChatResponse answer,
      boolean afterHeaders,
      String message,
      Throwable cause) {
    super(message, cause);
    this.category = category;
    this.httpStatus = httpStatus;
    this.retryAfterMillis = retryAfterMillis;
    this.shouldRetry = shouldRetry;
    this.answer = answer;
    this.afterHeaders = afterHeaders;
  }

  /** The billed but unusable answer (usage, finish reason, text), or null when none was paid. */
  public ChatResponse answer() {
    return answer;
  }

  public ErrorCategory category() {
    return category;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /**
   * Whether trying again can help: the provider's {@code x-should-retry} header when it sent one
   * (both official SDKs obey it either way), else the category's rule ({@link
   * ErrorCategory#retryable()}).
   */
  public boolean retryable() {
    return shouldRetry != null ? shouldRetry : category.retryable();
  }

  /** The provider's {@code x-should-retry} answer, or null when it sent none. */
  public Boolean shouldRetry() {
    return shouldRetry;
  }

  /** True when the failure came after the answer's headers (a body that did not finish in time). */
  public boolean afterHeaders() {
    return afterHeaders;
  }

  /** What the server asked us to wait before retrying, or -1 when it said nothing. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** {@code "<category>: <message>"}, the form stored as {@code error_msg}. */
  public String toErrorMsg() {
    return category.label() + ": " + getMessage();
  }
}
