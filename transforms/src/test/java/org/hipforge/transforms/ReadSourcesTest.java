package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.util.Hex;
import org.hipforge.transforms.coders.ManifestEntryCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadSourcesTest {
  @TempDir Path dir;

  private ManifestEntry write(long id, String name, byte[] content) throws Exception {
    Path f = dir.resolve("src").resolve(name);
    Files.createDirectories(f.getParent());
    Files.write(f, content);
    return new ManifestEntry(id, name, content.length, Hex.sha256(content));
  }

  @Test
  void unusableSourcesBecomeCategorisedFailuresAndGoodOnesAreRead(TestPipeline p) throws Exception {
    String kernel = "__global__ void k(float* x) { x[threadIdx.x] = 1; }\n";
    ManifestEntry good = write(0, "dir/good.hip", kernel.getBytes(StandardCharsets.UTF_8));
    ManifestEntry empty = write(1, "empty.hip", new byte[0]);
    ManifestEntry binary =
        write(2, "binary.hip", new byte[] {0x7F, 'E', 'L', 'F', 2, 0, (byte) 0xFF, '\n'});
    ManifestEntry big = write(3, "big.hip", new byte[5000]);
    ManifestEntry missing = new ManifestEntry(4, "missing.hip", 1, "00");
    ManifestEntry changed = new ManifestEntry(5, "dir/good.hip", kernel.length(), "not-the-hash");
    Path outside = dir.resolve("secret.hip");
    Files.writeString(outside, kernel);
    Files.createSymbolicLink(dir.resolve("src/escape.hip"), outside);
    ManifestEntry escape = new ManifestEntry(6, "escape.hip", kernel.length(), Hex.sha256(kernel));

    StageResult<SourceFile, Failure> result =
        p.apply(
                Create.of(good, empty, binary, big, missing, changed, escape)
                    .withCoder(ManifestEntryCoder.of()))
            .apply(ReadSources.from(dir.resolve("src").toString()).withMaxBytes(4096));

    PAssert.that(
            result
                .output()
                .apply(
                    "Names",
                    MapElements.into(TypeDescriptors.strings())
                        .via(s -> s.entry().fileName() + "|" + s.code())))
        .containsInAnyOrder("dir/good.hip|" + kernel);
    PAssert.that(result.failures())
        .satisfies(
            failures -> {
              Map<Long, Failure> byId = new HashMap<>();
              failures.forEach(f -> byId.put(f.id(), f));
              assertThat(byId.size(), is(6));
              assertThat(byId.get(1L).category(), is("empty_source"));
              assertThat(byId.get(2L).category(), is("not_utf8"));
              assertThat(byId.get(2L).message(), containsString("neither UTF-8 nor Latin-1"));
              assertThat(byId.get(3L).category(), is("too_large"));
              assertThat(byId.get(3L).message(), containsString("5000 bytes"));
              assertThat(byId.get(4L).category(), is("missing_source"));
              assertThat(byId.get(5L).category(), is("source_changed"));
              assertThat(byId.get(6L).category(), is("unsafe_path"));
              assertThat(byId.get(6L).stage(), is("read_source"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aSourceWithoutAKernelIsRecordedNoKernelUnlessKernelsOnlyIsOff(TestPipeline p)
      throws Exception {
    String kernel =
        "extern \"C\" __launch_bounds__(64) __global__ void k(float* x) { x[0] = 1; }\n";
    String header =
        "// __global__ kernels live elsewhere\n__device__ float sq(float x) { return x * x; }\n";
    ManifestEntry k = write(0, "k.hip", kernel.getBytes(StandardCharsets.UTF_8));
    ManifestEntry h = write(1, "sq.h", header.getBytes(StandardCharsets.UTF_8));
    String src = dir.resolve("src").toString();

    StageResult<SourceFile, Failure> only =
        p.apply("Only", Create.of(k, h).withCoder(ManifestEntryCoder.of()))
            .apply("KernelsOnly", ReadSources.from(src));
    StageResult<SourceFile, Failure> all =
        p.apply("All", Create.of(k, h).withCoder(ManifestEntryCoder.of()))
            .apply("Everything", ReadSources.from(src).withKernelsOnly(false));

    PAssert.that(
            only.output()
                .apply(
                    "OnlyNames",
                    MapElements.into(TypeDescriptors.strings()).via(s -> s.entry().fileName())))
        .containsInAnyOrder("k.hip");
    StageAsserts.assertOneFailure(
        only.failures(),
        1L,
        "read_source",
        "no_kernel",
        f -> assertThat(f.message(), containsString("sq.h")));
    PAssert.that(
            all.output()
                .apply(
                    "AllNames",
                    MapElements.into(TypeDescriptors.strings()).via(s -> s.entry().fileName())))
        .containsInAnyOrder("k.hip", "sq.h");
    PAssert.that(all.failures()).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void aLatin1SourceIsReadAsUtf8TextAndSaysSoWhileBinaryBytesStayRefused(TestPipeline p)
      throws Exception {
    byte[] latin1 =
        "// Copyright \u00A9 2019 Caf\u00E9 Inc.\n__global__ void k(float* x) { x[0] = 1; }\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] utf8 =
        "// \u00A9 2019\n__global__ void k(float* x) { x[0] = 2; }\n"
            .getBytes(StandardCharsets.UTF_8);
    byte[] control = "__global__ void k() {}\n\u0001\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] c1 = new byte[] {'_', '_', 'g', (byte) 0x85, (byte) 0xE9};
    ManifestEntry l = write(0, "latin1.hip", latin1);
    ManifestEntry u = write(1, "utf8.hip", utf8);
    ManifestEntry ctl = write(2, "ctl.hip", control);
    ManifestEntry odd = write(3, "c1.hip", c1);

    StageResult<SourceFile, Failure> result =
        p.apply(Create.of(l, u, ctl, odd).withCoder(ManifestEntryCoder.of()))
            .apply(ReadSources.from(dir.resolve("src").toString()));

    PAssert.that(
            result
                .output()
                .apply(
                    "Read",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            s ->
                                s.entry().fileName()
                                    + "|"
                                    + s.encoding()
                                    + "|"
                                    + s.code().substring(0, s.code().indexOf('\n')))))
        .containsInAnyOrder(
            "latin1.hip|latin-1|// Copyright \u00A9 2019 Caf\u00E9 Inc.",
            "utf8.hip|null|// \u00A9 2019",
            "ctl.hip|null|__global__ void k() {}");
    PAssert.that(
            result
                .failures()
                .apply(
                    "Refused",
                    MapElements.into(TypeDescriptors.strings())
                        .via(f -> f.fileName() + "|" + f.category())))
        // ctl.hip is valid UTF-8: the control byte is no NUL, so it is read as it always was.
        .containsInAnyOrder("c1.hip|not_utf8");
    p.run().waitUntilFinish();
  }
}
