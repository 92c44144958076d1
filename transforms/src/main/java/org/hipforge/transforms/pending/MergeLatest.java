package org.hipforge.transforms.pending;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Keeps the latest record per id ({@link StateRecord#LATEST_ORDER}): the truth of each task.
 *
 * <p>A combine, so duplicates across shards and journals are folded before the shuffle; the merge
 * is associative, commutative and idempotent, so re-reading the same record twice changes nothing.
 *
 * <pre>
 * {@code PCollection<KV<Long, StateRecord>> latest = records.apply("MergeLatest", MergeLatest.create());}
 * </pre>
 */
final class MergeLatest
    extends PTransform<PCollection<StateRecord>, PCollection<KV<Long, StateRecord>>> {

  private MergeLatest() {}

  static MergeLatest create() {
    return new MergeLatest();
  }

  @Override
  public PCollection<KV<Long, StateRecord>> expand(PCollection<StateRecord> records) {
    KvCoder<Long, StateRecord> coder = KvCoder.of(VarLongCoder.of(), StateRecordCoder.of());
    return records
        .apply("KeyById", WithKeys.of(StateRecord::id).withKeyType(TypeDescriptors.longs()))
        .setCoder(coder)
        .apply("KeepLatest", Combine.perKey(new LatestFn()))
        .setCoder(coder);
  }

  private static final class LatestFn extends Combine.BinaryCombineFn<StateRecord> {
    @Override
    public StateRecord apply(StateRecord left, StateRecord right) {
      return StateRecord.latest(left, right);
    }
  }
}
