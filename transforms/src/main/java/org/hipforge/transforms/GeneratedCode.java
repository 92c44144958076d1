package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.StateRecord;

/**
 * A generate answer's record together with the HIP code extracted from it.
 *
 * @param record the generate record (verdicts, tokens, hashes)
 * @param code the extracted HIP source
 */
public record GeneratedCode(StateRecord record, String code) implements Serializable {
  private static final long serialVersionUID = 1L;

  public GeneratedCode {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(code, "code");
  }

  /**
   * The code of a {@code no_code} failure to show in its repair prompt: the answer as it came (the
   * failure's record keeps it until the state is written).
   */
  public static GeneratedCode ofNoCode(Failure f) {
    String answer = f.record().response();
    return new GeneratedCode(f.record(), answer == null ? "" : answer);
  }

  public GeneratedCode withRecord(StateRecord r) {
    return new GeneratedCode(r, code);
  }
}
