package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class WriteHipFilesTest {
  @TempDir Path work;

  private static GeneratedCode code(long id, String name, boolean pass, String text) {
    StateRecord.Builder b = StateRecord.builder().id(id).fileName(name).sourceSha256("s" + id);
    b =
        pass
            ? b.pass(true).compiled(true)
            : b.failure("compile_error", "k.hip:1:1: error: nope").compiled(false);
    return new GeneratedCode(b.build(), text);
  }

  @Test
  void passedCodeIsWrittenUnderItsNameFailedCodeIsNotAndAnUnsafeNameIsAFailure(TestPipeline p)
      throws Exception {
    Path out = work.resolve("out/hip");
    GeneratedCode good = code(1, "sub/good.hip", true, "__global__ void g() {}\n");
    GeneratedCode broken = code(2, "broken.hip", false, "__global__ void b( {}\n");
    GeneratedCode climbing = code(3, "../escape.hip", true, "__global__ void e() {}\n");

    StageResult<StateRecord, Failure> r =
        p.apply(Create.of(good, broken, climbing).withCoder(GeneratedCodeCoder.of()))
            .apply(WriteHipFiles.to(out.toString(), "out/hip"));

    PAssert.that(r.output())
        .satisfies(
            records -> {
              Map<Long, StateRecord> byId = new HashMap<>();
              records.forEach(x -> byId.put(x.id(), x));
              assertThat(byId.keySet(), is(java.util.Set.of(1L, 2L)));
              assertThat(byId.get(1L).outputPath(), is("out/hip/sub/good.hip"));
              assertThat(
                  "a failed record passes through unwritten",
                  byId.get(2L).outputPath(),
                  nullValue());
              assertThat(byId.get(2L).errorMsg(), is("compile_error: k.hip:1:1: error: nope"));
              return null;
            });
    StageAsserts.assertOneFailure(r.failures(), 3L, "write_hip", "unsafe_path", f -> {});
    p.run().waitUntilFinish();

    assertThat(Files.readString(out.resolve("sub/good.hip")), is("__global__ void g() {}\n"));
    assertThat(Files.exists(out.resolve("broken.hip")), is(false));
    assertThat(Files.exists(work.resolve("out/escape.hip")), is(false));
  }

  @Test
  void aRerunWritesTheSameBytesOverTheOldFile(TestPipeline p) throws Exception {
    Path out = work.resolve("out/hip");
    Files.createDirectories(out);
    Files.writeString(out.resolve("k.hip"), "old");
    p.apply(Create.of(code(1, "k.hip", true, "new\n")).withCoder(GeneratedCodeCoder.of()))
        .apply(WriteHipFiles.to(out.toString(), "out/hip"));
    p.run().waitUntilFinish();
    assertThat(Files.readString(out.resolve("k.hip")), is("new\n"));
    try (var left = Files.list(out)) {
      assertThat("no temp file is left behind", left.count(), is(1L));
    }
  }
}
