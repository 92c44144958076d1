package org.hipforge.io.llm;

/** The provider refused our key: the run must stop, not fail every remaining task. */
public final class ProviderRejectedKeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProviderRejectedKeyException(String message) {
    super(message);
  }
}
