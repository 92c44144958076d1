package org.hipforge.transforms.pending;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.util.LongTable;

/**
 * Decides one bucket of the anti-join: folds its state records into the latest record per id
 * ({@link PendingRule#compareLatest}) and hands on each manifest entry that {@link
 * PendingRule#describe} finds pending (no record, stale, or not {@code pass:true}).
 *
 * <p>Batches may come in any order, so manifest batches are kept (as bytes) until all state has
 * been folded in. Records are read in place from the batches; only the latest record per id and the
 * pending entries become objects.
 */
final class BucketDecision {
  /** What the bucket held, by outcome. */
  static final class Counts {
    long fresh;
    long stale;
    long failed;
    long done;
  }

  /** id -> index + 1 into {@link #views}: the latest record per id. */
  private final LongTable latest = new LongTable();

  private final List<BucketBatch.View> views = new ArrayList<>();
  private final List<BucketBatch> manifestBatches = new ArrayList<>();

  /** The view the next record is read into; a record that is kept keeps its view. */
  private BucketBatch.View scratch = new BucketBatch.View();

  void add(BucketBatch batch) throws IOException {
    if (batch.manifest()) {
      manifestBatches.add(batch);
      return;
    }
    byte[] bytes = batch.bytes();
    ByteSource in = new ByteSource(bytes);
    for (int i = 0; i < batch.count(); i++) {
      BucketBatch.readState(in, bytes, scratch);
      long at = latest.get(scratch.id);
      if (at == 0) {
        views.add(scratch);
        latest.put(scratch.id, views.size());
        scratch = new BucketBatch.View();
      } else if (isLater(scratch, views.get((int) at - 1))) {
        scratch = views.set((int) at - 1, scratch); // the one it replaces is read into next
      }
    }
  }

  /** Emits the pending entries; call once, after every batch was added. */
  Counts decide(Consumer<ManifestEntry> pending) throws IOException {
    Counts counts = new Counts();
    BucketBatch.View entry = new BucketBatch.View();
    for (BucketBatch batch : manifestBatches) {
      byte[] bytes = batch.bytes();
      ByteSource in = new ByteSource(bytes);
      for (int i = 0; i < batch.count(); i++) {
        BucketBatch.readManifest(in, bytes, entry);
        long at = latest.get(entry.id);
        BucketBatch.View l = at == 0 ? null : views.get((int) at - 1);
        PendingRule.Outcome outcome =
            l == null
                ? PendingRule.describe(false, false, false, false)
                : PendingRule.describe(true, entry.sameFileName(l), entry.shaDiffers(l), l.pass);
        switch (outcome) {
          case NEW:
            counts.fresh++;
            break;
          case STALE:
            counts.stale++; // made from another file, or another version of this one
            break;
          case FAILED:
            counts.failed++;
            break;
          default:
            counts.done++;
            continue;
        }
        pending.accept(entry.toManifestEntry());
      }
    }
    return counts;
  }

  /** {@code b} is later than {@code a} by {@link PendingRule#compareLatest}. */
  static boolean isLater(BucketBatch.View b, BucketBatch.View a) {
    if (b.finishedAtMillis != a.finishedAtMillis) { // the usual case: no run id to decode
      return b.finishedAtMillis > a.finishedAtMillis;
    }
    return PendingRule.compareLatest(
            b.finishedAtMillis,
            b.runId(),
            b.attempts,
            b.pass,
            a.finishedAtMillis,
            a.runId(),
            a.attempts,
            a.pass)
        > 0;
  }
}
