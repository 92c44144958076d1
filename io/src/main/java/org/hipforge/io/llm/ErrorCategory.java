package org.hipforge.io.llm;

/**
 * Why an LLM call failed, and whether trying again can help: the retry policy lives here.
 *
 * <p>The {@link #label()} is the stable prefix of every {@code error_msg} in the state files.
 */
public enum ErrorCategory {
  RATE_LIMITED("rate_limited", true),
  SERVER_ERROR("server_error", true),
  OVERLOADED("overloaded", true),
  TIMEOUT("timeout", true),
  CONNECTION("connection", true),
  BAD_RESPONSE("bad_response", true),
  CONTEXT_LENGTH("context_length", false),
  AUTH("auth", false),
  BAD_REQUEST("bad_request", false),
  NOT_FOUND("not_found", false),
  UNPROCESSABLE("unprocessable", false),
  EMPTY_ANSWER("empty_answer", false);

  private final String label;
  private final boolean retryable;

  ErrorCategory(String label, boolean retryable) {
    this.label = label;
    this.retryable = retryable;
  }

  public String label() {
    return label;
  }

  public boolean retryable() {
    return retryable;
  }

  /** The category of an HTTP error status that is not a success. */
  public static ErrorCategory ofStatus(int status) {
    switch (status) {
      case 401:
      case 403:
        return AUTH;
      case 404:
        return NOT_FOUND;
      case 408:
        return TIMEOUT;
      case 413:
        return CONTEXT_LENGTH;
      case 422:
        return UNPROCESSABLE;
      case 429:
        return RATE_LIMITED;
      case 529:
        return OVERLOADED;
      default:
        if (status >= 500) {
          return SERVER_ERROR;
        }
        return BAD_REQUEST;
    }
  }
}
