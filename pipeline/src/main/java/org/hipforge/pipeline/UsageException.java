package org.hipforge.pipeline;

/**
 * A command was called wrongly or its inputs are unusable; the message tells the user what to do.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
