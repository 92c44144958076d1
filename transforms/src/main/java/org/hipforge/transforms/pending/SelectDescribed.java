package org.hipforge.transforms.pending;

import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Keeps the latest describe records that can be generated from ({@link PendingRule#ready}): {@code
 * pass:true}, a non-blank instruction, and (when ids are given) an id in the set.
 *
 * <pre>
 * {@code PCollection<StateRecord> ready = latestDescribe.apply("SelectDescribed", SelectDescribed.ids(Set.of(3L, 7L)));}
 * </pre>
 */
final class SelectDescribed
    extends PTransform<PCollection<KV<Long, StateRecord>>, PCollection<StateRecord>> {
  private final TreeSet<Long> ids;

  private SelectDescribed(TreeSet<Long> ids) {
    this.ids = ids;
  }

  /** Every passed, instructed record. */
  static SelectDescribed all() {
    return new SelectDescribed(null);
  }

  /** Only these ids; an empty set selects nothing. */
  static SelectDescribed ids(Set<Long> ids) {
    if (ids == null) {
      throw new IllegalArgumentException("ids must not be null (use all())");
    }
    return new SelectDescribed(new TreeSet<>(ids));
  }

  @Override
  public PCollection<StateRecord> expand(PCollection<KV<Long, StateRecord>> latest) {
    return latest.apply("KeepReady", ParDo.of(new KeepFn(ids))).setCoder(StateRecordCoder.of());
  }

  private static final class KeepFn extends DoFn<KV<Long, StateRecord>, StateRecord> {
    private final TreeSet<Long> ids;
    private final Counter notPassed = Metrics.counter(SelectDescribed.class, "describe_not_passed");
    private final Counter noInstruction = Metrics.counter(SelectDescribed.class, "no_instruction");

    KeepFn(TreeSet<Long> ids) {
      this.ids = ids;
    }

    @ProcessElement
    public void process(@Element KV<Long, StateRecord> kv, OutputReceiver<StateRecord> out) {
      StateRecord r = kv.getValue();
      if (PendingRule.ready(r, ids)) {
        out.output(r);
      } else if (ids == null || ids.contains(r.id())) { // why a selected task is left out
        (r.pass() ? noInstruction : notPassed).inc();
      }
    }
  }
}
