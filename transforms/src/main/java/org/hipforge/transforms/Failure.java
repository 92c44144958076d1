package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.StateRecord;

/**
 * One task that a stage could not finish: which stage, and the task's {@code pass:false} record
 * (its id, file, stable category and why, and whatever the task had gathered: billed tokens, the
 * prompt hash, the compiler's errors, its repair rounds).
 *
 * <p>Every stage's failures are flattened in one place ({@link RecordFailures}) and written as
 * {@code pass:false} state records, so a failure is data the next run can retry, never a lost task.
 * One factory, {@link #of}: a stage builds the record it would write and names itself.
 */
public record Failure(StateRecord record, String stage) implements Serializable {
  private static final long serialVersionUID = 2L;

  /** Checked as {@link #of} documents. */
  public Failure {
    Objects.requireNonNull(record, "record");
    if (stage == null || stage.isBlank()) {
      throw new IllegalArgumentException(
          "stage must name the stage that failed, was '" + stage + "'");
    }
    if (record.pass() || record.errorMsg() == null) {
      throw new IllegalArgumentException(
          "a failure needs a pass:false record with an error_msg, was " + record);
    }
  }

  /**
   * The failure of {@code record} at {@code stage}: the record must be {@code pass:false} with an
   * {@code error_msg} of the form {@code "<category>: <detail>"} ({@link
   * StateRecord.Builder#failure}); it is the state record this failure becomes ({@link
   * #toStateRecord}), so a paid answer's tokens and finish reason, or a compile verdict's errors,
   * reach the state with it.
   */
  public static Failure of(StateRecord record, String stage) {
    return new Failure(record, stage);
  }

  public long id() {
    return record.id();
  }

  public String fileName() {
    return record.fileName();
  }

  /** The stable category: the part of {@code error_msg} before its first ':'. */
  public String category() {
    return record.errorCategory();
  }

  /** The detail: {@code error_msg} after the category. */
  public String message() {
    String msg = record.errorMsg();
    int colon = msg.indexOf(": ");
    return colon < 0 ? msg : msg.substring(colon + 2);
  }

  /**
   * The {@code pass:false} state record of this failure in run {@code runId}; {@code provider} and
   * {@code model} fill in only what the record does not name (a task that never reached a call).
   */
  public StateRecord toStateRecord(String runId, String provider, String model) {
    StateRecord.Builder b = record.toBuilder().runId(runId).response(null);
    if (record.provider() == null) {
      b.provider(provider);
    }
    if (record.model() == null) {
      b.model(model);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "Failure{id="
        + id()
        + ", file_name="
        + fileName()
        + ", stage="
        + stage
        + ", "
        + record.errorMsg()
        + "}";
  }
}
