package org.hipforge.transforms;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.ManifestEntryCoder;
import org.hipforge.transforms.coders.PendingCheckCoder;

/**
 * The anti-join: manifest entries whose latest state record is missing, stale or not {@code
 * pass:true}, with the latest-wins merge folded in.
 *
 * <p>One shuffle: manifest entries and slimmed state records become {@link PendingCheck}s keyed by
 * id, combined (before the shuffle too, so duplicates across shards and journals fold locally),
 * then decided. A record is stale when its {@code source_sha256} differs from the manifest's (the
 * file changed) or it names another file (an id given to a different file). Records of ids no
 * longer in the manifest are ignored.
 *
 * <pre>{@code PCollection<ManifestEntry> pending = manifest.apply("FindPending", FindPending.against(records));}</pre>
 */
public final class FindPending
    extends PTransform<PCollection<ManifestEntry>, PCollection<ManifestEntry>> {
  private final PCollection<StateRecord> records;

  private FindPending(PCollection<StateRecord> records) {
    this.records = records;
  }

  /** Pending against every state record read (the merge to latest happens inside). */
  public static FindPending against(PCollection<StateRecord> records) {
    if (records == null) {
      throw new IllegalArgumentException("records must be set");
    }
    return new FindPending(records);
  }

  /** Whether a task still needs work given its latest record (null when it has none). */
  public static boolean isPending(ManifestEntry entry, StateRecord latest) {
    return latest == null || isStale(entry, latest) || !latest.pass();
  }

  /** True when the record was made from another file or another version of this one. */
  public static boolean isStale(ManifestEntry entry, StateRecord latest) {
    if (!entry.fileName().equals(latest.fileName())) {
      return true;
    }
    return entry.sha256() != null && latest.sourceSha256() != null
        && !entry.sha256().equals(latest.sourceSha256());
  }

  @Override
  public PCollection<ManifestEntry> expand(PCollection<ManifestEntry> manifest) {
    KvCoder<Long, PendingCheck> coder = KvCoder.of(VarLongCoder.of(), PendingCheckCoder.of());
    TypeDescriptor<KV<Long, PendingCheck>> kvType =
        TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptor.of(PendingCheck.class));
    PCollection<KV<Long, PendingCheck>> entries = manifest
        .apply("KeyEntries", MapElements.into(kvType).via(e -> KV.of(e.id(), PendingCheck.ofEntry(e))))
        .setCoder(coder);
    PCollection<KV<Long, PendingCheck>> states = records
        .apply("SlimRecords", MapElements.into(kvType).via(r -> KV.of(r.id(), PendingCheck.ofRecord(r))))
        .setCoder(coder);
    return PCollectionList.of(entries).and(states)
        .apply("Union", Flatten.pCollections())
        .apply("MergeById", Combine.perKey(new MergeFn()))
        .setCoder(coder)
        .apply("KeepPending", ParDo.of(new KeepPendingFn()))
        .setCoder(ManifestEntryCoder.of());
  }

  private static final class MergeFn extends Combine.BinaryCombineFn<PendingCheck> {
    @Override
    public PendingCheck apply(PendingCheck left, PendingCheck right) {
      return PendingCheck.merge(left, right);
    }
  }

  private static final class KeepPendingFn extends DoFn<KV<Long, PendingCheck>, ManifestEntry> {
    private final Counter fresh = Metrics.counter(FindPending.class, "pending_new");
    private final Counter stale = Metrics.counter(FindPending.class, "pending_stale");
    private final Counter failed = Metrics.counter(FindPending.class, "pending_failed");
    private final Counter done = Metrics.counter(FindPending.class, "done");

    @ProcessElement
    public void process(@Element KV<Long, PendingCheck> kv, OutputReceiver<ManifestEntry> out) {
      ManifestEntry entry = kv.getValue().entry();
      if (entry == null) {
        return; // state of a task no longer in the manifest
      }
      StateRecord latest = kv.getValue().latest();
      if (latest == null) {
        fresh.inc();
      } else if (isStale(entry, latest)) {
        stale.inc();
      } else if (!latest.pass()) {
        failed.inc();
      } else {
        done.inc();
        return;
      }
      out.output(entry);
    }
  }
}
