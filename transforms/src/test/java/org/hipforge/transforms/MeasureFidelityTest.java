package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class MeasureFidelityTest {
  @TempDir Path dir;

  private static final String SOURCE =
      "// (c) somebody\n#include <hip/hip_runtime.h>\n"
          + "__global__ void __launch_bounds__(256) scale(float* __restrict__ y, const float* x, float a, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = a * x[i];\n}\n";

  private GeneratedCode code(long id, String name, String sha, String generated) {
    return new GeneratedCode(
        StateRecord.builder().id(id).fileName(name).pass(true).sourceSha256(sha).build(),
        generated);
  }

  @Test
  void extractedCodeGetsFidelityAgainstItsSourceAndUnreadableSourcesLeaveItUnset(TestPipeline p)
      throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("sub"));
    Files.writeString(src.resolve("sub/scale.hip"), SOURCE);
    String sha = Hex.sha256(SOURCE);
    GeneratedCode same = code(0, "sub/scale.hip", sha, SOURCE);
    GeneratedCode lostBounds =
        code(
            1,
            "sub/scale.hip",
            sha,
            "__global__ void scale(float* __restrict__ y, const float* x, float a, int n) {}");
    GeneratedCode changed = code(2, "sub/scale.hip", "0".repeat(64), SOURCE);
    GeneratedCode missing = code(3, "gone.hip", sha, SOURCE);

    PAssert.that(
            p.apply(
                    Create.of(same, lostBounds, changed, missing)
                        .withCoder(SerializableCoder.of(GeneratedCode.class)))
                .apply(MeasureFidelity.against(src.toString())))
        .satisfies(
            out -> {
              Map<Long, GeneratedCode> byId = new HashMap<>();
              out.forEach(c -> byId.put(c.record().id(), c));
              assertThat(byId.size(), is(4));
              assertThat(byId.get(0L).record().fidelity(), is(new Fidelity(1, 1, 1, 1, 1, 1)));
              assertThat(byId.get(1L).record().fidelity(), is(new Fidelity(1, 1, 1, 1, 1, 0)));
              assertThat(byId.get(1L).record().fidelity().score(), is(0.85));
              assertThat(
                  "a source changed since describe is not the one compared",
                  byId.get(2L).record().fidelity(),
                  is(nullValue()));
              assertThat(byId.get(3L).record().fidelity(), is(nullValue()));
              assertThat("the verdict is untouched", byId.get(3L).record().pass(), is(true));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aBlankSourceDirIsRefusedNamingIt() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> MeasureFidelity.against(" "));
    assertThat(e.getMessage().contains("sourceDir"), is(true));
  }
}
