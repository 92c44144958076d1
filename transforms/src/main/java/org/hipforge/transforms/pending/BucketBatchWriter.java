package org.hipforge.transforms.pending;

import java.util.Arrays;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/**
 * Packs one file's manifest entries (or state records) into per-bucket {@link BucketBatch}es by
 * {@code id % buckets}, handing each full batch on before the bucket's next entry is written.
 *
 * <p>Memory stays bounded by buckets x {@link #BATCH_BYTES}, whatever the file's size.
 */
final class BucketBatchWriter {
  /**
   * Bytes per shuffled batch: big enough that the engine's per-element cost vanishes (a few hundred
   * records), small enough to stay below Flink's 32 KB network buffer, past which a record is split
   * across buffers and handled more slowly.
   */
  static final int BATCH_BYTES = Integer.getInteger("hipforge.findPending.batchBytes", 24 * 1024);

  /** Receives each full batch and, at {@link #flush}, the rest. */
  interface Emitter {
    void emit(int bucket, BucketBatch batch);
  }

  private final boolean manifest;
  private final int buckets;
  private final Emitter emitter;
  private final ByteSink[] sinks;
  private final int[] counts;

  BucketBatchWriter(boolean manifest, int buckets, Emitter emitter) {
    this.manifest = manifest;
    this.buckets = buckets;
    this.emitter = emitter;
    this.sinks = new ByteSink[buckets];
    this.counts = new int[buckets];
  }

  /** A manifest line's entry, as the byte scanner found it. */
  void add(FlatLineScanner.ManifestFields f) {
    BucketBatch.writeManifest(sinkFor(f.id), f);
  }

  /** A manifest entry the scanner left to Jackson. */
  void add(ManifestEntry e) {
    BucketBatch.writeManifest(sinkFor(e.id()), e);
  }

  /** A state line's slim record, as the byte scanner found it. */
  void add(FlatLineScanner.StateFields f) {
    BucketBatch.writeState(sinkFor(f.id), f);
  }

  /** A state record the scanner left to Jackson. */
  void add(StateRecord r) {
    BucketBatch.writeState(sinkFor(r.id()), r);
  }

  /** Emits every batch that holds anything. */
  void flush() {
    for (int b = 0; b < buckets; b++) {
      if (counts[b] > 0) {
        emit(b);
      }
    }
  }

  /**
   * The sink to append {@code id}'s entry to, counted: its bucket's, emptied first when full (a
   * batch stops at the first entry that takes it past {@link #BATCH_BYTES}).
   */
  private ByteSink sinkFor(long id) {
    int b = (int) Math.floorMod(id, (long) buckets);
    if (sinks[b] == null) {
      sinks[b] = new ByteSink(BATCH_BYTES + 1024);
    } else if (sinks[b].size() >= BATCH_BYTES) {
      emit(b);
    }
    counts[b]++;
    return sinks[b];
  }

  private void emit(int b) {
    ByteSink s = sinks[b];
    // A copy, because the sink is reused; the runner may hold on to the element (object reuse).
    emitter.emit(b, new BucketBatch(manifest, counts[b], Arrays.copyOf(s.array(), s.size())));
    s.clear();
    counts[b] = 0;
  }
}
