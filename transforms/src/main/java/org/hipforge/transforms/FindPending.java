package org.hipforge.transforms;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
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
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.ManifestEntryCoder;

/**
 * The anti-join: manifest entries whose latest record is missing, stale or not {@code pass:true}.
 *
 * <p>A record is stale when its {@code source_sha256} differs from the manifest's (the file changed)
 * or it names another file (an id given to a different file). Records of ids no longer in the
 * manifest are ignored.
 *
 * <pre>{@code PCollection<ManifestEntry> pending = FindPending.of(latest).expand(manifest);}</pre>
 */
public final class FindPending
    extends PTransform<PCollection<ManifestEntry>, PCollection<ManifestEntry>> {
  private final PCollection<KV<Long, StateRecord>> latest;

  private FindPending(PCollection<KV<Long, StateRecord>> latest) {
    this.latest = latest;
  }

  /** Pending against {@code latest}, the output of {@link MergeLatest}. */
  public static FindPending against(PCollection<KV<Long, StateRecord>> latest) {
    if (latest == null) {
      throw new IllegalArgumentException("latest must be set");
    }
    return new FindPending(latest);
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
    TupleTag<ManifestEntry> entryTag = new TupleTag<>("manifest");
    TupleTag<StateRecord> stateTag = new TupleTag<>("latest");
    PCollection<KV<Long, ManifestEntry>> keyed = manifest
        .apply("KeyManifestById", WithKeys.of(ManifestEntry::id).withKeyType(TypeDescriptors.longs()))
        .setCoder(KvCoder.of(VarLongCoder.of(), ManifestEntryCoder.of()));
    return KeyedPCollectionTuple.of(entryTag, keyed)
        .and(stateTag, latest)
        .apply("JoinById", CoGroupByKey.create())
        .apply("KeepPending", ParDo.of(new KeepPendingFn(entryTag, stateTag)))
        .setCoder(ManifestEntryCoder.of());
  }

  private static final class KeepPendingFn extends DoFn<KV<Long, CoGbkResult>, ManifestEntry> {
    private final TupleTag<ManifestEntry> entryTag;
    private final TupleTag<StateRecord> stateTag;
    private final Counter fresh = Metrics.counter(FindPending.class, "pending_new");
    private final Counter stale = Metrics.counter(FindPending.class, "pending_stale");
    private final Counter failed = Metrics.counter(FindPending.class, "pending_failed");
    private final Counter done = Metrics.counter(FindPending.class, "done");

    KeepPendingFn(TupleTag<ManifestEntry> entryTag, TupleTag<StateRecord> stateTag) {
      this.entryTag = entryTag;
      this.stateTag = stateTag;
    }

    @ProcessElement
    public void process(@Element KV<Long, CoGbkResult> joined, OutputReceiver<ManifestEntry> out) {
      ManifestEntry entry = joined.getValue().getOnly(entryTag, null);
      if (entry == null) {
        return; // state of a task no longer in the manifest
      }
      StateRecord latest = null;
      for (StateRecord r : joined.getValue().getAll(stateTag)) {
        latest = StateRecord.latest(latest, r);
      }
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
