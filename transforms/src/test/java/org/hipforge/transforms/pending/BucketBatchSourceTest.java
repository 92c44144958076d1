package org.hipforge.transforms.pending;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.SourceTestUtils;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketBatchSourceTest {
  @TempDir Path work;
  private final PipelineOptions options = PipelineOptionsFactory.create();

  private BucketBatchSource source() throws Exception {
    StringBuilder m = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      m.append(ManifestJson.toJson(Records.entry(i, "k" + i + ".hip", "s"))).append('\n');
    }
    Files.writeString(work.resolve("manifest.jsonl"), m.toString());
    WorkLayout layout = new WorkLayout(work.toString());
    return new BucketBatchSource(
        new FindPending.Configuration(
            layout.manifest(),
            List.of(
                layout.shardGlob(WorkLayout.Step.DESCRIBE),
                layout.journalGlob(WorkLayout.Step.DESCRIBE)),
            2));
  }

  /** What reading the splits one after another yields, decided. */
  private static List<ManifestEntry> pending(
      List<? extends BoundedSource<BatchOrDeadLetter>> splits, PipelineOptions options)
      throws Exception {
    List<BucketDecision> buckets = List.of(new BucketDecision(), new BucketDecision());
    for (BoundedSource<BatchOrDeadLetter> split : splits) {
      for (BatchOrDeadLetter e : SourceTestUtils.readFromSource(split, options)) {
        buckets.get(e.bucket()).add(e.batch());
      }
    }
    List<ManifestEntry> out = new ArrayList<>();
    for (BucketDecision d : buckets) {
      d.decide(out::add);
    }
    return out;
  }

  /** Writes {@code records} to {@code file} under the describe step's state directory. */
  private void writeState(String file, StateRecord... records) throws IOException {
    Records.writeLines(work.resolve("state/describe/" + file), List.of(records), null);
  }

  @Test
  void oneSplitPerFileBiggestHandedOutFirstAndOneForFilesThatComeLater() throws Exception {
    BucketBatchSource source = source();
    writeState("r1/part-00000-of-00001.jsonl", Records.passed(0, "k0.hip", "s", 1, "r1"));
    List<BucketBatchSource> splits = source.split(1, options);
    // Flink hands out the last split first: the manifest (the biggest file) is last, the split
    // for files that appear later is first (handed out last).
    assertThat(splits.size(), is(3));
    assertThat(splits.get(0).getEstimatedSizeBytes(options), is(0L));
    assertThat(
        splits.get(2).getEstimatedSizeBytes(options),
        is(Files.size(work.resolve("manifest.jsonl"))));
    assertThat(
        pending(splits, options),
        containsInAnyOrder(
            Records.entry(1, "k1.hip", "s"),
            Records.entry(2, "k2.hip", "s"),
            Records.entry(3, "k3.hip", "s")));
  }

  /**
   * Flink plans the splits once per job. A restarted job must still see the journal its failed
   * attempt wrote, or every task answered in that attempt would be asked (and paid for) again.
   */
  @Test
  void aJournalWrittenAfterTheSplitsWereMadeIsStillRead() throws Exception {
    BucketBatchSource source = source();
    List<BucketBatchSource> splits = source.split(1, options);
    writeState(
        "journal/r2/worker-1.jsonl",
        Records.passed(1, "k1.hip", "s", 1, "r2"),
        Records.passed(2, "k2.hip", "s", 1, "r2"));
    assertThat(
        pending(splits, options),
        containsInAnyOrder(Records.entry(0, "k0.hip", "s"), Records.entry(3, "k3.hip", "s")));
  }

  @Test
  void theUnsplitSourceReadsEverything() throws Exception {
    BucketBatchSource source = source();
    writeState("journal/r2/worker-1.jsonl", Records.passed(3, "k3.hip", "s", 1, "r2"));
    assertThat(
        pending(List.of(source), options),
        containsInAnyOrder(
            Records.entry(0, "k0.hip", "s"),
            Records.entry(1, "k1.hip", "s"),
            Records.entry(2, "k2.hip", "s")));
  }
}
