package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hex;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class ExtractCodeTest {
  private static final String KERNEL =
      "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1; }\n";

  private static StateRecord answer(long id, String response) {
    return StateRecord.builder()
        .id(id)
        .fileName("k" + id + ".hip")
        .pass(true)
        .instruction("Write k.")
        .sourceSha256("sha" + id)
        .attempts(2)
        .response(response)
        .build();
  }

  @Test
  void aFencedAnswerBecomesCodeWithItsHashAndAnAnswerWithoutCodeAFailure(TestPipeline p) {
    StateRecord fenced = answer(1, "Here it is:\n```cpp\n" + KERNEL + "```\nEnjoy.");
    StateRecord prose = answer(2, "I cannot write that kernel, sorry.");

    StageResult<GeneratedCode, Failure> r =
        p.apply(Create.of(fenced, prose).withCoder(StateRecordCoder.of()))
            .apply(ExtractCode.create());

    PAssert.that(r.output())
        .satisfies(
            out -> {
              GeneratedCode g = out.iterator().next();
              assertThat(g.record().id(), is(1L));
              assertThat(g.code(), is(KERNEL));
              assertThat(g.record().codeSha256(), is(Hex.sha256(KERNEL)));
              assertThat(
                  "the raw answer stays in the journal, not in the record",
                  g.record().response(),
                  nullValue());
              assertThat(g.record().sourceSha256(), is("sha1"));
              return null;
            });
    StageAsserts.assertOneFailure(
        r.failures(),
        2L,
        "extract_code",
        "no_code",
        f -> {
          assertThat(f.fileName(), is("k2.hip"));
          assertThat(f.record().instruction(), is("Write k."));
          assertThat(f.record().attempts(), is(2));
        });
    p.run().waitUntilFinish();
  }

  @Test
  void noAnswersGiveNoCodeAndNoFailures(TestPipeline p) {
    StageResult<GeneratedCode, Failure> r =
        p.apply(Create.empty(StateRecordCoder.of())).apply(ExtractCode.create());
    PAssert.that(r.output()).empty();
    PAssert.that(r.failures()).empty();
    p.run().waitUntilFinish();
  }
}
