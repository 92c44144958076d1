package org.hipforge.io.llm;

/** A failed LLM call: its category, HTTP status (0 when none) and the server's retry hint. */
public final class LlmException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCategory category;
  private final int httpStatus;
  private final long retryAfterMillis;
  private final transient ChatResponse answer;

  public LlmException(ErrorCategory category, int httpStatus, long retryAfterMillis, String message) {
    super(message);
    this.category = category;
    this.httpStatus = httpStatus;
    this.retryAfterMillis = retryAfterMillis;
    this.answer = null;
  }

  /**
   * A 200 the provider billed whose answer is unusable ({@link ErrorCategory#paidAnswer}): it
   * carries the answer's usage and finish reason, so its tokens are recorded.
   */
  public LlmException(ErrorCategory category, ChatResponse answer, String message) {
    super(message);
    this.category = category;
    this.httpStatus = 200;
    this.retryAfterMillis = -1;
    this.answer = answer;
  }

  public LlmException(ErrorCategory category, String message, Throwable cause) {
    super(message, cause);
    this.category = category;
    this.httpStatus = 0;
    this.retryAfterMillis = -1;
    this.answer = null;
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

  /** What the server asked us to wait before retrying, or -1 when it said nothing. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** {@code "<category>: <message>"}, the form stored as {@code error_msg}. */
  public String toErrorMsg() {
    return category.label() + ": " + getMessage();
  }
}
