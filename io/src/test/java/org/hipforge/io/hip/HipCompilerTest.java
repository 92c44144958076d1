package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles real HIP code with the installed hipcc; skipped when none is installed. */
class HipCompilerTest {

  private static final String GOOD =
      """
      #include <hip/hip_runtime.h>
      #include <vector>

      __global__ void saxpy(int n, float a, const float* x, float* y) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) y[i] = a * x[i] + y[i];
      }

      int main() {
        std::vector<float> h(1024, 1.0f);
        float *x = nullptr, *y = nullptr;
        (void)hipMalloc(&x, h.size() * sizeof(float));
        (void)hipMalloc(&y, h.size() * sizeof(float));
        hipLaunchKernelGGL(saxpy, dim3(4), dim3(256), 0, 0, 1024, 2.0f, x, y);
        return hipDeviceSynchronize() == hipSuccess ? 0 : 1;
      }
      """;

  private static final String BROKEN = GOOD.replace("a * x[i]", "a * xs[i]");

  /** Different errors in the host and the device pass: hipcc reports only the host's. */
  private static final String SIDES =
      """
      #include <hip/hip_runtime.h>
      #ifdef __HIP_DEVICE_COMPILE__
      int device_side = undeclared_on_device;
      #else
      int host_side = undeclared_on_host;
      #endif
      """;

  /** An error in device passes only; with two archs hipcc reports the first arch it runs. */
  private static final String DEVICE_ONLY_ERROR =
      """
      #include <hip/hip_runtime.h>
      #ifdef __HIP_DEVICE_COMPILE__
      int device_side = undeclared_on_device;
      #endif
      """;

  @TempDir static Path pchDir;

  private static HipToolchain toolchain;
  private static HipCompiler direct;
  private static HipCompiler hipcc;

  @BeforeAll
  static void setUp() {
    Optional<HipToolchain> found = HipToolchain.detect();
    Assumptions.assumeTrue(found.isPresent(), "no hipcc installed; " + HipToolchain.INSTALL_HINT);
    toolchain = found.get();
    direct =
        HipCompiler.create(
            toolchain, HipCompilerConfig.defaults().with(c -> c.pchCacheDir = pchDir));
    hipcc =
        HipCompiler.create(
            toolchain, HipCompilerConfig.defaults().with(c -> c.mode = HipCompiler.Mode.HIPCC));
    direct.prepare();
  }

  @AfterAll
  static void tearDown() {
    if (direct != null) {
      direct.close();
      hipcc.close();
    }
  }

  @Test
  void goodKernelCompiles() {
    CompileResult r = direct.compile("saxpy.hip", GOOD);

    assertThat(r.firstErrors(), r.compiled(), is(true));
    assertThat(r.category(), nullValue());
    assertThat(r.toolchainVersion(), equalTo(toolchain.version()));
    assertThat(r.toolchainVersion(), startsWith("HIP "));
  }

  @Test
  void brokenKernelFailsWithAnErrorLineNamingTheFileAndTheUndeclaredIdentifier() {
    CompileResult r = direct.compile("kernels/saxpy_broken.hip", BROKEN);

    assertThat(r.compiled(), is(false));
    assertThat(r.category(), equalTo(CompileResult.COMPILE_ERROR));
    assertThat(r.firstErrors(), startsWith("kernels/saxpy_broken.hip:6:"));
    assertThat(r.firstErrors(), containsString("error: use of undeclared identifier 'xs'"));
    assertThat(r.firstErrors(), not(containsString("hipforge-hip-")));
  }

  @Test
  void includesThatOnlyLookHostileInsideStringsStillCompile() {
    String code = "// see ../docs for the math\n" + GOOD + "const char* note = \"a/b\";\n";

    CompileResult r = direct.compile("ok.hip", code);

    assertThat(r.firstErrors(), r.compiled(), is(true));
  }

  @Test
  void aHangingCompileEndsAsTimeoutWithinBoundedTimeAndLeavesNoProcessBehind() throws Exception {
    // ~3 s of constexpr evaluation per 10 leaves per pass: 1,000 leaves would run for minutes.
    String slow = CompileBombMain.bomb(1000);
    for (HipCompiler c : List.of(direct, hipcc)) {
      try (HipCompiler quick = c.with(cfg -> cfg.timeout = Duration.ofSeconds(2))) {
        CompileResult r = quick.compile("slow.hip", slow);

        assertThat(c.config().mode().toString(), r.category(), equalTo(CompileResult.TIMEOUT));
        assertThat(r.compiled(), is(false));
        assertThat(r.firstErrors(), startsWith("timed out after 2000 ms"));
        assertThat(r.elapsedMs(), lessThan(6_000L));
      }
      assertThat(
          c.config().mode() + " left processes running",
          noChildProcessesWithin(Duration.ofSeconds(3)),
          is(true));
    }
  }

  @Test
  void hugeOutputIsCappedAndTheFirstErrorsStayShort() {
    StringBuilder code = new StringBuilder("#include <hip/hip_runtime.h>\n");
    String longName = "undeclared_" + "x".repeat(5_000);
    for (int i = 0; i < 40; i++) {
      code.append("int v").append(i).append(" = ").append(longName).append(";\n");
    }
    try (HipCompiler capped = direct.with(cfg -> cfg.outputCap = 16 * 1024)) {
      CompileResult r = capped.compile("noisy.hip", code.toString());

      assertThat(r.category(), equalTo(CompileResult.COMPILE_ERROR));
      assertThat(r.outputTruncated(), is(true));
      assertThat(r.firstErrors().length(), lessThanOrEqualTo(CompileResult.MAX_ERROR_CHARS));
      assertThat(r.firstErrors(), startsWith("noisy.hip:2:"));
    }
  }

  @Test
  void directClangWithPchAndHipccGiveTheSameVerdicts() {
    assertSameVerdictsAsHipcc(direct);
  }

  @Test
  void withResourceUsageTheVerdictsAndFirstErrorsStayHipccs() {
    try (HipCompiler withResources = direct.with(cfg -> cfg.resourceUsage = true)) {
      assertSameVerdictsAsHipcc(withResources);
    }
  }

  /** Two kernels, one with LDS, compiled for an arch with AGPRs and one without. */
  private static final String TWO_KERNELS =
      """
      #include <hip/hip_runtime.h>
      extern "C" __global__ void tile(float* out, const float* in) {
        __shared__ float s[1024];
        s[threadIdx.x] = in[threadIdx.x];
        __syncthreads();
        out[threadIdx.x] = s[1023 - threadIdx.x];
      }
      template <typename T>
      __global__ void scale(T* x, T a, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) x[i] *= a;
      }
      template __global__ void scale<double>(double*, double, int);
      """;

  @Test
  void aFileThatCompilesReportsEachKernelsResourcesForEachArch() {
    try (HipCompiler c =
        direct.with(
            cfg -> {
              cfg.resourceUsage = true;
              cfg.offloadArchs = List.of("gfx90a", "gfx1030");
            })) {
      CompileResult r = c.compile("two.hip", TWO_KERNELS);

      assertThat(r.firstErrors(), r.compiled(), is(true));
      assertThat(r.outputTruncated(), is(false));
      List<String> seen = new ArrayList<>();
      for (org.hipforge.io.record.KernelResources k : r.resources()) {
        seen.add(k.arch() + " " + k.kernel());
        assertThat(k.toString(), k.vgprs() > 0 && k.sgprs() > 0 && k.occupancy() > 0, is(true));
        assertThat(k.toString(), k.ldsBytes(), equalTo(k.kernel().equals("tile") ? 4096L : 0L));
      }
      assertThat(
          new HashSet<>(seen),
          equalTo(
              Set.of(
                  "gfx90a tile",
                  "gfx90a _Z5scaleIdEvPT_S0_i",
                  "gfx1030 tile",
                  "gfx1030 _Z5scaleIdEvPT_S0_i")));
    }
  }

  @Test
  void withoutResourceUsageOrForFailedCodeNoResourcesAreReported() {
    assertThat(direct.compile("two.hip", TWO_KERNELS).resources().isEmpty(), is(true));
    try (HipCompiler c = direct.with(cfg -> cfg.resourceUsage = true)) {
      CompileResult broken = c.compile("broken.hip", BROKEN);
      assertThat(broken.compiled(), is(false));
      assertThat(broken.resources().isEmpty(), is(true));
    }
  }

  @Test
  void anErrorOnlyCodeGenerationFindsKeepsHipccsSyntaxVerdictWithoutResources() {
    // 256 KiB of LDS: fine for -fsyntax-only, over the 64 KiB limit when code is generated.
    String tooMuchLds =
        "#include <hip/hip_runtime.h>\n"
            + "__global__ void big(float* o) { __shared__ float s[65536]; s[threadIdx.x] = 1; __syncthreads(); "
            + "o[threadIdx.x] = s[65535 - threadIdx.x]; }\n";
    CompileResult reference = hipcc.compile("big.hip", tooMuchLds);
    try (HipCompiler c = direct.with(cfg -> cfg.resourceUsage = true)) {
      CompileResult r = c.compile("big.hip", tooMuchLds);

      assertThat(r.toString(), r.compiled(), equalTo(reference.compiled()));
      assertThat(r.firstErrors(), equalTo(reference.firstErrors()));
      assertThat(r.resources().isEmpty(), is(true));
    }
  }

  private static void assertSameVerdictsAsHipcc(HipCompiler direct) {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("good.hip", GOOD);
    cases.put("broken.hip", BROKEN);
    cases.put("std_first.hip", "#include <cstdio>\n#include <cmath>\n" + GOOD);
    cases.put("quoted.hip", GOOD.replace("<hip/hip_runtime.h>", "\"hip/hip_runtime.h\""));
    cases.put("no_runtime_include.hip", GOOD.replace("#include <hip/hip_runtime.h>\n", ""));
    cases.put("no_vector_include.hip", GOOD.replace("#include <vector>\n", ""));
    cases.put("extra_tokens.hip", GOOD.replace("#include <vector>", "#include <vector> int junk;"));
    cases.put(
        "missing_header.hip",
        "#include <hip/hip_runtime.h>\n#include <hipcub/hipcub.hpp>\n" + GOOD);
    cases.put(
        "cxx17.hip",
        GOOD
            + "template <class T> constexpr int f(T) { if constexpr (sizeof(T) > 4) return 8; else return 4; }\n"
            + "int g() { auto [a, b] = std::pair<int, int>(1, 2); return a + b + f(1.0); }\n");
    cases.put(
        "device_calls_host.hip",
        "#include <hip/hip_runtime.h>\nint host_only() { return 1; }\n"
            + "__global__ void k(int* p) { *p = host_only(); }\n");
    cases.put(
        "host_calls_device.hip",
        "#include <hip/hip_runtime.h>\n__device__ int dev_only() { return 1; }\n"
            + "int main() { return dev_only(); }\n");
    cases.put(
        "newer_rocm_api.hip",
        "#include <hip/hip_runtime.h>\n__global__ void k(long* p) { *p = wall_clock64(); }\n");
    cases.put("errors_differ_by_side.hip", SIDES);

    Set<Boolean> verdicts = new HashSet<>();
    for (Map.Entry<String, String> c : cases.entrySet()) {
      CompileResult reference = hipcc.compile(c.getKey(), c.getValue());
      verdicts.add(reference.compiled());
      assertThat(
          reference.toString(), reference.category(), not(equalTo(CompileResult.TOOLCHAIN_ERROR)));
      // Twice: the first sighting of a preamble uses a prefix PCH, the second builds its own.
      for (int round = 0; round < 2; round++) {
        CompileResult fast = direct.compile(c.getKey(), c.getValue());

        String what = c.getKey() + " round " + round + ": hipcc=" + reference + " direct=" + fast;
        assertThat(what, fast.compiled(), equalTo(reference.compiled()));
        assertThat(what, fast.category(), equalTo(reference.category()));
        assertThat(what, fast.firstErrors(), equalTo(reference.firstErrors()));
      }
    }
    assertThat("the cases must mix good and bad code", verdicts, equalTo(Set.of(true, false)));
  }

  @Test
  void withSeveralOffloadArchsTheErrorsComeFromThePassHipccStopsAt() {
    List<String> archs = List.of("gfx90a", "gfx1030");
    try (HipCompiler multiDirect = direct.with(cfg -> cfg.offloadArchs = archs);
        HipCompiler multiHipcc = hipcc.with(cfg -> cfg.offloadArchs = archs)) {
      for (String code : List.of(SIDES, DEVICE_ONLY_ERROR, GOOD)) {
        CompileResult reference = multiHipcc.compile("multi.hip", code);
        CompileResult fast = multiDirect.compile("multi.hip", code);

        assertThat(fast.toString(), fast.compiled(), equalTo(reference.compiled()));
        assertThat(fast.firstErrors(), equalTo(reference.firstErrors()));
      }
    }
  }

  @Test
  void clangFromTheForkServerAndClangStartedPlainlyGiveTheSameResults() {
    try (HipCompiler plain = direct.with(cfg -> cfg.forkServer = false)) {
      for (String code : List.of(GOOD, BROKEN, SIDES, DEVICE_ONLY_ERROR)) {
        CompileResult served = direct.compile("same.hip", code);
        CompileResult started = plain.compile("same.hip", code);

        assertThat(served.toString(), served.compiled(), equalTo(started.compiled()));
        assertThat(served.firstErrors(), equalTo(started.firstErrors()));
      }
    }
  }

  @Test
  void compileIsSafeToCallFromManyThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<CompileResult>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        boolean good = i % 2 == 0;
        String name = "t" + i + ".hip";
        results.add(pool.submit(() -> direct.compile(name, good ? GOOD : BROKEN)));
      }
      for (int i = 0; i < results.size(); i++) {
        CompileResult r = results.get(i).get();
        assertThat("file " + i + ": " + r, r.compiled(), is(i % 2 == 0));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Idle fork servers (direct children started without arguments) may stay; compilers may not. */
  private static boolean noChildProcessesWithin(Duration d) throws InterruptedException {
    long me = ProcessHandle.current().pid();
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      boolean onlyIdleServers =
          ProcessHandle.current()
              .descendants()
              .filter(ProcessHandle::isAlive)
              .allMatch(
                  h ->
                      h.parent().map(p -> p.pid() == me).orElse(false)
                          && h.info().arguments().map(a -> a.length == 0).orElse(false));
      if (onlyIdleServers) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
