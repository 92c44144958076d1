package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class FindPendingTest {
  @TempDir Path work;

  private FindPending.Result findPending(TestPipeline p, int buckets, ManifestEntry... entries) throws Exception {
    StringBuilder m = new StringBuilder();
    for (ManifestEntry e : entries) {
      m.append(ManifestJson.toJson(e)).append('\n');
    }
    Files.writeString(work.resolve("manifest.jsonl"), m.toString());
    WorkLayout layout = new WorkLayout(work.toString());
    return p.apply(FindPending.of(layout.manifest(), List.of(layout.shardGlob(WorkLayout.Step.DESCRIBE),
        layout.journalGlob(WorkLayout.Step.DESCRIBE))).withBuckets(buckets));
  }

  @Test
  void pendingAreNewStaleRenamedAndFailedTasksNeverPassedOnes(TestPipeline p) throws Exception {
    ManifestEntry done = Records.entry(0, "done.hip", "s0");
    ManifestEntry fresh = Records.entry(1, "new.hip", "s1");
    ManifestEntry changed = Records.entry(2, "changed.hip", "s2-new");
    ManifestEntry failed = Records.entry(3, "failed.hip", "s3");
    ManifestEntry renamed = Records.entry(4, "renamed.hip", "s4");
    Records.writeLines(work.resolve("state/describe/r1/part-00000-of-00001.jsonl"), List.of(
        Records.passed(0, "done.hip", "s0", 1, "r1"),
        Records.failed(0, "done.hip", "s0", 0, "r1", "timeout"), // an older failure
        Records.passed(2, "changed.hip", "s2-old", 1, "r1"),
        Records.passed(3, "failed.hip", "s3", 1, "r1"),
        Records.passed(4, "old-name.hip", "s4", 1, "r1"),
        Records.passed(99, "gone.hip", "s99", 1, "r1")), null);
    // The journal repeats a record (harmless), has a later failure that wins, and a torn end.
    Records.writeLines(work.resolve("state/describe/journal/r2/w.jsonl"), List.of(
        Records.passed(0, "done.hip", "s0", 1, "r1"),
        Records.failed(3, "failed.hip", "s3", 2, "r2", "timeout")), "{\"id\":1,\"fi");

    FindPending.Result result = findPending(p, 3, done, fresh, changed, failed, renamed);

    PAssert.that(result.pending()).containsInAnyOrder(fresh, changed, failed, renamed);
    PAssert.that(result.malformed()).satisfies(lines -> {
      List<MalformedLine> all = new ArrayList<>();
      lines.forEach(all::add);
      assertThat(all.size(), is(1));
      assertThat(all.get(0).torn(), is(true));
      assertThat(all.get(0).file(), containsString("w.jsonl"));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void theFirstRunWithNoStateFindsEveryTaskPendingWhateverTheBucketCount(TestPipeline p) throws Exception {
    List<ManifestEntry> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(Records.entry(i, "k" + i + ".hip", "s" + i));
    }
    FindPending.Result result = findPending(p, 7, all.toArray(new ManifestEntry[0]));
    PAssert.that(result.pending()).containsInAnyOrder(all);
    PAssert.that(result.malformed()).empty();
    p.run().waitUntilFinish();
  }
}
