package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.StateRecord;

/**
 * One task that a stage could not finish: which task, which stage, the stable category and why.
 *
 * <p>Every stage's failures are flattened in one place and written as {@code pass:false} state
 * records, so a failure is data the next run can retry, never a lost task.
 */
public final class Failure implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long id;
  private final String fileName;
  private final String sourceSha256;
  private final String stage;
  private final String category;
  private final String message;
  private final long atMillis;
  private final int attempts;
  private final String instruction;
  /** The journaled record of a billed but unusable answer (its tokens, finish reason), or null. */
  private final StateRecord answer;

  public Failure(long id, String fileName, String sourceSha256, String stage, String category,
      String message, long atMillis, int attempts, String instruction) {
    this.id = id;
    this.fileName = fileName;
    this.sourceSha256 = sourceSha256;
    this.stage = Objects.requireNonNull(stage, "stage");
    this.category = Objects.requireNonNull(category, "category");
    this.message = message == null ? "" : message;
    this.atMillis = atMillis;
    this.attempts = attempts;
    this.instruction = instruction;
    this.answer = null;
  }

  private Failure(StateRecord answer, String stage) {
    this.id = answer.id();
    this.fileName = answer.fileName();
    this.sourceSha256 = answer.sourceSha256();
    this.stage = Objects.requireNonNull(stage, "stage");
    this.category = answer.errorCategory();
    String msg = answer.errorMsg() == null ? "" : answer.errorMsg();
    int colon = msg.indexOf(": ");
    this.message = colon < 0 ? msg : msg.substring(colon + 2);
    this.atMillis = answer.finishedAtMillis();
    this.attempts = answer.attempts();
    this.instruction = answer.instruction();
    this.answer = answer;
  }

  /**
   * The failure of a paid answer that cannot be used (refused, filtered, truncated, ...): its
   * state record is {@code answer} itself, so the billed tokens and finish reason reach the state.
   */
  public static Failure ofPaidAnswer(StateRecord answer, String stage) {
    if (answer.pass()) {
      throw new IllegalArgumentException("a paid answer's failure needs a pass:false record, was " + answer);
    }
    return new Failure(answer, stage);
  }

  /** The paid answer's record when this failure is one ({@link #ofPaidAnswer}), else null. */
  public StateRecord answer() {
    return answer;
  }

  public long id() {
    return id;
  }

  public String fileName() {
    return fileName;
  }

  public String sourceSha256() {
    return sourceSha256;
  }

  public String stage() {
    return stage;
  }

  public String category() {
    return category;
  }

  public String message() {
    return message;
  }

  public long atMillis() {
    return atMillis;
  }

  public int attempts() {
    return attempts;
  }

  /** The describe instruction the task carried (generate step), else null. */
  public String instruction() {
    return instruction;
  }

  /** The {@code pass:false} state record of this failure. */
  public StateRecord toStateRecord(String runId, String provider, String model) {
    if (answer != null) {
      return answer.toBuilder().runId(runId).build();
    }
    return StateRecord.builder()
        .id(id)
        .fileName(fileName)
        .failure(category, message)
        .sourceSha256(sourceSha256)
        .provider(provider)
        .model(model)
        .attempts(attempts)
        .finishedAtMillis(atMillis)
        .runId(runId)
        .instruction(instruction)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Failure)) {
      return false;
    }
    Failure f = (Failure) o;
    return id == f.id && atMillis == f.atMillis && attempts == f.attempts
        && Objects.equals(fileName, f.fileName) && Objects.equals(sourceSha256, f.sourceSha256)
        && stage.equals(f.stage) && category.equals(f.category) && message.equals(f.message)
        && Objects.equals(instruction, f.instruction) && Objects.equals(answer, f.answer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, stage, category);
  }

  @Override
  public String toString() {
    return "Failure{id=" + id + ", file_name=" + fileName + ", stage=" + stage + ", " + category
        + ": " + message + "}";
  }
}
