package org.hipforge.io.llm;

/**
 * The run cannot go on and stops with unanswered tasks left pending: a spent quota, no usable chat
 * endpoint, or a wait longer than max_retry_after_s. The message starts with the stop's label
 * ({@code "quota: "}, {@code "endpoint: "}, {@code "wait: "}): on a cluster only the text reaches
 * the client, and the label is what names the exit code.
 */
public final class ProviderStopException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProviderStopException(String message) {
    super(message);
  }
}
