package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.BucketBatchCoder;
import org.hipforge.transforms.coders.FailureCoder;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.hipforge.transforms.coders.ManifestEntryCoder;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;

class CodersTest {
  private static StateRecord full() {
    return StateRecord.builder().id(123456789L).fileName("dir/ü.hip").pass(false).instruction("do ✓")
        .errorMsg("compile_error: x").sourceSha256("ab").provider("p").model("m").inputTokens(-1)
        .outputTokens(7).latencyMs(0).attempts(3).finishedAtMillis(-5).runId("r").promptSha256("ps")
        .cached(true).codeSha256("cs").compiled(false).compileError("e").outputPath("out/hip/x")
        .toolchain("HIP").offloadArch("gfx90a").response("```hip```").finishReason("length").tokensEstimated(true)
        .cacheCreationInputTokens(3).cacheReadInputTokens(4).sourceEncoding("latin-1").sourceBytes(4096)
        .fidelity(new org.hipforge.io.record.Fidelity(3, 2, 2, 1, 2, 0))
        .resources(org.hipforge.io.record.KernelResources.parseList(
            "gfx90a _Z1kPf vgprs=24 sgprs=15 agprs=2 lds=4096 scratch=2064 vgpr_spills=5 sgpr_spills=1 occupancy=6; "
                + "gfx1030:xnack+ tile vgprs=3 sgprs=6 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=16"))
        .roundVerdicts(List.of("compile_error", "no_code", "compile_error")).build();
  }

  @Test
  void everyRecordFieldSurvivesTheCompactCoders() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(StateRecordCoder.of(), full());
    CoderProperties.coderDecodeEncodeEqual(StateRecordCoder.of(),
        StateRecord.builder().id(0).fileName("a.hip").pass(true).build());
    CoderProperties.coderDecodeEncodeEqual(ManifestEntryCoder.of(), new ManifestEntry(9, "a/b.hip", -1, null));
  }

  @Test
  void failuresAndGeneratedCodeSurviveTheirCompactCoders() throws Exception {
    StateRecord noCode = StateRecord.builder().id(7).fileName("a/b.hip").sourceSha256("sha")
        .failure("no_code", "no fenced block ✓").finishedAtMillis(123).attempts(2).instruction("write it").build();
    CoderProperties.coderDecodeEncodeEqual(FailureCoder.of(), Failure.of(noCode, "extract_code"));
    CoderProperties.coderDecodeEncodeEqual(FailureCoder.of(), Failure.of(
        StateRecord.builder().id(0).fileName("x").failure("not_found", "gone").finishedAtMillis(-5).build(), "read_sources"));
    CoderProperties.coderDecodeEncodeEqual(FailureCoder.of(),
        Failure.of(full().toBuilder().failure("truncated", "cut at max_tokens").build(), "call_llm"));
    CoderProperties.coderDecodeEncodeEqual(GeneratedCodeCoder.of(), new GeneratedCode(full(), "__global__ void k() {}\n"));
    CoderProperties.coderDecodeEncodeEqual(GeneratedCodeCoder.of(),
        new GeneratedCode(StateRecord.builder().id(0).fileName("a.hip").pass(true).build(), ""));
    CoderProperties.coderDeterministic(FailureCoder.of(), Failure.of(noCode, "validate_hip"),
        Failure.of(noCode, "validate_hip"));
  }

  @Test
  void aBatchRoundTripsThroughItsSingleBlockEncoding() throws Exception {
    List<BucketBatch> batches = new ArrayList<>();
    BucketBatchWriter writer = new BucketBatchWriter(false, 1, (b, batch) -> batches.add(batch));
    for (int i = 0; i < 1000; i++) {
      writer.add(full().toBuilder().id(i).compiled(i % 2 == 0 ? null : true).build());
    }
    writer.flush();
    assertThat(batches.stream().mapToInt(BucketBatch::count).sum(), is(1000));
    for (BucketBatch batch : batches) {
      BucketBatch decoded = CoderUtils.decodeFromByteArray(BucketBatchCoder.of(),
          CoderUtils.encodeToByteArray(BucketBatchCoder.of(), batch));
      assertThat(decoded.isManifest(), is(false));
      assertThat(decoded.count(), is(batch.count()));
      assertThat(Arrays.copyOf(decoded.bytes(), decoded.length()), is(Arrays.copyOf(batch.bytes(), batch.length())));
    }
  }
}
