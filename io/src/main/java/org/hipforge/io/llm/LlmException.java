package org.hipforge.io.llm;

import java.io.Serializable;

/**
 * A failed LLM call: its category, what the HTTP exchange said about it ({@link #http()}) and, for
 * a 200 the provider billed, the unusable answer.
 */
public final class LlmException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * What the HTTP exchange of a failed call said.
   *
   * @param status the HTTP status, 0 when none arrived
   * @param retryAfterMillis what the server asked us to wait before retrying, -1 when it said
   *     nothing
   * @param shouldRetry the provider's {@code x-should-retry} answer, null when it sent none
   * @param afterHeaders the failure came after the answer's headers (a body that did not finish in
   *     time): the provider was already generating, so trying again is a second paid generation
   */
  public record Http(int status, long retryAfterMillis, Boolean shouldRetry, boolean afterHeaders)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** No answer arrived and nothing was said. */
    static final Http NONE = new Http(0, -1, null, false);
  }

  private final ErrorCategory category;
  private final Http http;
  private final transient ChatResponse answer;

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
    this(category, new Http(httpStatus, retryAfterMillis, shouldRetry, false), null, message, null);
  }

  /**
   * A 200 the provider billed whose answer is unusable ({@link ErrorCategory#paidAnswer}): it
   * carries the answer's usage and finish reason, so its tokens are recorded.
   */
  public LlmException(ErrorCategory category, ChatResponse answer, String message) {
    this(category, new Http(200, -1, null, false), answer, message, null);
  }

  /**
   * A read that failed after the answer's headers arrived ({@code afterHeaders}): the provider was
   * already generating, so trying again is a second paid generation.
   */
  public LlmException(
      ErrorCategory category, String message, Throwable cause, boolean afterHeaders) {
    this(category, afterHeaders ? new Http(0, -1, null, true) : Http.NONE, null, message, cause);
  }

  public LlmException(ErrorCategory category, String message, Throwable cause) {
    this(category, Http.NONE, null, message, cause);
  }

  private LlmException(
      ErrorCategory category, Http http, ChatResponse answer, String message, Throwable cause) {
    super(message, cause);
    this.category = category;
    this.http = http;
    this.answer = answer;
  }

  public ErrorCategory category() {
    return category;
  }

  /**
   * Whether trying again can help: the provider's {@code x-should-retry} header when it sent one
   * (both official SDKs obey it either way), else the category's rule ({@link
   * ErrorCategory#retryable()}).
   */
  public boolean retryable() {
    return http.shouldRetry() != null ? http.shouldRetry() : category.retryable();
  }

  /** What the HTTP exchange said: status, retry-after, {@code x-should-retry}, after headers. */
  public Http http() {
    return http;
  }

  /** The billed but unusable answer (usage, finish reason, text), or null when none was paid. */
  public ChatResponse answer() {
    return answer;
  }

  /** {@code "<category>: <message>"}, the form stored as {@code error_msg}. */
  public String toErrorMsg() {
    return category.label() + ": " + getMessage();
  }
}
