package org.hipforge.llmsim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The deterministic answers of the simulated LLM: an instruction for HIP source, HIP code for an
 * instruction.
 *
 * <p>Public so tests elsewhere can predict exactly what the simulator will say, e.g. {@code
 * SimulatedAnswers.answer(userMessage, false)}.
 */
public final class SimulatedAnswers {

  /** The kernel name used when an instruction names none we can use. */
  public static final String DEFAULT_KERNEL = "generated_kernel";

  /** The identifier the deliberately broken program uses without declaring it. */
  public static final String UNDECLARED_IDENTIFIER = "undeclared_scale_factor";

  // Names a kernel must not take: C++ keywords, and every identifier the template itself uses,
  // because a kernel sharing one of them would no longer compile.
  private static final Set<String> RESERVED =
      Set.of(
          ("""
              alignas alignof asm auto bool break case catch char class const constexpr const_cast
              continue decltype default delete do double dynamic_cast else enum explicit export
              extern false float for friend goto if inline int long mutable namespace new noexcept
              nullptr operator private protected public register reinterpret_cast return short
              signed sizeof static static_assert static_cast struct switch template this throw true
              try typedef typeid typename union unsigned using virtual void volatile while
              main std size_t dim3 a b out count i bytes threads blocks host_a host_b host_out dev_a
              dev_b dev_out status_ HIP_CHECK blockIdx blockDim threadIdx gridDim printf fprintf
              exit vector
              """
                  + UNDECLARED_IDENTIFIER)
              .split("\\s+"));

  private static final String PROLOGUE =
      String.join(
          "\n",
          "#include <hip/hip_runtime.h>",
          "",
          "#include <cstdio>",
          "#include <cstdlib>",
          "#include <vector>",
          "",
          "#define HIP_CHECK(expr)                                                   \\",
          "    do {                                                                  \\",
          "        hipError_t status_ = (expr);                                      \\",
          "        if (status_ != hipSuccess) {                                      \\",
          "            std::fprintf(stderr, \"HIP error %s at %s:%d\\n\",               \\",
          "                         hipGetErrorString(status_), __FILE__, __LINE__); \\",
          "            std::exit(EXIT_FAILURE);                                      \\",
          "        }                                                                 \\",
          "    } while (0)",
          "",
          "");

  private static final String KERNEL_PARAMS =
      "(const float* a, const float* b, float* out, int count) {\n"
          + "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "    if (i < count) {\n";
  private static final String GOOD_BODY = "        out[i] = a[i] + b[i];\n";
  private static final String BROKEN_BODY =
      "        out[i] = a[i] + b[i] * " + UNDECLARED_IDENTIFIER + ";\n";

  private static final String MAIN_HEAD =
      String.join(
          "\n",
          "    }",
          "}",
          "",
          "int main() {",
          "    const int count = 1 << 20;",
          "    const size_t bytes = count * sizeof(float);",
          "    std::vector<float> host_a(count, 1.0f);",
          "    std::vector<float> host_b(count, 2.0f);",
          "    std::vector<float> host_out(count, 0.0f);",
          "",
          "    float* dev_a = nullptr;",
          "    float* dev_b = nullptr;",
          "    float* dev_out = nullptr;",
          "    HIP_CHECK(hipMalloc(&dev_a, bytes));",
          "    HIP_CHECK(hipMalloc(&dev_b, bytes));",
          "    HIP_CHECK(hipMalloc(&dev_out, bytes));",
          "    HIP_CHECK(hipMemcpy(dev_a, host_a.data(), bytes, hipMemcpyHostToDevice));",
          "    HIP_CHECK(hipMemcpy(dev_b, host_b.data(), bytes, hipMemcpyHostToDevice));",
          "",
          "    const int threads = 256;",
          "    const int blocks = (count + threads - 1) / threads;",
          "    ");
  private static final String MAIN_TAIL =
      String.join(
          "\n",
          "<<<blocks, threads>>>(dev_a, dev_b, dev_out, count);",
          "    HIP_CHECK(hipGetLastError());",
          "    HIP_CHECK(hipDeviceSynchronize());",
          "    HIP_CHECK(hipMemcpy(host_out.data(), dev_out, bytes, hipMemcpyDeviceToHost));",
          "",
          "    std::printf(\"out[0] = %f\\n\", host_out[0]);",
          "    HIP_CHECK(hipFree(dev_a));",
          "    HIP_CHECK(hipFree(dev_b));",
          "    HIP_CHECK(hipFree(dev_out));",
          "    return 0;",
          "}",
          "");

  private SimulatedAnswers() {}

  /**
   * The whole answer to a request whose user message is {@code user}: an instruction when the
   * message holds HIP source (a kernel definition or an {@code #include}), otherwise a markdown
   * answer with a HIP program, broken on purpose when {@code compileError}.
   */
  public static String answer(String user, boolean compileError) {
    return isSource(user) ? describe(kernelNames(user)) : generate(user, compileError);
  }

  /**
   * Whether the user message is a repair loop's follow-up: it shows a compiler diagnostic ({@code
   * file:line:col: error:}) next to the code, which a describe prompt's source never has.
   */
  public static boolean isRepair(String user) {
    return DIAGNOSTIC.matcher(user).find();
  }

  private static final java.util.regex.Pattern DIAGNOSTIC =
      java.util.regex.Pattern.compile("(?m)^[^\\s`]+:\\d+:\\d+: (?:fatal )?error: ");

  /**
   * The answer to a repair prompt: the program again, for the kernel of the code it shows (else of
   * the instruction), broken on purpose when {@code compileError}; then with another undeclared
   * name than the code shown ({@link #UNDECLARED_IDENTIFIER}, then {@code _1}, {@code _2}, ...), so
   * each round's errors, and so its prompt, differ from the last as a real model's would.
   */
  public static String repair(String user, boolean compileError) {
    List<String> kernels = kernelNames(user);
    String kernel = kernels.isEmpty() ? kernelNameFor(user) : kernels.get(0);
    int next = 0;
    while (user.contains(UNDECLARED_IDENTIFIER + (next == 0 ? "" : "_" + next))) {
      next++;
    }
    String source = hipSource(kernel, compileError);
    if (compileError && next > 0) {
      source = source.replace(UNDECLARED_IDENTIFIER, UNDECLARED_IDENTIFIER + "_" + next);
    }
    return "Here is the corrected file.\n\n```hip\n" + source + "```\n";
  }

  /** Whether the text is HIP source to describe rather than an instruction to implement. */
  public static boolean isSource(String text) {
    return text.contains("#include") || !kernelNames(text).isEmpty();
  }

  /**
   * The names of the {@code __global__} functions defined in {@code source}, in order, without
   * duplicates.
   *
   * <p>A plain scan rather than a regex: after each {@code __global__} it accepts only what a
   * declaration can hold (identifiers, {@code *}, {@code &}, {@code ::}, template brackets and a
   * {@code __launch_bounds__(...)}) up to the name before {@code (}, and requires the {@code void}
   * return type, so prose such as "a __global__ kernel named `x`" is not taken for code.
   */
  public static List<String> kernelNames(String source) {
    Set<String> names = new LinkedHashSet<>();
    int from = 0;
    while (true) {
      int at = source.indexOf("__global__", from);
      if (at < 0) {
        return new ArrayList<>(names);
      }
      from = at + "__global__".length();
      String name = kernelNameAfter(source, from);
      if (name != null) {
        names.add(name);
      }
    }
  }

  private static String kernelNameAfter(String s, int pos) {
    boolean sawVoid = false;
    int n = s.length();
    int i = pos;
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)
          || c == '*'
          || c == '&'
          || c == ':'
          || c == '<'
          || c == '>'
          || c == ',') {
        i++;
      } else if (Character.isJavaIdentifierStart(c)) {
        int end = i + 1;
        while (end < n && Character.isJavaIdentifierPart(s.charAt(end))) {
          end++;
        }
        String word = s.substring(i, end);
        int next = end;
        while (next < n && Character.isWhitespace(s.charAt(next))) {
          next++;
        }
        if (next < n && s.charAt(next) == '(') {
          if (word.equals("__launch_bounds__")) {
            i = skipParens(s, next);
            if (i < 0) {
              return null;
            }
            continue;
          }
          return sawVoid ? word : null;
        }
        sawVoid |= word.equals("void");
        i = end;
      } else {
        return null;
      }
    }
    return null;
  }

  // Index just past the parenthesis group starting at open, or -1 if it never closes.
  private static int skipParens(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i + 1;
      }
    }
    return -1;
  }

  /** The instruction the simulator writes for source defining {@code kernels}. */
  public static String describe(List<String> kernels) {
    StringBuilder b = new StringBuilder(640);
    if (kernels.isEmpty()) {
      b.append(
          "Write a complete HIP program whose host code allocates device buffers with "
              + "hipMalloc, copies the inputs to the device with hipMemcpy, copies the results back "
              + "and releases all device memory with hipFree.");
    } else {
      b.append("Write a complete HIP program with ");
      b.append(kernels.size() == 1 ? "a __global__ kernel named " : "__global__ kernels named ");
      for (int k = 0; k < kernels.size(); k++) {
        if (k > 0) {
          b.append(k == kernels.size() - 1 ? " and " : ", ");
        }
        b.append('`').append(kernels.get(k)).append('`');
      }
      b.append(kernels.size() == 1 ? " that processes" : " that each process");
      b.append(
          " an array of floats in parallel, one element per thread, guarded by a bounds "
              + "check. The host code should allocate device buffers with hipMalloc, copy the inputs "
              + "to the device with hipMemcpy, launch ");
      b.append(kernels.size() == 1 ? "the kernel" : "each kernel");
      b.append(
          " with enough 256-thread blocks to cover every element, copy the results back and "
              + "release all device memory with hipFree.");
    }
    b.append(" Wrap every HIP API call in an error check that prints the failing call and exits.");
    return b.toString();
  }

  /**
   * The kernel name for an instruction: its first backticked identifier that can name a kernel (not
   * a keyword, not a HIP API such as {@code hipMalloc}), else {@link #DEFAULT_KERNEL}.
   */
  public static String kernelNameFor(String instruction) {
    int from = 0;
    while (true) {
      int open = instruction.indexOf('`', from);
      if (open < 0) {
        return DEFAULT_KERNEL;
      }
      int close = instruction.indexOf('`', open + 1);
      if (close < 0) {
        return DEFAULT_KERNEL;
      }
      String word = instruction.substring(open + 1, close);
      if (usableKernelName(word)) {
        return word;
      }
      from = close + 1;
    }
  }

  private static boolean usableKernelName(String word) {
    // 128 characters: longer backticked spans are code or prose, not a name.
    if (word.isEmpty()
        || word.length() > 128
        || RESERVED.contains(word)
        || word.startsWith("__")
        || isHipApi(word)) {
      return false;
    }
    char first = word.charAt(0);
    if (!(first == '_' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
      return false;
    }
    for (int i = 1; i < word.length(); i++) {
      char c = word.charAt(i);
      if (!(c == '_'
          || (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHipApi(String word) {
    return (word.startsWith("hip") && word.length() > 3 && Character.isUpperCase(word.charAt(3)))
        || word.startsWith("HIP_");
  }

  /** The markdown answer to an instruction: prose, a {@code ```hip} block, prose. */
  public static String generate(String instruction, boolean compileError) {
    String kernel = kernelNameFor(instruction);
    return "Here is a complete HIP program with the `"
        + kernel
        + "` kernel.\n\n```hip\n"
        + hipSource(kernel, compileError)
        + "```\n\nEach thread handles one element, and the host code checks every HIP API call "
        + "and frees all device memory before it exits.\n";
  }

  /**
   * A complete HIP source file with one {@code __global__} kernel named {@code kernel} and a host
   * {@code main}; with {@code compileError} it uses {@link #UNDECLARED_IDENTIFIER}.
   */
  public static String hipSource(String kernel, boolean compileError) {
    return PROLOGUE
        + "__global__ void "
        + kernel
        + KERNEL_PARAMS
        + (compileError ? BROKEN_BODY : GOOD_BODY)
        + MAIN_HEAD
        + kernel
        + MAIN_TAIL;
  }

  /** Estimated tokens of a text of {@code chars} characters: a quarter, rounded up. */
  public static int estimateTokens(long chars) {
    return (int) Math.min(Integer.MAX_VALUE, (chars + 3) / 4);
  }
}
