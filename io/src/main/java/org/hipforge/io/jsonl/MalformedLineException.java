package org.hipforge.io.jsonl;

/** A JSONL line that cannot be read as the record it should hold; the message says why. */
public final class MalformedLineException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedLineException(String reason) {
    super(reason);
  }

  public MalformedLineException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
