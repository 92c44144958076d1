package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/**
 * What the anti-join knows about one id: its manifest entry (if any) and the latest of its state
 * records seen so far, slimmed to the fields the pending decision reads.
 *
 * <p>{@link #merge} is associative, commutative and idempotent, so it runs as a combiner before
 * the shuffle: each worker folds its own duplicates and only one small value per id crosses.
 */
public final class PendingCheck implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ManifestEntry entry;
  private final StateRecord latest;

  PendingCheck(ManifestEntry entry, StateRecord latest) {
    this.entry = entry;
    this.latest = latest;
  }

  static PendingCheck ofEntry(ManifestEntry e) {
    return new PendingCheck(e, null);
  }

  /** A state record reduced to what the decision needs (drops instruction, response, errors). */
  static PendingCheck ofRecord(StateRecord r) {
    return new PendingCheck(null, StateRecord.builder()
        .id(r.id())
        .fileName(r.fileName())
        .pass(r.pass())
        .sourceSha256(r.sourceSha256())
        .finishedAtMillis(r.finishedAtMillis())
        .runId(r.runId())
        .attempts(r.attempts())
        .build());
  }

  static PendingCheck merge(PendingCheck a, PendingCheck b) {
    ManifestEntry e = a.entry != null ? a.entry : b.entry;
    StateRecord l = StateRecord.latest(a.latest, b.latest);
    if (e == a.entry && l == a.latest) {
      return a;
    }
    return new PendingCheck(e, l);
  }

  public ManifestEntry entry() {
    return entry;
  }

  public StateRecord latest() {
    return latest;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PendingCheck && Objects.equals(((PendingCheck) o).entry, entry)
        && Objects.equals(((PendingCheck) o).latest, latest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(entry, latest);
  }
}
