package org.hipforge.transforms;

import java.io.Serializable;

/**
 * A state or journal line that could not be read: where it is and why (the dead letter).
 *
 * @param file the file the line is in
 * @param line its 1-based line number
 * @param reason why it could not be read
 * @param torn true for a last line cut short by a crash mid-write (expected after a kill; harmless)
 */
public record MalformedLine(String file, long line, String reason, boolean torn)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  @Override
  public String toString() {
    return file + ":" + line + ": " + reason;
  }
}
