package org.hipforge.transforms.pending;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;
import org.hipforge.transforms.MalformedLine;

/**
 * The front of the generate pipeline: reads the describe and generate state, keeps each id's latest
 * record, selects what can be generated from and keeps what {@link PendingRule#generate} finds
 * pending. Its universe is the describe records (it does not read the manifest). Unreadable state
 * lines of both steps go to {@link PendingResult#malformed()}.
 *
 * <pre>{@code
 * PendingResult<StateRecord> r = p.apply("FindPendingGenerations",
 *     PendingGenerations.of(List.of(describeShards, describeJournals), List.of(generateShards)).withIds(ids));
 * r.pending(); r.malformed();
 * }</pre>
 */
public final class PendingGenerations extends PTransform<PBegin, PendingResult<StateRecord>> {
  private final List<String> describeGlobs;
  private final List<String> generateGlobs;
  private final TreeSet<Long> ids;

  private PendingGenerations(
      List<String> describeGlobs, List<String> generateGlobs, TreeSet<Long> ids) {
    this.describeGlobs = describeGlobs;
    this.generateGlobs = generateGlobs;
    this.ids = ids;
  }

  /** Every described task; the globs of the describe state and of the generate state. */
  public static PendingGenerations of(List<String> describeGlobs, List<String> generateGlobs) {
    if (describeGlobs == null || describeGlobs.isEmpty()) {
      throw new IllegalArgumentException("describeGlobs must not be empty, was " + describeGlobs);
    }
    if (generateGlobs == null || generateGlobs.isEmpty()) {
      throw new IllegalArgumentException("generateGlobs must not be empty, was " + generateGlobs);
    }
    return new PendingGenerations(List.copyOf(describeGlobs), List.copyOf(generateGlobs), null);
  }

  /** Only these ids ({@code --ids}); null selects every described task. */
  public PendingGenerations withIds(Set<Long> selected) {
    return new PendingGenerations(
        describeGlobs, generateGlobs, selected == null ? null : new TreeSet<>(selected));
  }

  @Override
  public PendingResult<StateRecord> expand(PBegin input) {
    ReadState.Result described =
        input.apply("ReadDescribeState", ReadState.fromGlobs(describeGlobs));
    ReadState.Result generated =
        input.apply("ReadGenerateState", ReadState.fromGlobs(generateGlobs));
    PCollection<KV<Long, StateRecord>> latestGenerated =
        generated.output().apply("MergeLatestGenerate", MergeLatest.create());
    PCollection<StateRecord> pending =
        described
            .output()
            .apply("MergeLatestDescribe", MergeLatest.create())
            .apply(
                "SelectDescribed", ids == null ? SelectDescribed.all() : SelectDescribed.ids(ids))
            .apply("FindPending", FindPendingGenerations.against(latestGenerated));
    PCollection<MalformedLine> malformed =
        PCollectionList.of(described.failures())
            .and(generated.failures())
            .apply("AllMalformed", Flatten.pCollections());
    return new PendingResult<>(pending, malformed);
  }
}
