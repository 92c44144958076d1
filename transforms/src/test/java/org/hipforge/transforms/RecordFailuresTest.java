package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.FailureCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class RecordFailuresTest {

  @Test
  void everyStagesFailuresBecomeFailedStateRecordsOfThisRunAndAPaidAnswerKeepsItsTokens(
      TestPipeline p) {
    Failure noCode =
        Failure.of(
            StateRecord.builder()
                .id(1)
                .fileName("a.hip")
                .sourceSha256("sa")
                .failure("no_code", "no fenced block")
                .finishedAtMillis(1000)
                .attempts(1)
                .instruction("Write a.")
                .build(),
            "extract_code");
    Failure unsafe =
        Failure.of(
            StateRecord.builder()
                .id(2)
                .fileName("../b.hip")
                .sourceSha256("sb")
                .failure("unsafe_path", "file_name refused")
                .finishedAtMillis(2000)
                .attempts(1)
                .build(),
            "write_hip");
    StateRecord billed =
        StateRecord.builder()
            .id(3)
            .fileName("c.hip")
            .failure("truncated", "cut at max_tokens")
            .sourceSha256("sc")
            .provider("sim")
            .model("m-1")
            .inputTokens(120)
            .outputTokens(1024)
            .finishReason("length")
            .finishedAtMillis(3000)
            .attempts(1)
            .runId("journal-run")
            .build();
    Failure paid = Failure.of(billed, "call_llm");

    PCollection<Failure> a = p.apply("A", Create.of(noCode, unsafe).withCoder(FailureCoder.of()));
    PCollection<Failure> b = p.apply("B", Create.of(paid).withCoder(FailureCoder.of()));
    PCollection<StateRecord> state =
        PCollectionList.of(a).and(b).apply(RecordFailures.asRun("run-9", "sim", "m-2"));

    PAssert.that(state)
        .satisfies(
            records -> {
              Map<Long, StateRecord> byId = new HashMap<>();
              records.forEach(r -> byId.put(r.id(), r));
              assertThat(byId.size(), is(3));
              for (StateRecord r : byId.values()) {
                assertThat(r.pass(), is(false));
                assertThat(r.runId(), is("run-9"));
              }
              assertThat(byId.get(1L).errorMsg(), is("no_code: no fenced block"));
              assertThat(byId.get(1L).instruction(), is("Write a."));
              assertThat(byId.get(1L).model(), is("m-2"));
              assertThat(byId.get(2L).errorCategory(), is("unsafe_path"));
              assertThat(byId.get(3L).outputTokens(), is(1024L));
              assertThat(byId.get(3L).finishReason(), is("length"));
              assertThat(
                  "a paid answer's record keeps the model that answered",
                  byId.get(3L).model(),
                  is("m-1"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aRunIdIsRequired() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> RecordFailures.asRun(" ", "p", "m"));
  }
}
