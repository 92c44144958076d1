package org.hipforge.io.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.hipforge.io.record.Fidelity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KernelSignaturesTest {

  /** source text, expected "name(types)|shared|bounds" of each kernel, joined with "; ". */
  static Stream<Arguments> kernels() {
    return Stream.of(
        Arguments.of(
            "plain kernel",
            "__global__ void add(const float* a, const float* b, float* out, int n) { out[0] = a[0]; }",
            "add(const float*,const float*,float*,int)|-|-"),
        Arguments.of(
            "whitespace and names do not matter",
            "__global__\nvoid  add( const float  *a,const float * b ,float *  out , int   count ) {}",
            "add(const float*,const float*,float*,int)|-|-"),
        Arguments.of(
            "__restrict__ pointers keep the qualifier",
            "__global__ void scale(float* __restrict__ out, const float* __restrict__ in, float s) {}",
            "scale(float*__restrict__,const float*__restrict__,float)|-|-"),
        Arguments.of(
            "template kernel",
            "template <typename T, int BLOCK>\n__global__ void reduce(const T* in, T* out, size_t n) {\n"
                + "  __shared__ T tile[BLOCK];\n  tile[threadIdx.x] = in[0];\n}",
            "reduce(const T*,T*,size_t)|shared|-"),
        Arguments.of(
            "extern C kernel",
            "extern \"C\" __global__ void vec_copy(int* dst, const int* src) { dst[0] = src[0]; }",
            "vec_copy(int*,const int*)|-|-"),
        Arguments.of(
            "launch bounds after the return type",
            "__global__ void __launch_bounds__(256) k1(float* x) {}\n"
                + "__global__ void __launch_bounds__( 256 , 2 ) k2(float* x) {}",
            "k1(float*)|-|256; k2(float*)|-|256,2"),
        Arguments.of(
            "launch bounds before __global__",
            "__launch_bounds__(1024) __global__ void k(double* d) {}",
            "k(double*)|-|1024"),
        Arguments.of(
            "default arguments are dropped",
            "__global__ void fill(float* p, int n, float v = 0.5f, int stride = (1 << 2)) {}",
            "fill(float*,int,float,int)|-|-"),
        Arguments.of(
            "void parameter list and empty list",
            "__global__ void a(void) {}\n__global__ void b() {}",
            "a()|-|-; b()|-|-"),
        Arguments.of(
            "comments, strings and macros hide no kernel",
            "// __global__ void fake1(int x) {}\n/* __global__ void fake2() {} */\n"
                + "#define KERNEL_DECL __global__ void fake3(int)\n"
                + "const char* s = \"__global__ void fake4()\";\n"
                + "__global__ void real(int x) { printf(\"%d}\", x); }",
            "real(int)|-|-"),
        Arguments.of(
            "shared memory is looked for inside each body only",
            "__global__ void uses(float* x) { extern __shared__ float buf[]; buf[0] = x[0]; }\n"
                + "__global__ void plain(float* x) { x[0] = 1; }",
            "uses(float*)|shared|-; plain(float*)|-|-"),
        Arguments.of(
            "a declaration then its definition count once",
            "__global__ void k(int* a);\nint main() { return 0; }\n__global__ void k(int* a) { __shared__ int s; }",
            "k(int*)|shared|-"),
        Arguments.of(
            "template parameters with commas stay one parameter",
            "__global__ void m(Pair<int, float> p, unsigned int n, const int arr[16]) {}",
            "m(Pair<int,float>,unsigned int,const int[16])|-|-"),
        Arguments.of(
            "prose naming __global__ is not a kernel",
            "A `__global__` function runs on the device; see main(argc, argv) and\n"
                + "a __global__ kernel named scale(x) in the text.\n__global__ static void real(int* p) {}",
            "real(int*)|-|-"),
        Arguments.of(
            "host file without kernels",
            "#include <cstdio>\nint main() { printf(\"hi\\n\"); }",
            ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kernels")
  void kernelsAreReadWithNameTypesSharedAndBounds(String what, String source, String expected) {
    assertEquals(expected, describe(KernelSignatures.parse(source)), what);
  }

  private static String describe(List<KernelSignatures.Kernel> ks) {
    StringBuilder b = new StringBuilder();
    for (KernelSignatures.Kernel k : ks) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(k.name())
          .append('(')
          .append(String.join(",", k.paramTypes()))
          .append(')')
          .append('|')
          .append(k.usesShared() ? "shared" : "-")
          .append('|')
          .append(k.launchBounds() == null ? "-" : k.launchBounds());
    }
    return b.toString();
  }

  private static final String SOURCE =
      "#include <hip/hip_runtime.h>\n"
          + "__global__ void __launch_bounds__(256) saxpy(float a, const float* __restrict__ x, float* y, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = a * x[i] + y[i];\n}\n"
          + "__global__ void tile_sum(const float* in, float* out) {\n"
          + "  __shared__ float t[256]; t[threadIdx.x] = in[threadIdx.x]; __syncthreads(); out[0] = t[0];\n}\n";

  @Test
  void identicalCodeScoresOne() {
    Fidelity f = KernelFidelity.compare(SOURCE, SOURCE);
    assertEquals(new Fidelity(2, 2, 2, 2, 2, 2), f);
    assertEquals(1.0, f.score());
  }

  @Test
  void aMissingKernelAndChangedParametersLowerTheScore() {
    String generated = "__global__ void saxpy(float a, const float* x, float* y, int n) { }\n";
    Fidelity f = KernelFidelity.compare(SOURCE, generated);
    // saxpy matched by name; its types lost __restrict__; shared agrees (neither); bounds differ.
    assertEquals(new Fidelity(2, 1, 1, 0, 1, 0), f);
    assertEquals((0.4 + 0.15) / 2, f.score(), 1e-9);
  }

  @Test
  void anExtraKernelCostsAsMuchAsAMissingOne() {
    String extra = SOURCE + "__global__ void helper(int* p) {}\n";
    Fidelity f = KernelFidelity.compare(SOURCE, extra);
    assertEquals(new Fidelity(2, 3, 2, 2, 2, 2), f);
    assertEquals(0.667, f.score());
  }

  @Test
  void noKernelOnEitherSideScoresOneAndNoMatchScoresZero() {
    assertEquals(1.0, KernelFidelity.compare("int main() {}", "int main() { return 0; }").score());
    Fidelity none = KernelFidelity.compare(SOURCE, "__global__ void other(int* p) {}");
    assertEquals(new Fidelity(2, 1, 0, 0, 0, 0), none);
    assertEquals(0.0, none.score());
  }

  @Test
  void scoreStaysWithinZeroAndOne() {
    for (int s = 0; s <= 3; s++) {
      for (int g = 0; g <= 3; g++) {
        for (int m = 0; m <= Math.min(s, g); m++) {
          double score = new Fidelity(s, g, m, m, m, m).score();
          assertTrue(score >= 0 && score <= 1, s + "," + g + "," + m + " -> " + score);
        }
      }
    }
  }

  @Test
  void inconsistentCountsAreRefusedNamingThem() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new Fidelity(1, 1, 2, 0, 0, 0));
    assertTrue(e.getMessage().contains("names=2"), e.getMessage());
  }

  @Test
  void aFileWithoutGlobalIsNotCopied() {
    assertFalse(KernelSignatures.parse("int main() {}").iterator().hasNext());
  }
}
