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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HipKernelsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "__global__ void k(float* x) { x[0] = 1; }\n",
        "__launch_bounds__(256) __global__ void k() {}",
        "__global__ __launch_bounds__(256, 2) void k() {}",
        "extern \"C\" __global__ void k() {}",
        "template <typename T>\n__global__ void k(T* x) {}",
        "static __global__\\\n void k() {}",
        "#define KERNEL extern \"C\" __global__\nKERNEL void k() {}",
        "__attribute__((global)) void k() {}",
        "__attribute__ (( amdgpu_kernel )) void k() {}"
      })
  void plainLaunchBoundsExternCTemplateMacroAndAttributeFormsAreKernels(String code) {
    assertThat(code, HipKernels.declared(code), is(true));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "// __global__ void k();\n/* __global__ */ int main() { return 0; }",
        "const char* s = \"__global__ void k()\";\nchar c = '_';\n",
        "auto s = R\"x(\n__global__ void k() {}\n)x\";\n",
        "int n = 1'000'000; // __global__\n",
        "#include <hip/hip_runtime.h>\n__device__ float sq(float x) { return x * x; }\n",
        "int main() { hipLaunchKernelGGL(k, 1, 1, 0, 0); }\n",
        "int my__global__thing = 1; int __global__x;\n"
      })
  void globalInCommentsAndStringsAHostOnlyFileOrDeviceFunctionsAreNotKernels(String code) {
    assertThat(code, HipKernels.declared(code), is(false));
  }

  @Test
  void everyBundledExampleKernelDeclaresAKernel() throws IOException {
    Path dir = Paths.get("..", "examples", "kernels");
    try (Stream<Path> files = Files.walk(dir)) {
      long checked =
          files
              .filter(p -> p.toString().matches(".*\\.(hip|cpp|cu)$"))
              .peek(
                  p -> {
                    try {
                      assertThat(
                          p.toString(),
                          HipKernels.declared(Files.readString(p, StandardCharsets.UTF_8)),
                          is(true));
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .count();
      assertThat(checked > 10, is(true));
    }
  }
}
