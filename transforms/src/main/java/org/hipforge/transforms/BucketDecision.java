package org.hipforge.transforms;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.transforms.coders.ByteSource;

/**
 * Decides one bucket of the anti-join: folds its state records into the latest record per id
 * (latest wins, as {@link org.hipforge.io.record.StateRecord#LATEST_ORDER}) and hands on each
 * manifest entry whose latest record is missing, stale or not {@code pass:true}.
 *
 * <p>Batches may come in any order, so manifest batches are kept (as bytes) until all state has
 * been folded in. Records are read in place from the batches; only the latest record per id and
 * the pending entries become objects.
 */
public final class BucketDecision {
  /** What the bucket held, by outcome. */
  public static final class Counts {
    public long fresh;
    public long stale;
    public long failed;
    public long done;
  }

  private final LongMap<BucketBatch.View> latest = new LongMap<>();
  private final List<BucketBatch> manifestBatches = new ArrayList<>();
  private final BucketBatch.View scratch = new BucketBatch.View();

  public void add(BucketBatch batch) throws IOException {
    if (batch.manifest) {
      manifestBatches.add(batch);
      return;
    }
    ByteSource in = new ByteSource(batch.bytes, 0, batch.length);
    for (int i = 0; i < batch.count; i++) {
      BucketBatch.readState(in, batch.bytes, scratch);
      BucketBatch.View old = latest.get(scratch.id);
      if (old == null || isLater(scratch, old)) {
        latest.put(scratch.id, scratch.copy());
      }
    }
  }

  /** Emits the pending entries; call once, after every batch was added. */
  public Counts decide(Consumer<ManifestEntry> pending) throws IOException {
    Counts counts = new Counts();
    BucketBatch.View entry = new BucketBatch.View();
    for (BucketBatch batch : manifestBatches) {
      ByteSource in = new ByteSource(batch.bytes, 0, batch.length);
      for (int i = 0; i < batch.count; i++) {
        BucketBatch.readManifest(in, batch.bytes, entry);
        BucketBatch.View l = latest.get(entry.id);
        if (l == null) {
          counts.fresh++;
        } else if (!entry.sameFileName(l) || entry.shaDiffers(l)) {
          counts.stale++; // made from another file, or another version of this one
        } else if (!l.pass) {
          counts.failed++;
        } else {
          counts.done++;
          continue;
        }
        pending.accept(entry.toManifestEntry());
      }
    }
    return counts;
  }

  /** {@code b} is later than {@code a} by (finished_at, run_id, attempts, pass). */
  static boolean isLater(BucketBatch.View b, BucketBatch.View a) {
    if (b.finishedAtMillis != a.finishedAtMillis) {
      return b.finishedAtMillis > a.finishedAtMillis;
    }
    int byRun = runIdOrEmpty(b).compareTo(runIdOrEmpty(a)); // ties on time are rare: decode then
    if (byRun != 0) {
      return byRun > 0;
    }
    if (b.attempts != a.attempts) {
      return b.attempts > a.attempts;
    }
    return b.pass && !a.pass;
  }

  private static String runIdOrEmpty(BucketBatch.View v) {
    String r = v.runId();
    return r == null ? "" : r;
  }
}
