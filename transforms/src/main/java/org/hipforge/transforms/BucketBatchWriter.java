package org.hipforge.transforms;

import java.util.Arrays;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.ByteSink;

/**
 * Packs one file's manifest entries (or state records) into per-bucket {@link BucketBatch}es by
 * {@code id % buckets}, handing each batch on as soon as it is full.
 *
 * <p>Memory stays bounded by buckets x {@link #BATCH_BYTES}, whatever the file's size.
 */
public final class BucketBatchWriter {
  /**
   * Bytes per shuffled batch: big enough that the engine's per-element cost vanishes (a few
   * hundred records), small enough to stay below Flink's 32 KB network buffer, past which a
   * record is split across buffers and handled more slowly.
   */
  static final int BATCH_BYTES = Integer.getInteger("hipforge.findPending.batchBytes", 24 * 1024);

  /** Receives each full batch and, at {@link #flush}, the rest. */
  public interface Emitter {
    void emit(int bucket, BucketBatch batch);
  }

  private final boolean manifest;
  private final int buckets;
  private final Emitter emitter;
  private final ByteSink[] sinks;
  private final int[] counts;

  public BucketBatchWriter(boolean manifest, int buckets, Emitter emitter) {
    this.manifest = manifest;
    this.buckets = buckets;
    this.emitter = emitter;
    this.sinks = new ByteSink[buckets];
    this.counts = new int[buckets];
  }

  public void add(FlatLineScanner.ManifestFields f) {
    int b = bucketOf(f.id);
    BucketBatch.writeManifest(sink(b), f);
    added(b);
  }

  public void add(ManifestEntry e) {
    int b = bucketOf(e.id());
    BucketBatch.writeManifest(sink(b), e);
    added(b);
  }

  public void add(FlatLineScanner.StateFields f) {
    int b = bucketOf(f.id);
    BucketBatch.writeState(sink(b), f);
    added(b);
  }

  public void add(StateRecord r) {
    int b = bucketOf(r.id());
    BucketBatch.writeState(sink(b), r);
    added(b);
  }

  /** Emits every batch that holds anything. */
  public void flush() {
    for (int b = 0; b < buckets; b++) {
      if (counts[b] > 0) {
        emit(b);
      }
    }
  }

  private int bucketOf(long id) {
    return (int) Math.floorMod(id, (long) buckets);
  }

  private ByteSink sink(int b) {
    if (sinks[b] == null) {
      sinks[b] = new ByteSink(BATCH_BYTES + 1024);
    }
    return sinks[b];
  }

  private void added(int b) {
    counts[b]++;
    if (sinks[b].size() >= BATCH_BYTES) {
      emit(b);
    }
  }

  private void emit(int b) {
    ByteSink s = sinks[b];
    // A copy, because the sink is reused; the runner may hold on to the element (object reuse).
    emitter.emit(b, new BucketBatch(manifest, counts[b], Arrays.copyOf(s.array(), s.size()), s.size()));
    s.clear();
    counts[b] = 0;
  }
}
