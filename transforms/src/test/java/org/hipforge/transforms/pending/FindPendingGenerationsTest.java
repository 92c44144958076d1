package org.hipforge.transforms.pending;

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
class FindPendingGenerationsTest {

  private static StateRecord described(long id) {
    return Records.passed(id, "k" + id + ".hip", "s" + id, 1000, "d");
  }

  /** A generation made from {@code from} (same file, source and instruction) with this verdict. */
  private static KV<Long, StateRecord> generated(StateRecord from, boolean pass, long at) {
    StateRecord.Builder b = from.toBuilder().finishedAtMillis(at).runId("g" + at);
    return KV.of(
        from.id(), (pass ? b.pass(true).compiled(true) : b.failure("compile_error", "x")).build());
  }

  @Test
  void newFailedAndStaleTasksArePendingAndPassedOnesAreNot(TestPipeline p) {
    StateRecord fresh = described(1);
    StateRecord done = described(2);
    StateRecord failed = described(3);
    StateRecord redescribed = described(4);
    StateRecord changedSource = described(5);
    StateRecord fixedLater = described(6);
    PCollection<KV<Long, StateRecord>> latestGenerate =
        p.apply(
            "Generated",
            Create.of(
                    generated(done, true, 2000),
                    generated(failed, false, 2000),
                    generated(
                        redescribed.toBuilder().instruction("an older instruction").build(),
                        true,
                        2000),
                    generated(changedSource.toBuilder().sourceSha256("older").build(), true, 2000),
                    // Two generate records for one id: the later (passed) one decides.
                    generated(fixedLater, false, 2000),
                    generated(fixedLater, true, 3000))
                .withCoder(KvCoder.of(VarLongCoder.of(), StateRecordCoder.of())));

    PCollection<StateRecord> pending =
        p.apply(
                "Described",
                Create.of(fresh, done, failed, redescribed, changedSource, fixedLater)
                    .withCoder(StateRecordCoder.of()))
            .apply(FindPendingGenerations.against(latestGenerate));

    PAssert.that(pending).containsInAnyOrder(fresh, failed, redescribed, changedSource);
    p.run().waitUntilFinish();
  }

  @Test
  void aGenerationWithoutADescribedTaskAddsNothing(TestPipeline p) {
    PCollection<KV<Long, StateRecord>> latestGenerate =
        p.apply(
            "Generated",
            Create.of(generated(described(9), false, 2000))
                .withCoder(KvCoder.of(VarLongCoder.of(), StateRecordCoder.of())));
    PAssert.that(
            p.apply("Described", Create.empty(StateRecordCoder.of()))
                .apply(FindPendingGenerations.against(latestGenerate)))
        .empty();
    p.run().waitUntilFinish();
  }
}
