package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;

/** A state or journal line that could not be read: where it is and why (the dead letter). */
public final class MalformedLine implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long line;
  private final String reason;
  private final boolean torn;

  public MalformedLine(String file, long line, String reason, boolean torn) {
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.torn = torn;
  }

  public String file() {
    return file;
  }

  public long line() {
    return line;
  }

  public String reason() {
    return reason;
  }

  /** True for a last line cut short by a crash mid-write (expected after a kill; harmless). */
  public boolean torn() {
    return torn;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MalformedLine)) {
      return false;
    }
    MalformedLine m = (MalformedLine) o;
    return line == m.line && torn == m.torn && file.equals(m.file) && Objects.equals(reason, m.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, line);
  }

  @Override
  public String toString() {
    return file + ":" + line + ": " + reason;
  }
}
