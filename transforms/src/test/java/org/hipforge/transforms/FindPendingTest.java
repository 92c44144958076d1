package org.hipforge.transforms;

import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.ManifestEntryCoder;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class FindPendingTest {
  @Test
  void pendingAreNewStaleRenamedAndFailedTasksNeverPassedOnes(TestPipeline p) {
    ManifestEntry done = Records.entry(0, "done.hip", "s0");
    ManifestEntry fresh = Records.entry(1, "new.hip", "s1");
    ManifestEntry changed = Records.entry(2, "changed.hip", "s2-new");
    ManifestEntry failed = Records.entry(3, "failed.hip", "s3");
    ManifestEntry renamed = Records.entry(4, "renamed.hip", "s4");

    PCollection<ManifestEntry> manifest = p.apply("Manifest",
        Create.of(done, fresh, changed, failed, renamed).withCoder(ManifestEntryCoder.of()));
    PCollection<StateRecord> records = p.apply("State", Create.of(
        Records.passed(0, "done.hip", "s0", 1, "r"),
        Records.passed(0, "done.hip", "s0", 1, "r"), // the same record in a shard and a journal
        Records.failed(0, "done.hip", "s0", 0, "r", "timeout"), // an older failure
        Records.passed(2, "changed.hip", "s2-old", 1, "r"),
        Records.passed(3, "failed.hip", "s3", 1, "r"),
        Records.failed(3, "failed.hip", "s3", 2, "r", "timeout"), // a later failure wins
        Records.passed(4, "old-name.hip", "s4", 1, "r"),
        Records.passed(99, "gone.hip", "s99", 1, "r"))
        .withCoder(StateRecordCoder.of()));

    PAssert.that(manifest.apply(FindPending.against(records)))
        .containsInAnyOrder(fresh, changed, failed, renamed);
    p.run().waitUntilFinish();
  }
}
