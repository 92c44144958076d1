package org.hipforge.benchmarks;

import java.util.Random;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Measures how many bytes of realistic LLM answers per second {@link CodeExtractor#extract} turns
 * into a HIP source file on one core.
 *
 * <p>Each answer is prose, a {@code ```bash} compile command, a {@code ```hip} block with a
 * realistic kernel file (includes, an error-check macro, tiled kernels, a {@code main} with {@code
 * hipMalloc}/{@code hipLaunchKernelGGL}) and a closing remark, exactly {@code responseBytes} ASCII
 * characters long (so chars = bytes). Sixteen different answers per size are cycled so the branch
 * predictor cannot learn one input.
 *
 * <p>{@code shape}: {@code one} puts the file in one block; {@code split} ends the block after the
 * includes (and error-check macro) and continues the file in a second {@code ```hip} block after a
 * line of prose, which the extractor joins back into one file (issue 12 item 4); the remark at the
 * end is shortened by as much, so the size stays exact.
 *
 * <p>Bytes per op = {@code responseBytes}. Throughput is reported twice: {@code extract} in ops/s
 * and the {@code bytes} aux counter in bytes/s; MB/s = bytes/s / 1e6.
 *
 * <p>How to run:
 *
 * <pre>
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar ExtractCodeBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s
 * # allocation per op: add -prof gc
 * </pre>
 */
@State(Scope.Thread)
public class ExtractCodeBenchmark extends ThroughputBenchmark {

  /** Response size in bytes: a short answer, a typical one, and a long multi-kernel one. */
  @Param({"1024", "4096", "20480"})
  public int responseBytes;

  /** One block, or the same file split over two blocks that must be joined. */
  @Param({"one", "split"})
  public String shape;

  // A power of two so the cycling index is a mask, not a division.
  private static final int VARIANTS = 16;

  private String[] responses;
  private int next;

  /**
   * Builds the answers and checks that each one yields its hip block, so a regression cannot look
   * fast.
   */
  @Setup(Level.Trial)
  public void setUp() {
    responses = new String[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) {
      String response = Responses.realistic(responseBytes, new Random(1_000L * responseBytes + v));
      boolean split = shape.equals("split");
      if (split) {
        response = Responses.split(response);
      }
      ExtractedCode result = CodeExtractor.extract(response);
      if (!result.isPresent()
          || !result.language().equals("hip")
          || !result.code().contains("__global__")
          || !result.code().contains("#include <hip/hip_runtime.h>")
          || !result.code().contains("int main(")
          || result.blocks() != (split ? 2 : 1)
          || result.code().contains("hipcc --offload-arch")) {
        throw new IllegalStateException(
            "fixture " + v + " did not extract its hip block: " + result);
      }
      responses[v] = response;
    }
  }

  /** Extracts the code of one response. */
  @Benchmark
  public ExtractedCode extract(ByteCounter counter) {
    String response = responses[next++ & (VARIANTS - 1)];
    counter.bytes += response.length();
    return CodeExtractor.extract(response);
  }

  /** Deterministic generator of realistic answers of an exact size. */
  static final class Responses {
    private Responses() {}

    private static final String[] OPS = {"+", "-", "*"};
    private static final String[] TYPES = {"float", "double", "int"};
    private static final String[] NAMES = {
      "vector_add", "saxpy", "tiled_matmul", "reduce_sum", "stencil_1d", "transpose", "histogram"
    };
    private static final String[] REMARKS = {
      "Each thread computes one output element, so the grid covers the whole array.",
      "The tile size of 16 keeps the shared memory per block well under the 64 KiB limit.",
      "On AMD GPUs the wavefront is 64 lanes wide, so block sizes should be multiples of 64.",
      "`HIP_CHECK` aborts on the first failing runtime call and prints the file and line.",
      "For large inputs consider streams to overlap the copies with the kernel execution.",
      "The `__syncthreads()` calls make sure the tile is fully loaded before it is read.",
      "You can verify the result on the host by comparing against a simple CPU loop.",
    };

    /** An answer of exactly {@code bytes} ASCII characters with one bash and one hip block. */
    static String realistic(int bytes, Random random) {
      String name = NAMES[random.nextInt(NAMES.length)];
      StringBuilder head = new StringBuilder();
      head.append("Below is a complete HIP implementation of `")
          .append(name)
          .append("` for AMD GPUs. It uses `__global__` kernels launched with `hipLaunchKernelGGL`")
          .append(" and checks every runtime call.\n\n")
          .append("Compile and run it with:\n\n```bash\nhipcc --offload-arch=gfx90a -O3 -o ")
          .append(name)
          .append(' ')
          .append(name)
          .append(".hip\n./")
          .append(name)
          .append(" 1048576\n```\n\nHere is the source file:\n\n```hip\n");
      String tail = "```\n\n";
      // About two thirds of an answer is code and the rest prose, as in the answers we collected;
      // at least one remark sentence (about 80 chars) always follows the code.
      int codeBudget = Math.min(bytes * 2 / 3, bytes - head.length() - tail.length() - 80);
      String code = hipFile(name, codeBudget, random);
      StringBuilder sb = new StringBuilder(bytes + 128).append(head).append(code).append(tail);
      if (sb.length() + 2 > bytes) {
        throw new IllegalArgumentException(
            "responseBytes too small for a realistic answer: " + bytes);
      }
      while (sb.length() < bytes) {
        sb.append(REMARKS[random.nextInt(REMARKS.length)]).append(' ');
      }
      sb.setLength(bytes - 1);
      sb.append('\n');
      return sb.toString();
    }

    /**
     * {@code response} with its hip block split after the includes (the first blank line) into two
     * blocks with prose between, cut back at the end to the same length.
     */
    static String split(String response) {
      int code = response.indexOf("```hip\n") + "```hip\n".length();
      int cut = response.indexOf("\n\n", code) + 2;
      String joint = "```\n\nThe kernels and the host code:\n\n```hip\n";
      String s = response.substring(0, cut) + joint + response.substring(cut);
      return s.substring(0, response.length() - 1) + "\n";
    }

    /**
     * A HIP source file of at most {@code budget} characters when one kernel fits; below 1500 chars
     * it is the compact file a short answer has (no error-check macro, no shared memory).
     */
    private static String hipFile(String name, int budget, Random random) {
      boolean compact = budget < 1500;
      String header =
          compact
              ? "#include <hip/hip_runtime.h>\n\n"
              : "#include <hip/hip_runtime.h>\n#include <cstdio>\n#include <cstdlib>\n\n"
                  + "#define HIP_CHECK(x) do { hipError_t e = (x); if (e != hipSuccess) { \\\n"
                  + "  std::fprintf(stderr, \"%s:%d %s\\n\", __FILE__, __LINE__, hipGetErrorString(e)); \\\n"
                  + "  std::exit(1); } } while (0)\n\n";
      StringBuilder kernels = new StringBuilder();
      StringBuilder launches = new StringBuilder();
      String file = null;
      for (int k = 0; ; k++) {
        String type = compact ? "float" : TYPES[random.nextInt(TYPES.length)];
        String op = OPS[random.nextInt(OPS.length)];
        String fn = name + "_" + k;
        String kernel =
            compact
                ? "__global__ void "
                    + fn
                    + "(const float* a, const float* b, float* c, int n) {\n"
                    + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                    + "  if (i < n) c[i] = a[i] "
                    + op
                    + " b[i];\n"
                    + "}\n\n"
                : "__global__ void "
                    + fn
                    + "(const "
                    + type
                    + "* __restrict__ a,\n"
                    + "    const "
                    + type
                    + "* __restrict__ b, "
                    + type
                    + "* __restrict__ c, int n) {\n"
                    + "  __shared__ "
                    + type
                    + " tile[256];\n"
                    + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                    + "  tile[threadIdx.x] = i < n ? a[i] : "
                    + type
                    + "(0);\n"
                    + "  __syncthreads();\n"
                    + "  if (i < n) c[i] = tile[threadIdx.x] "
                    + op
                    + " b[i];\n"
                    + "}\n\n";
        String launch =
            compact
                ? "  hipLaunchKernelGGL(" + fn + ", dim3(n / 256), dim3(256), 0, 0, a, b, c, n);\n"
                : "  hipLaunchKernelGGL("
                    + fn
                    + ", dim3((n + 255) / 256), dim3(256), 0, 0,\n"
                    + "      (const "
                    + type
                    + "*)da, (const "
                    + type
                    + "*)db, ("
                    + type
                    + "*)dc, n);\n";
        String candidate =
            header
                + kernels
                + kernel
                + (compact ? compactMain(launches + launch) : main(launches + launch));
        if (k > 0 && candidate.length() > budget) {
          return file;
        }
        file = candidate;
        kernels.append(kernel);
        launches.append(launch);
      }
    }

    private static String compactMain(String launches) {
      return "int main() {\n"
          + "  int n = 1 << 20;\n"
          + "  float *a, *b, *c;\n"
          + "  hipMalloc(&a, n * sizeof(float));\n"
          + "  hipMalloc(&b, n * sizeof(float));\n"
          + "  hipMalloc(&c, n * sizeof(float));\n"
          + launches
          + "  hipDeviceSynchronize();\n"
          + "  hipFree(a); hipFree(b); hipFree(c);\n"
          + "  return 0;\n"
          + "}\n";
    }

    private static String main(String launches) {
      return "int main(int argc, char** argv) {\n"
          + "  int n = argc > 1 ? std::atoi(argv[1]) : 1 << 20;\n"
          + "  size_t bytes = n * sizeof(double);\n"
          + "  void *da, *db, *dc;\n"
          + "  HIP_CHECK(hipMalloc(&da, bytes));\n"
          + "  HIP_CHECK(hipMalloc(&db, bytes));\n"
          + "  HIP_CHECK(hipMalloc(&dc, bytes));\n"
          + launches
          + "  HIP_CHECK(hipDeviceSynchronize());\n"
          + "  HIP_CHECK(hipFree(da)); HIP_CHECK(hipFree(db)); HIP_CHECK(hipFree(dc));\n"
          + "  std::printf(\"ok\\n\");\n"
          + "  return 0;\n"
          + "}\n";
    }
  }
}
