package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class HipKernelsTest {

  @Test
  void aPlainGlobalFunctionIsAKernel() {
    assertThat(HipKernels.declared("__global__ void k(float* x) { x[0] = 1; }\n"), is(true));
  }

  @Test
  void launchBoundsExternCAndTemplateFormsAreKernels() {
    assertThat(HipKernels.declared("__launch_bounds__(256) __global__ void k() {}"), is(true));
    assertThat(HipKernels.declared("__global__ __launch_bounds__(256, 2) void k() {}"), is(true));
    assertThat(HipKernels.declared("extern \"C\" __global__ void k() {}"), is(true));
    assertThat(HipKernels.declared("template <typename T>\n__global__ void k(T* x) {}"), is(true));
    assertThat(HipKernels.declared("static __global__\\\n void k() {}"), is(true));
  }

  @Test
  void aMacroDefinedAsGlobalAndTheAttributeSpellingAreKernels() {
    assertThat(HipKernels.declared("#define KERNEL extern \"C\" __global__\nKERNEL void k() {}"), is(true));
    assertThat(HipKernels.declared("__attribute__((global)) void k() {}"), is(true));
    assertThat(HipKernels.declared("__attribute__ (( amdgpu_kernel )) void k() {}"), is(true));
  }

  @Test
  void globalInCommentsAndStringsIsNotAKernel() {
    assertThat(HipKernels.declared("// __global__ void k();\n/* __global__ */ int main() { return 0; }"), is(false));
    assertThat(HipKernels.declared("const char* s = \"__global__ void k()\";\nchar c = '_';\n"), is(false));
    assertThat(HipKernels.declared("auto s = R\"x(\n__global__ void k() {}\n)x\";\n"), is(false));
    assertThat(HipKernels.declared("int n = 1'000'000; // __global__\n"), is(false));
  }

  @Test
  void aHostOnlyFileOrAHeaderOfDeviceFunctionsIsNotAKernel() {
    assertThat(HipKernels.declared("#include <hip/hip_runtime.h>\n__device__ float sq(float x) { return x * x; }\n"),
        is(false));
    assertThat(HipKernels.declared("int main() { hipLaunchKernelGGL(k, 1, 1, 0, 0); }\n"), is(false));
    assertThat(HipKernels.declared("int my__global__thing = 1; int __global__x;\n"), is(false));
  }

  @Test
  void everyBundledExampleKernelDeclaresAKernel() throws IOException {
    Path dir = Paths.get("..", "examples", "kernels");
    try (Stream<Path> files = Files.walk(dir)) {
      long checked = files.filter(p -> p.toString().matches(".*\\.(hip|cpp|cu)$")).peek(p -> {
        try {
          assertThat(p.toString(), HipKernels.declared(Files.readString(p, StandardCharsets.UTF_8)), is(true));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).count();
      assertThat(checked > 10, is(true));
    }
  }
}
