package org.hipforge.transforms.pending;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

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
class MergeLatestTest {
  @Test
  @SuppressWarnings("unchecked") // PAssert.containsInAnyOrder(T...) with a generic KV
  void theLatestRecordPerIdWinsByTimeThenRunThenAttempts(TestPipeline p) {
    StateRecord oldPass = Records.passed(1, "a.hip", "s", 1000, "r1");
    StateRecord newFail = Records.failed(1, "a.hip", "s", 2000, "r1", "timeout");
    StateRecord sameTimeLaterRun = Records.passed(2, "b.hip", "s", 1000, "r2");
    StateRecord sameTimeEarlierRun = Records.failed(2, "b.hip", "s", 1000, "r1", "timeout");
    StateRecord moreAttempts =
        Records.passed(3, "c.hip", "s", 1000, "r1").toBuilder().attempts(3).build();
    StateRecord fewerAttempts = Records.failed(3, "c.hip", "s", 1000, "r1", "timeout");

    PCollection<KV<Long, StateRecord>> latest =
        p.apply(
                Create.of(
                        oldPass,
                        newFail,
                        sameTimeLaterRun,
                        sameTimeEarlierRun,
                        moreAttempts,
                        fewerAttempts,
                        oldPass /* a duplicate changes nothing */)
                    .withCoder(StateRecordCoder.of()))
            .apply(MergeLatest.create());

    PAssert.that(latest)
        .containsInAnyOrder(
            KV.of(1L, newFail), KV.of(2L, sameTimeLaterRun), KV.of(3L, moreAttempts));
    p.run().waitUntilFinish();
  }

  @Test
  void theMergeIsOrderIndependent() {
    StateRecord a = Records.passed(1, "a.hip", "s", 1000, "r1");
    StateRecord b = Records.failed(1, "a.hip", "s", 1000, "r1", "timeout");
    assertThat(StateRecord.latest(a, b), is(StateRecord.latest(b, a)));
    assertThat(StateRecord.latest(a, b), is(a)); // a pass beats a failure of the same instant
  }
}
