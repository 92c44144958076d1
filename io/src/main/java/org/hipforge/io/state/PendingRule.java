package org.hipforge.io.state;

import java.util.Set;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/**
 * The one home of "which record of a task is the truth" and "is this task pending for this step",
 * called by every engine and command: the Flink/Direct anti-join ({@code BucketDecision}), the
 * generate selection ({@code SelectDescribed}, {@code FindPendingGenerations}), {@link StateIndex}
 * (status, the commands' counts, export and validate).
 *
 * <p>The rules take primitive facts, so the byte-level readers (which compare hashes and byte
 * ranges) and the record-level pipeline (which compares strings) decide alike; the {@link
 * StateRecord} overloads only turn records into those facts.
 *
 * <ul>
 *   <li><b>Latest</b>: the greater {@code (finished_at, run_id, attempts, pass)} wins; a null run
 *       id sorts as "". The last key makes the order total, so the merge is idempotent whatever
 *       order duplicates arrive in (a success beats a failure of the same instant).
 *   <li><b>Describe</b>: a manifest entry is {@link Outcome#NEW} without a record, {@link
 *       Outcome#STALE} when its latest record names another file or another {@code source_sha256}
 *       (a null hash on either side is no difference), {@link Outcome#FAILED} when the latest is
 *       not {@code pass:true}, else {@link Outcome#DONE}.
 *   <li><b>Generate</b>: its universe is the latest describe records (generate does not read the
 *       manifest). A task is {@link Outcome#NOT_READY} unless its latest describe record passed
 *       with a non-blank instruction and (when {@code --ids} is given) its id is selected; then NEW
 *       without a generate record, STALE when the latest generate record was made from another
 *       file, source hash or instruction than the describe record now holds (a generate record
 *       without an instruction is not compared), FAILED when it did not pass, else DONE.
 * </ul>
 */
public final class PendingRule {
  private PendingRule() {}

  /** What a step's next run does with one task. */
  public enum Outcome {
    /** Generate only: not described with pass and an instruction, or not among --ids. */
    NOT_READY,
    /** No record yet. */
    NEW,
    /** The record was made from another file, source or instruction. */
    STALE,
    /** The latest record did not pass. */
    FAILED,
    /** Nothing to do. */
    DONE;

    /** The next run works on this task. */
    public boolean pending() {
      return this == NEW || this == STALE || this == FAILED;
    }
  }

  // ---- latest ----

  /**
   * Compares two records by {@code (finished_at, run_id, attempts, pass)}: negative when {@code a}
   * is older, 0 when they tie, positive when {@code a} is later. Null run ids sort as "".
   */
  public static int compareLatest(
      long finishedAtA,
      String runIdA,
      int attemptsA,
      boolean passA,
      long finishedAtB,
      String runIdB,
      int attemptsB,
      boolean passB) {
    if (finishedAtA != finishedAtB) {
      return finishedAtA < finishedAtB ? -1 : 1;
    }
    int byRun = (runIdA == null ? "" : runIdA).compareTo(runIdB == null ? "" : runIdB);
    if (byRun != 0) {
      return byRun;
    }
    if (attemptsA != attemptsB) {
      return attemptsA < attemptsB ? -1 : 1;
    }
    return Boolean.compare(passA, passB);
  }

  /** {@link #compareLatest} for records. */
  public static int compareLatest(StateRecord a, StateRecord b) {
    return compareLatest(
        a.finishedAtMillis(),
        a.runId(),
        a.attempts(),
        a.pass(),
        b.finishedAtMillis(),
        b.runId(),
        b.attempts(),
        b.pass());
  }

  /** The later of two records; {@code a} when they tie; null-safe. */
  public static StateRecord latest(StateRecord a, StateRecord b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return compareLatest(b, a) > 0 ? b : a;
  }

  // ---- facts ----

  /**
   * Whether a record's source differs from the expected one: both hashes known and different. A
   * missing hash (older records, a manifest without hashes) is no evidence of a change.
   */
  public static boolean sourceChanged(boolean expectedKnown, boolean recordKnown, boolean equal) {
    return expectedKnown && recordKnown && !equal;
  }

  /** {@link #sourceChanged(boolean, boolean, boolean)} for strings. */
  public static boolean sourceChanged(String expected, String recorded) {
    return sourceChanged(
        expected != null, recorded != null, expected != null && expected.equals(recorded));
  }

  /**
   * Whether a generation was made from another instruction than the task's current one; a generate
   * record that did not keep its instruction is not compared.
   */
  public static boolean instructionChanged(boolean generatedKnown, boolean equal) {
    return generatedKnown && !equal;
  }

  // ---- describe ----

  /** The describe outcome of a manifest entry from the facts about its latest describe record. */
  public static Outcome describe(
      boolean hasRecord, boolean sameFile, boolean sourceChanged, boolean pass) {
    if (!hasRecord) {
      return Outcome.NEW;
    }
    if (!sameFile || sourceChanged) {
      return Outcome.STALE;
    }
    return pass ? Outcome.DONE : Outcome.FAILED;
  }

  /** The describe outcome of {@code entry} given its latest describe record (null: none). */
  public static Outcome describe(ManifestEntry entry, StateRecord latest) {
    if (latest == null) {
      return Outcome.NEW;
    }
    return describe(
        true,
        entry.fileName().equals(latest.fileName()),
        sourceChanged(entry.sha256(), latest.sourceSha256()),
        latest.pass());
  }

  // ---- generate ----

  /**
   * Whether a generation can be made from a latest describe record: passed, instructed, selected.
   */
  public static boolean ready(boolean describePass, boolean instructionBlank, boolean selected) {
    return describePass && !instructionBlank && selected;
  }

  /** {@link #ready(boolean, boolean, boolean)} for a record; {@code ids} null selects every id. */
  public static boolean ready(StateRecord described, Set<Long> ids) {
    return ready(
        described.pass(),
        described.instruction() == null || described.instruction().isBlank(),
        ids == null || ids.contains(described.id()));
  }

  /** The generate outcome of a described task from the facts about it and its latest generation. */
  public static Outcome generate(
      boolean ready,
      boolean hasRecord,
      boolean sameFile,
      boolean sourceChanged,
      boolean instructionChanged,
      boolean pass) {
    if (!ready) {
      return Outcome.NOT_READY;
    }
    if (!hasRecord) {
      return Outcome.NEW;
    }
    if (!sameFile || sourceChanged || instructionChanged) {
      return Outcome.STALE;
    }
    return pass ? Outcome.DONE : Outcome.FAILED;
  }

  /**
   * The generate outcome of a task given its latest describe record, the selection ({@code ids}
   * null: all) and its latest generate record (null: none).
   */
  public static Outcome generate(StateRecord described, Set<Long> ids, StateRecord generated) {
    boolean ready = ready(described, ids);
    if (!ready || generated == null) {
      return generate(ready, generated != null, false, false, false, false);
    }
    return generate(
        true,
        true,
        described.fileName().equals(generated.fileName()),
        sourceChanged(described.sourceSha256(), generated.sourceSha256()),
        instructionChanged(
            generated.instruction() != null,
            generated.instruction() != null
                && generated.instruction().equals(described.instruction())),
        generated.pass());
  }
}
