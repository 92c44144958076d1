package org.hipforge.transforms.pending;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.coders.MalformedLineCoder;
import org.hipforge.transforms.coders.ManifestEntryCoder;

/**
 * The anti-join: reads the manifest and every state file matching the globs, merges each id's state
 * records (latest wins) and emits the manifest entries whose latest record is missing, stale or not
 * {@code pass:true}; unreadable state lines go to the dead-letter output.
 *
 * <p>How it stays cheap at millions of lines: each file is read whole by one worker ({@link
 * BucketBatchSource}) that scans each line's bytes once for the few fields the decision needs
 * ({@link org.hipforge.io.jsonl.FlatLineScanner}) and writes them straight into compact {@link
 * BucketBatch}es by {@code id % buckets}; only those batches are shuffled, and each bucket is
 * decided in memory ({@link BucketDecision}). Memory stays bounded: a worker holds one bucket
 * (1/buckets of the ids) at a time, never all tasks. A record is stale when its {@code
 * source_sha256} differs from the manifest's (the file changed) or it names another file; records
 * of ids no longer in the manifest are ignored. The manifest is read strictly: a malformed manifest
 * line fails the run.
 *
 * <pre>{@code
 * PendingResult<ManifestEntry> r =
 *     p.apply("FindPending", FindPending.of(layout.manifest(), List.of(shards, journals)));
 * r.pending(); r.malformed();
 * }</pre>
 */
public final class FindPending extends PTransform<PBegin, PendingResult<ManifestEntry>> {
  /** Default buckets: enough to spread over a cluster and keep each bucket small at 10M ids. */
  private static final int DEFAULT_BUCKETS = 128;

  /** What the anti-join reads, and into how many buckets it splits the ids. */
  record Configuration(String manifest, List<String> stateGlobs, int buckets)
      implements Serializable {
    Configuration {
      if (manifest == null || manifest.isBlank()) {
        throw new IllegalArgumentException("manifest must be set, was '" + manifest + "'");
      }
      if (stateGlobs == null) {
        throw new IllegalArgumentException("stateGlobs must not be null");
      }
      if (buckets < 1 || buckets > 1 << 16) {
        throw new IllegalArgumentException("buckets must be in [1, 65536], was " + buckets);
      }
      stateGlobs = List.copyOf(stateGlobs);
    }
  }

  private final Configuration config;

  private FindPending(Configuration config) {
    this.config = config;
  }

  public static FindPending of(String manifest, List<String> stateGlobs) {
    return new FindPending(new Configuration(manifest, stateGlobs, DEFAULT_BUCKETS));
  }

  /** The tasks of {@code step} in {@code layout} with no record in its shards or journals yet. */
  public static FindPending in(WorkLayout layout, WorkLayout.Step step) {
    return of(layout.manifest(), List.of(layout.shardGlob(step), layout.journalGlob(step)));
  }

  public FindPending withBuckets(int n) {
    return new FindPending(new Configuration(config.manifest(), config.stateGlobs(), n));
  }

  @Override
  public PendingResult<ManifestEntry> expand(PBegin input) {
    TupleTag<KV<Integer, BucketBatch>> batchTag = new TupleTag<>("batches");
    TupleTag<MalformedLine> malformedTag = new TupleTag<>("malformed");
    PCollectionTuple read =
        input
            .apply("ReadIntoBuckets", Read.from(new BucketBatchSource(config)))
            .apply(
                "SplitDeadLetters",
                ParDo.of(new SplitDeadLettersFn(batchTag, malformedTag))
                    .withOutputTags(batchTag, TupleTagList.of(malformedTag)));
    PCollection<ManifestEntry> pending =
        read.get(batchTag)
            .setCoder(KvCoder.of(VarIntCoder.of(), BucketBatchCoder.of()))
            .apply("GroupBuckets", GroupByKey.create())
            .apply("DecideBucket", ParDo.of(new DecideBucketFn()))
            .setCoder(ManifestEntryCoder.of());
    return new PendingResult<>(pending, read.get(malformedTag).setCoder(MalformedLineCoder.of()));
  }

  /** Sends batches on to the shuffle and unreadable lines to the dead-letter output. */
  private static final class SplitDeadLettersFn
      extends DoFn<BatchOrDeadLetter, KV<Integer, BucketBatch>> {
    private final TupleTag<KV<Integer, BucketBatch>> batchTag;
    private final TupleTag<MalformedLine> malformedTag;

    SplitDeadLettersFn(
        TupleTag<KV<Integer, BucketBatch>> batchTag, TupleTag<MalformedLine> malformedTag) {
      this.batchTag = batchTag;
      this.malformedTag = malformedTag;
    }

    @ProcessElement
    public void process(@Element BatchOrDeadLetter e, MultiOutputReceiver out) {
      if (e.isBatch()) {
        out.get(batchTag).output(KV.of(e.bucket(), e.batch()));
      } else {
        out.get(malformedTag).output(e.deadLetter());
      }
    }
  }

  /** Decides one bucket: all its ids' entries and records are in memory here. */
  private static final class DecideBucketFn
      extends DoFn<KV<Integer, Iterable<BucketBatch>>, ManifestEntry> {
    private final Counter fresh = Metrics.counter(FindPending.class, "pending_new");
    private final Counter stale = Metrics.counter(FindPending.class, "pending_stale");
    private final Counter failed = Metrics.counter(FindPending.class, "pending_failed");
    private final Counter done = Metrics.counter(FindPending.class, "done");

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<BucketBatch>> bucket, OutputReceiver<ManifestEntry> out)
        throws IOException {
      BucketDecision decision = new BucketDecision();
      for (BucketBatch b : bucket.getValue()) {
        decision.add(b);
      }
      BucketDecision.Counts counts = decision.decide(out::output);
      fresh.inc(counts.fresh);
      stale.inc(counts.stale);
      failed.inc(counts.failed);
      done.inc(counts.done);
    }
  }
}
