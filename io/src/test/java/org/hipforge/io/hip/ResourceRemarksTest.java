package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.stream.Stream;
import org.hipforge.io.record.KernelResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real remark text printed by Debian's hipcc 5.2.3 (clang 15.0.6) with {@code --cuda-device-only -S
 * -Rpass-analysis=kernel-resource-usage}, caret lines included.
 */
class ResourceRemarksTest {

  private static final String TAG = " [-Rpass-analysis=kernel-resource-usage]";

  /** Template instantiations, an extern "C" kernel with LDS, a kernel with scratch: gfx90a. */
  static final String GFX90A =
      String.join(
          "\n",
          "t.hip:3:1: remark: Function Name: _Z5scaleIfEvPT_S0_i" + TAG,
          "__global__ void scale(T* x, T a, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) x[i] *= a; }",
          "^",
          "t.hip:3:1: remark:     SGPRs: 11" + TAG,
          "t.hip:3:1: remark:     VGPRs: 3" + TAG,
          "t.hip:3:1: remark:     AGPRs: 0" + TAG,
          "t.hip:3:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "t.hip:3:1: remark:     Occupancy [waves/SIMD]: 8" + TAG,
          "t.hip:3:1: remark:     SGPRs Spill: 0" + TAG,
          "t.hip:3:1: remark:     VGPRs Spill: 0" + TAG,
          "t.hip:3:1: remark:     LDS Size [bytes/block]: 0" + TAG,
          "t.hip:3:1: remark: Function Name: _Z5scaleIdEvPT_S0_i" + TAG,
          "t.hip:3:1: remark:     SGPRs: 11" + TAG,
          "t.hip:3:1: remark:     VGPRs: 4" + TAG,
          "t.hip:3:1: remark:     AGPRs: 0" + TAG,
          "t.hip:3:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "t.hip:3:1: remark:     Occupancy [waves/SIMD]: 8" + TAG,
          "t.hip:3:1: remark:     SGPRs Spill: 0" + TAG,
          "t.hip:3:1: remark:     VGPRs Spill: 0" + TAG,
          "t.hip:3:1: remark:     LDS Size [bytes/block]: 0" + TAG,
          "t.hip:6:1: remark: Function Name: tile" + TAG,
          "extern \"C\" __global__ void tile(float* out, const float* in) {",
          "^",
          "t.hip:6:1: remark:     SGPRs: 6" + TAG,
          "t.hip:6:1: remark:     VGPRs: 3" + TAG,
          "t.hip:6:1: remark:     AGPRs: 0" + TAG,
          "t.hip:6:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "t.hip:6:1: remark:     Occupancy [waves/SIMD]: 8" + TAG,
          "t.hip:6:1: remark:     SGPRs Spill: 0" + TAG,
          "t.hip:6:1: remark:     VGPRs Spill: 0" + TAG,
          "t.hip:6:1: remark:     LDS Size [bytes/block]: 4096" + TAG,
          "t.hip:12:1: remark: Function Name: _Z5spillPfPKf" + TAG,
          "__global__ void spill(float* out, const float* in) {",
          "^",
          "t.hip:12:1: remark:     SGPRs: 15" + TAG,
          "t.hip:12:1: remark:     VGPRs: 24" + TAG,
          "t.hip:12:1: remark:     AGPRs: 0" + TAG,
          "t.hip:12:1: remark:     ScratchSize [bytes/lane]: 2064" + TAG,
          "t.hip:12:1: remark:     Occupancy [waves/SIMD]: 8" + TAG,
          "t.hip:12:1: remark:     SGPRs Spill: 0" + TAG,
          "t.hip:12:1: remark:     VGPRs Spill: 0" + TAG,
          "t.hip:12:1: remark:     LDS Size [bytes/block]: 0" + TAG,
          "");

  /** gfx1030 has no accumulation registers: no AGPRs line, and twice the waves per SIMD. */
  static final String GFX1030 =
      String.join(
          "\n",
          "t.hip:6:1: remark: Function Name: tile" + TAG,
          "extern \"C\" __global__ void tile(float* out, const float* in) {",
          "^",
          "t.hip:6:1: remark:     SGPRs: 6" + TAG,
          "t.hip:6:1: remark:     VGPRs: 3" + TAG,
          "t.hip:6:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "t.hip:6:1: remark:     Occupancy [waves/SIMD]: 16" + TAG,
          "t.hip:6:1: remark:     SGPRs Spill: 0" + TAG,
          "t.hip:6:1: remark:     VGPRs Spill: 0" + TAG,
          "t.hip:6:1: remark:     LDS Size [bytes/block]: 4096" + TAG);

  /** A __noinline__ device function is reported too, without an LDS line: not a kernel. */
  static final String DEVICE_FUNCTION =
      String.join(
          "\n",
          "d.hip:2:1: remark: Function Name: _Z5twicef" + TAG,
          "__device__ __attribute__((noinline)) float twice(float v) { return v * 2.0f; }",
          "^",
          "d.hip:2:1: remark:     SGPRs: 0" + TAG,
          "d.hip:2:1: remark:     VGPRs: 0" + TAG,
          "d.hip:2:1: remark:     AGPRs: 0" + TAG,
          "d.hip:2:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "d.hip:2:1: remark:     Occupancy [waves/SIMD]: 0" + TAG,
          "d.hip:2:1: remark:     SGPRs Spill: 0" + TAG,
          "d.hip:2:1: remark:     VGPRs Spill: 0" + TAG,
          "d.hip:3:1: remark: Function Name: _Z3usePf" + TAG,
          "__global__ void use(float* x) { x[threadIdx.x] = twice(x[threadIdx.x]); }",
          "^",
          "d.hip:3:1: remark:     SGPRs: 39" + TAG,
          "d.hip:3:1: remark:     VGPRs: 2" + TAG,
          "d.hip:3:1: remark:     AGPRs: 0" + TAG,
          "d.hip:3:1: remark:     ScratchSize [bytes/lane]: 0" + TAG,
          "d.hip:3:1: remark:     Occupancy [waves/SIMD]: 8" + TAG,
          "d.hip:3:1: remark:     SGPRs Spill: 0" + TAG,
          "d.hip:3:1: remark:     VGPRs Spill: 0" + TAG,
          "d.hip:3:1: remark:     LDS Size [bytes/block]: 0" + TAG);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "gfx90a: templates, extern C, LDS, scratch",
            GFX90A,
            "gfx90a",
            List.of(
                "gfx90a _Z5scaleIfEvPT_S0_i vgprs=3 sgprs=11 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8",
                "gfx90a _Z5scaleIdEvPT_S0_i vgprs=4 sgprs=11 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8",
                "gfx90a tile vgprs=3 sgprs=6 agprs=0 lds=4096 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8",
                "gfx90a _Z5spillPfPKf vgprs=24 sgprs=15 agprs=0 lds=0 scratch=2064 vgpr_spills=0 sgpr_spills=0 occupancy=8")),
        Arguments.of(
            "gfx1030: no AGPRs line",
            GFX1030,
            "gfx1030",
            List.of(
                "gfx1030 tile vgprs=3 sgprs=6 agprs=0 lds=4096 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=16")),
        Arguments.of(
            "device function skipped",
            DEVICE_FUNCTION,
            "gfx90a",
            List.of(
                "gfx90a _Z3usePf vgprs=2 sgprs=39 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8")),
        Arguments.of(
            "remarks among warnings, with a private temp path",
            "/tmp/hipforge-hip-p1-x/k.hip:9:3: warning: unused variable 'q' [-Wunused-variable]\n"
                + "  int q;\n  ^\n"
                + GFX1030.replace("t.hip", "/tmp/hipforge-hip-p1-x/k.hip"),
            "gfx1030",
            List.of(
                "gfx1030 tile vgprs=3 sgprs=6 agprs=0 lds=4096 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=16")),
        Arguments.of("a syntax-only pass prints none", "", "gfx90a", List.of()),
        Arguments.of(
            "output cut off mid-kernel keeps only whole kernels",
            GFX1030.substring(0, GFX1030.indexOf("LDS Size")),
            "gfx1030",
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void readsEveryKernelsResourcesFromRealRemarkText(
      String name, String output, String arch, List<String> expected) {
    List<String> got =
        ResourceRemarks.parse(output, arch).stream().map(KernelResources::format).toList();
    assertThat(got, is(expected));
  }

  @Test
  void theCompactTextReadsBackToTheSameKernels() {
    List<KernelResources> ks = ResourceRemarks.parse(GFX90A, "gfx90a");
    assertThat(KernelResources.parseList(KernelResources.format(ks)), is(ks));
    assertThat(KernelResources.parseList(""), is(empty()));
  }

  @Test
  void unknownFieldsInTheCompactTextAreIgnoredAndMissingOnesAreZero() {
    assertThat(
        KernelResources.parseList("gfx90a:xnack+ k vgprs=7 future_field=3").stream()
            .map(KernelResources::format)
            .toList(),
        contains(
            "gfx90a:xnack+ k vgprs=7 sgprs=0 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=0"));
  }
}
