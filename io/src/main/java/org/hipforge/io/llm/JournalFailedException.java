package org.hipforge.io.llm;

/**
 * A journal write failed: the run stops sending and fails once the calls in flight are done (the
 * journal is the only proof an answer was paid for; going on would buy answers to lose).
 */
public final class JournalFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JournalFailedException(String message) {
    super(message);
  }
}
