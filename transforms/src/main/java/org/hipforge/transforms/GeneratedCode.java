package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.StateRecord;

/** A generate answer's record together with the HIP code extracted from it. */
public final class GeneratedCode implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StateRecord record;
  private final String code;

  public GeneratedCode(StateRecord record, String code) {
    this.record = Objects.requireNonNull(record, "record");
    this.code = Objects.requireNonNull(code, "code");
  }

  public StateRecord record() {
    return record;
  }

  public String code() {
    return code;
  }

  public GeneratedCode withRecord(StateRecord r) {
    return new GeneratedCode(r, code);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GeneratedCode && ((GeneratedCode) o).record.equals(record)
        && ((GeneratedCode) o).code.equals(code);
  }

  @Override
  public int hashCode() {
    return record.hashCode();
  }
}
