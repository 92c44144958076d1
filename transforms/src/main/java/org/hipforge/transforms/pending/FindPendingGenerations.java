package org.hipforge.transforms.pending;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * The generate anti-join: the selected describe records that {@link PendingRule#generate} finds
 * pending (latest generate record missing, failed, or made from another file, source or
 * instruction: the task was described again since).
 *
 * <pre>
 * {@code PCollection<StateRecord> todo = ready.apply("FindPending", FindPendingGenerations.against(latestGenerate));}
 * </pre>
 */
final class FindPendingGenerations
    extends PTransform<PCollection<StateRecord>, PCollection<StateRecord>> {
  private final PCollection<KV<Long, StateRecord>> latestGenerate;

  private FindPendingGenerations(PCollection<KV<Long, StateRecord>> latestGenerate) {
    this.latestGenerate = latestGenerate;
  }

  static FindPendingGenerations against(PCollection<KV<Long, StateRecord>> latestGenerate) {
    if (latestGenerate == null) {
      throw new IllegalArgumentException("latestGenerate must be set");
    }
    return new FindPendingGenerations(latestGenerate);
  }

  @Override
  public PCollection<StateRecord> expand(PCollection<StateRecord> described) {
    TupleTag<StateRecord> describedTag = new TupleTag<>("described");
    TupleTag<StateRecord> generatedTag = new TupleTag<>("generated");
    PCollection<KV<Long, StateRecord>> keyed =
        described
            .apply("KeyById", WithKeys.of(StateRecord::id).withKeyType(TypeDescriptors.longs()))
            .setCoder(KvCoder.of(VarLongCoder.of(), StateRecordCoder.of()));
    return KeyedPCollectionTuple.of(describedTag, keyed)
        .and(generatedTag, latestGenerate)
        .apply("JoinById", CoGroupByKey.create())
        .apply("KeepPending", ParDo.of(new KeepFn(describedTag, generatedTag)))
        .setCoder(StateRecordCoder.of());
  }

  private static final class KeepFn extends DoFn<KV<Long, CoGbkResult>, StateRecord> {
    private final TupleTag<StateRecord> describedTag;
    private final TupleTag<StateRecord> generatedTag;

    KeepFn(TupleTag<StateRecord> describedTag, TupleTag<StateRecord> generatedTag) {
      this.describedTag = describedTag;
      this.generatedTag = generatedTag;
    }

    @ProcessElement
    public void process(@Element KV<Long, CoGbkResult> joined, OutputReceiver<StateRecord> out) {
      StateRecord described = joined.getValue().getOnly(describedTag, null);
      if (described == null) {
        return;
      }
      StateRecord generated = null;
      for (StateRecord r : joined.getValue().getAll(generatedTag)) {
        generated = StateRecord.latest(generated, r);
      }
      if (PendingRule.generate(described, null, generated).pending()) { // described is selected
        out.output(described);
      }
    }
  }
}
