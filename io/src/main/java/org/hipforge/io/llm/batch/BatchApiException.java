package org.hipforge.io.llm.batch;

import java.io.IOException;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmException;

/**
 * A Batch API call that failed, with the same category the synchronous client would give it ({@link
 * ErrorCategory}: {@code auth} for 401/403, {@code quota}, {@code endpoint} for 404/405 or a
 * redirect, retryable ones for 429/5xx/timeouts). {@link ErrorCategory#runStop} says whether it
 * stops the run; the message never holds the key.
 */
public final class BatchApiException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient LlmException cause;

  public BatchApiException(String what, LlmException cause) {
    super(what + ": " + cause.toErrorMsg(), cause);
    this.cause = cause;
  }

  /** The category of the failure, as the synchronous client names it. */
  public ErrorCategory category() {
    return cause.category();
  }

  /**
   * Whether trying the same Batch API call again can help (the provider's word, else the
   * category's).
   */
  public boolean retryable() {
    return cause.retryable();
  }

  /** The HTTP status, 0 when none arrived. */
  public int httpStatus() {
    return cause.httpStatus();
  }

  /** The underlying client error. */
  public LlmException llmException() {
    return cause;
  }
}
