package org.hipforge.transforms.pending;

import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.Records;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class SelectDescribedTest {
  private static final StateRecord READY = Records.passed(1, "a.hip", "s1", 1000, "r");
  private static final StateRecord FAILED = Records.failed(2, "b.hip", "s2", 1000, "r", "timeout");
  private static final StateRecord BLANK =
      Records.passed(3, "c.hip", "s3", 1000, "r").toBuilder().instruction("  ").build();
  private static final StateRecord OTHER = Records.passed(4, "d.hip", "s4", 1000, "r");

  private static PCollection<KV<Long, StateRecord>> latest(TestPipeline p, String name) {
    return p.apply(
        name,
        Create.of(KV.of(1L, READY), KV.of(2L, FAILED), KV.of(3L, BLANK), KV.of(4L, OTHER))
            .withCoder(KvCoder.of(VarLongCoder.of(), StateRecordCoder.of())));
  }

  @Test
  void onlyPassedRecordsWithAnInstructionAreKept(TestPipeline p) {
    PAssert.that(latest(p, "Latest").apply(SelectDescribed.all())).containsInAnyOrder(READY, OTHER);
    p.run().waitUntilFinish();
  }

  @Test
  void withIdsOnlyTheSelectedReadyRecordsAreKeptAndAnEmptySetKeepsNone(TestPipeline p) {
    PAssert.that(latest(p, "LatestA").apply("Some", SelectDescribed.ids(Set.of(1L, 2L, 99L))))
        .containsInAnyOrder(READY);
    PAssert.that(latest(p, "LatestB").apply("None", SelectDescribed.ids(Set.of()))).empty();
    p.run().waitUntilFinish();
  }
}
