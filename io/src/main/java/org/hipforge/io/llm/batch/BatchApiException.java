package org.hipforge.io.llm.batch;

import java.io.IOException;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmException;

/**
 * A Batch API call that failed, with the same {@link LlmException} the synchronous client would
 * throw ({@link #getCause()}): its {@link ErrorCategory} ({@code auth} for 401/403, {@code quota},
 * {@code endpoint} for 404/405 or a redirect, retryable ones for 429/5xx/timeouts), whether trying
 * the call again can help ({@link LlmException#retryable()}) and its HTTP status. {@link
 * ErrorCategory#runStop} says whether it stops the run; the message never holds the key.
 */
public final class BatchApiException extends IOException {
  private static final long serialVersionUID = 1L;

  public BatchApiException(String what, LlmException cause) {
    super(what + ": " + cause.toErrorMsg(), cause);
  }

  /** The client error that failed the call. */
  @Override
  public synchronized LlmException getCause() {
    return (LlmException) super.getCause();
  }
}
