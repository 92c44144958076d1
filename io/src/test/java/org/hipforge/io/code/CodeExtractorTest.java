package org.hipforge.io.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.hipforge.io.code.ExtractedCode.Origin;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CodeExtractorTest {

  private static final String KERNEL =
      "#include <hip/hip_runtime.h>\n"
          + "__global__ void add(const float* a, const float* b, float* c, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "  if (i < n) c[i] = a[i] + b[i];\n"
          + "}\n";

  private static final String HOST_ONLY =
      "#include <cstdio>\n"
          + "int main() {\n"
          + "  std::printf(\"host only, no device code at all here\\n\");\n"
          + "  return 0;\n"
          + "}\n";

  /** Fence tags of languages that are not C++: a block tagged so is never the code. */
  private static final List<String> OTHER_LANGUAGE_TAGS =
      List.of(
          "shell",
          "bash",
          "sh",
          "console",
          "text",
          "plaintext",
          "json",
          "yaml",
          "makefile",
          "cmake",
          "python",
          "markdown",
          "diff");

  /** A row of a table below; the test is shown by its {@code name}. */
  interface Case {
    String name();
  }

  /**
   * A response that must yield exactly {@code code}, tagged {@code language}, found as {@code
   * origin}.
   */
  record Found(String name, String response, String code, String language, Origin origin)
      implements Case {}

  /** A response that must yield no code, with a reason containing {@code reasonPart}. */
  record NoCode(String name, String response, String reasonPart) implements Case {}

  /** The cases of a table, each shown by its name. */
  private static <T extends Case> Stream<Named<T>> named(List<T> cases) {
    return cases.stream().map(c -> Named.of(c.name(), c));
  }

  static Stream<Named<Found>> extractions() {
    List<Found> cases = new ArrayList<>();
    cases.add(
        new Found(
            "takes the code of a single hip block between prose",
            "Here is the kernel:\n\n```hip\n" + KERNEL + "```\n\nIt adds two vectors.",
            KERNEL,
            "hip",
            Origin.FENCED));
    for (String tag :
        List.of(
            "hip", "cpp", "c++", "cuda", "cu", "c", "cc", "cxx", "h", "hpp", "cuh", "hh", "hxx")) {
      cases.add(
          new Found(
              "accepts a block tagged " + tag,
              "Text.\n```" + tag + "\nint x = 1;\n```\n",
              "int x = 1;\n",
              tag,
              Origin.FENCED));
    }
    cases.add(
        new Found(
            "matches tags case-insensitively and reports them lower-cased",
            "```CPP\nint x;\n```",
            "int x;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "uses the first word of an info string that carries extras",
            "```cpp title=vector_add.hip linenums\nint x;\n```\n",
            "int x;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "classifies a file name tag by its extension",
            "```vector_add.hip\nint x;\n```\n```run.sh\nhipcc vector_add.hip\n```\n",
            "int x;\n",
            "vector_add.hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "reads a pandoc style attribute tag",
            "```{.cpp}\nint x;\n```\n",
            "int x;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "accepts tilde fences", "~~~hip\n" + KERNEL + "~~~\n", KERNEL, "hip", Origin.FENCED));
    cases.add(
        new Found(
            "keeps a shorter backtick run inside a longer fence as content",
            "````cpp\nconst char* md = R\"(\n```\n)\";\n`````\n",
            "const char* md = R\"(\n```\n)\";\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "closes a tilde fence with a longer tilde run",
            "~~~cpp\nint x;\n~~~~~~\nafter\n",
            "int x;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "keeps a backtick fence inside a tilde block as content",
            "~~~cpp\nint a;\n```bash\nls\n```\nint b;\n~~~\n",
            "int a;\n```bash\nls\n```\nint b;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "keeps a tilde fence inside a backtick block as content",
            "```cpp\n~~~\nint a;\n```\n",
            "~~~\nint a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "ignores backticks inside string literals",
            "```cpp\nconst char* s = \"```\";\nconst char* t = \"``\" \"`\";\n```\n",
            "const char* s = \"```\";\nconst char* t = \"``\" \"`\";\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "does not close a block on a fence line followed by text",
            "```cpp\nint a;\n``` not a fence\nint b;\n```\n",
            "int a;\n``` not a fence\nint b;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "treats triple backticks inline at a line start as inline code, not a fence",
            "```hip``` is the tag to use.\n```cpp\nint a;\n```\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "strips the indentation of an opening fence indented three spaces",
            "1. Build it:\n   ```cpp\n   int a;\n     int b;\n int c;\n   ```\n",
            "int a;\n  int b;\nint c;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "accepts a closing fence indented further than the opening one",
            "```cpp\nint a;\n        ```\nprose\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "accepts a tab-indented closing fence with trailing blanks",
            "```cpp\nint a;\n\t``` \t\nprose\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "accepts a closing fence at the very end without a newline",
            "```cpp\nint a;\n```",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "converts CRLF line endings to LF",
            ("Sure:\n```hip\n" + KERNEL + "```\nDone.\n").replace("\n", "\r\n"),
            KERNEL,
            "hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "converts old Mac CR line endings to LF",
            ("Sure:\n```hip\n" + KERNEL + "```\nDone.\n").replace('\n', '\r'),
            KERNEL,
            "hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "converts mixed line endings to LF",
            "x\r\n```cpp\r\nint a;\rint b;\nint c;\r\n```\r\n",
            "int a;\nint b;\nint c;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "strips indentation and CRLF together",
            "  ```cpp\r\n  int a;\r\n    int b;\r\n  ```\r\n",
            "int a;\n  int b;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "keeps non-Latin-1 text in the code unchanged",
            "Voilà 🚀\n```cpp\n// π ≈ 3.14 — “fast”\nint a;\n```\n",
            "// π ≈ 3.14 — “fast”\nint a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "picks the hip block over a bash block that comes first",
            "Compile with:\n```bash\nhipcc -o add add.hip\n./add\n```\nSource:\n```hip\n"
                + KERNEL
                + "```\nThat's all.",
            KERNEL,
            "hip",
            Origin.FENCED));
    for (String tag : OTHER_LANGUAGE_TAGS) {
      cases.add(
          new Found(
              "never picks a larger " + tag + " block holding a kernel over a small cpp block",
              "```" + tag + "\n" + KERNEL + KERNEL + "```\n```cpp\nint helper();\n```\n",
              "int helper();\n",
              "cpp",
              Origin.FENCED));
    }
    cases.add(
        new Found(
            "prefers a small block with __global__ over a larger one without",
            "```cpp\n" + HOST_ONLY + HOST_ONLY + "```\n```cpp\n__global__ void k() {}\n```\n",
            "__global__ void k() {}\n",
            "cpp",
            Origin.FENCED));
    for (String marker :
        List.of(
            "hipLaunchKernelGGL(k, 1, 1, 0, 0);",
            "k<<<1, 1>>>();",
            "#include <hip/hip_runtime.h>",
            "hipMalloc(&p, 4);")) {
      cases.add(
          new Found(
              "prefers a block calling the HIP runtime (" + marker + ") over a larger one without",
              "```cpp\n" + HOST_ONLY + HOST_ONLY + "```\n```cpp\n" + marker + "\n```\n",
              marker + "\n",
              "cpp",
              Origin.FENCED));
    }
    cases.add(
        new Found(
            "picks the largest of several kernel blocks",
            "```cpp\n__global__ void k() {}\n```\n```hip\n"
                + KERNEL
                + "```\n```cu\n__global__ void j() {}\n```\n",
            KERNEL,
            "hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "picks the largest C++ block when no block holds a kernel",
            "```cpp\nint a;\n```\n```cpp\n" + HOST_ONLY + "```\n```h\nint b;\n```\n",
            HOST_ONLY,
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "picks the first of two equally large blocks",
            "```cpp\nint a;\n```\n```hpp\nint b;\n```\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "takes an untagged block that looks like C++ when the other block is shell",
            "```bash\nhipcc -o x x.cpp\n```\n```\n" + HOST_ONLY + "```\n",
            HOST_ONLY,
            "",
            Origin.FENCED));
    cases.add(
        new Found(
            "prefers an untagged block holding a kernel over a tagged block without one",
            "```cpp\n" + HOST_ONLY + HOST_ONLY + "```\n```\n" + KERNEL + "```\n",
            KERNEL,
            "",
            Origin.FENCED));
    cases.add(
        new Found(
            "prefers a tagged C++ block over a larger untagged C++ block when neither holds a kernel",
            "```\n" + HOST_ONLY + HOST_ONLY + "```\n```cpp\nint a;\n```\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "skips an untagged shell block and takes the C++ block",
            "```\n$ hipcc -o x x.hip && ./x\nresult: 42\n```\n```cpp\nint a;\n```\n",
            "int a;\n",
            "cpp",
            Origin.FENCED));
    cases.add(
        new Found(
            "skips an empty C++ block and takes the next one",
            "```cpp\n```\n```cpp\n\n   \n```\n```hip\n" + KERNEL + "```\n",
            KERNEL,
            "hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "takes an unterminated last fence to the end of the response",
            "Here it is:\n```hip\n#include <hip/hip_runtime.h>\n__global__ void k(int* a) {\n  a[0] = 1;",
            "#include <hip/hip_runtime.h>\n__global__ void k(int* a) {\n  a[0] = 1;\n",
            "hip",
            Origin.UNTERMINATED_FENCE));
    cases.add(
        new Found(
            "keeps the trailing newline of an unterminated fence as it is",
            "```cpp\nint a;\n",
            "int a;\n",
            "cpp",
            Origin.UNTERMINATED_FENCE));
    cases.add(
        new Found(
            "takes an unterminated hip fence after a complete bash block",
            "```bash\nhipcc k.hip\n```\n```hip\n" + KERNEL,
            KERNEL,
            "hip",
            Origin.UNTERMINATED_FENCE));
    cases.add(
        new Found(
            "keeps a complete kernel block over an unterminated text block after it",
            "```hip\n" + KERNEL + "```\nOutput:\n```text\nok\n",
            KERNEL,
            "hip",
            Origin.FENCED));
    cases.add(
        new Found(
            "treats a closing fence shorter than the opening one as content of an unterminated block",
            "````cpp\nint a;\n```\n",
            "int a;\n```\n",
            "cpp",
            Origin.UNTERMINATED_FENCE));
    cases.add(
        new Found(
            "takes a whole unfenced response that is C++ source, trimmed",
            "\n\n  " + KERNEL + "\n\n",
            KERNEL,
            "",
            Origin.UNFENCED));
    cases.add(
        new Found(
            "takes an unfenced C++ response with a line of prose before it",
            "Here is the code:\n" + KERNEL,
            "Here is the code:\n" + KERNEL,
            "",
            Origin.UNFENCED));
    cases.add(
        new Found(
            "converts CRLF in an unfenced response",
            KERNEL.replace("\n", "\r\n"),
            KERNEL,
            "",
            Origin.UNFENCED));
    return named(cases);
  }

  static Stream<Named<NoCode>> failures() {
    List<NoCode> cases = new ArrayList<>();
    cases.add(new NoCode("reports no code for a null response", null, "null"));
    cases.add(new NoCode("reports no code for an empty response", "", "empty"));
    cases.add(new NoCode("reports no code for a blank response", " \r\n\t\n  ", "empty"));
    cases.add(
        new NoCode(
            "reports no code for prose that mentions __global__ in inline backticks",
            "Mark the kernel with `__global__`; launch it with `hipLaunchKernelGGL` or `k<<<g, b>>>()`.\n"
                + "Each thread {one of many} handles one element, so the grid covers the array.\n"
                + "Remember to `#include <hip/hip_runtime.h>` first; then call `hipMalloc`.",
            "does not look like C++"));
    cases.add(
        new NoCode(
            "reports no code for a response with only a bash block",
            "Run:\n```bash\nhipcc -o add add.hip\n```\n",
            "other languages"));
    for (String tag :
        Stream.concat(OTHER_LANGUAGE_TAGS.stream(), Stream.of("rust", "BASH")).toList()) {
      cases.add(
          new NoCode(
              "reports no code when the only block is tagged " + tag + ", even holding a kernel",
              "```" + tag + "\n" + KERNEL + "```\n",
              "other languages"));
    }
    cases.add(
        new NoCode("reports no code for an empty cpp block", "Here:\n```cpp\n```\n", "empty"));
    cases.add(
        new NoCode(
            "reports no code for a cpp block holding only blank lines",
            "```cpp\n  \n\t\n\n```\n",
            "empty"));
    cases.add(
        new NoCode(
            "reports no code for an unterminated fence at the very end", "Here:\n```cpp", "empty"));
    cases.add(
        new NoCode(
            "reports no code for an untagged block of shell commands",
            "```\ncd build; make -j2\n```\n",
            "do not look like C++"));
    cases.add(
        new NoCode(
            "reports no code for an untagged block of JSON",
            "```\n{\"kernel\": \"__global__ void k()\"}\n```\n",
            "do not look like C++"));
    cases.add(
        new NoCode(
            "reports no code when a fence indented four spaces leaves only prose",
            "Text:\n    ```cpp\n    int x = 1;\n    ```\nMore prose here.",
            "does not look like C++"));
    cases.add(
        new NoCode(
            "reports no code for mostly prose around a stray C++ line",
            "The kernel below is wrong and I cannot fix it.\n"
                + "You should rewrite it with shared memory tiles.\n"
                + "Consider the occupancy and the register pressure too.\n"
                + "__global__ void k() { x(); }\n",
            "does not look like C++"));
    return named(cases);
  }

  // ---- files split over several blocks, and license comments (issue 12 item 4) ----

  private static final String MIT_LICENSE =
      "/*\n"
          + "Copyright (c) 2015-2023 Advanced Micro Devices, Inc. All rights reserved.\n"
          + "\n"
          + "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
          + "of this software and associated documentation files (the \"Software\"), to deal\n"
          + "in the Software without restriction, including without limitation the rights\n"
          + "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
          + "copies of the Software, and to permit persons to whom the Software is\n"
          + "furnished to do so, subject to the following conditions:\n"
          + "\n"
          + "The above copyright notice and this permission notice shall be included in\n"
          + "all copies or substantial portions of the Software.\n"
          + "\n"
          + "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
          + "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
          + "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL THE\n"
          + "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
          + "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
          + "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN\n"
          + "THE SOFTWARE.\n"
          + "*/\n";

  private static final String SMALL_KERNEL =
      "#include <hip/hip_runtime.h>\n"
          + "\n"
          + "__global__ void scale(float* x, float a, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "  if (i < n) x[i] *= a;\n"
          + "}\n";

  private static final String PRELUDE =
      "#include <hip/hip_runtime.h>\n"
          + "#include <cstdio>\n"
          + "#include <vector>\n"
          + "\n"
          + "#define HIP_CHECK(cmd) do { hipError_t e = (cmd); if (e != hipSuccess) { \\\n"
          + "    std::fprintf(stderr, \"%s\\n\", hipGetErrorString(e)); std::exit(1); } } while (0)\n"
          + "\n"
          + "constexpr int kBlock = 256;\n";

  private static final String KERNEL_BODY =
      "__global__ void vector_add(const float* a, const float* b, float* c, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "  if (i < n) c[i] = a[i] + b[i];\n"
          + "}\n";

  private static final String HOST_MAIN =
      "int main() {\n"
          + "  const int n = 1 << 20;\n"
          + "  float *a, *b, *c;\n"
          + "  HIP_CHECK(hipMalloc(&a, n * sizeof(float)));\n"
          + "  HIP_CHECK(hipMalloc(&b, n * sizeof(float)));\n"
          + "  HIP_CHECK(hipMalloc(&c, n * sizeof(float)));\n"
          + "  hipLaunchKernelGGL(vector_add, dim3((n + kBlock - 1) / kBlock), dim3(kBlock), 0, 0, a, b, c, n);\n"
          + "  HIP_CHECK(hipDeviceSynchronize());\n"
          + "  return 0;\n"
          + "}\n";

  /** The complete program: the prelude, the kernel and the host code in one file. */
  private static final String PROGRAM = PRELUDE + KERNEL_BODY + HOST_MAIN;

  private static final String HEADER =
      "#pragma once\n"
          + "#include <hip/hip_runtime.h>\n"
          + "\n"
          + "__global__ void vector_add(const float* a, const float* b, float* c, int n);\n";

  /** A response whose code comes from {@code blocks} fenced blocks. */
  record Joined(
      String name, String response, String code, String language, Origin origin, int blocks)
      implements Case {}

  /** A response whose code is the one fenced block {@code code}, not joined with any other. */
  private static Joined oneBlock(String name, String response, String code, String language) {
    return new Joined(name, response, code, language, Origin.FENCED, 1);
  }

  static Stream<Named<Joined>> joinedAnswers() {
    List<Joined> cases = new ArrayList<>();
    cases.add(
        new Joined(
            "joins a block of includes and helpers with the kernel and main that continue it",
            "Sure! First the includes and a small error-checking macro:\n\n```cpp\n"
                + PRELUDE
                + "```\n\nThen the kernel and the host code:\n\n```cpp\n"
                + KERNEL_BODY
                + "\n"
                + HOST_MAIN
                + "```\n\nCompile it with `hipcc vector_add.hip`.",
            PRELUDE + KERNEL_BODY + "\n" + HOST_MAIN,
            "cpp",
            Origin.FENCED,
            2));
    cases.add(
        new Joined(
            "joins a kernel file without main and the host block that follows it, skipping a bash block after",
            "The kernel:\n```hip\n"
                + PRELUDE
                + "\n"
                + KERNEL_BODY
                + "```\nAnd the host side:\n```hip\n"
                + HOST_MAIN
                + "```\nBuild and run:\n```bash\nhipcc -o add add.hip && ./add\n```\n",
            PRELUDE + "\n" + KERNEL_BODY + HOST_MAIN,
            "hip",
            Origin.FENCED,
            2));
    cases.add(
        new Joined(
            "joins a file split in three: includes, kernel, main",
            "```cpp\n"
                + PRELUDE
                + "```\n\n```cpp\n"
                + KERNEL_BODY
                + "```\n\n```cpp\n"
                + HOST_MAIN
                + "```\n",
            PROGRAM,
            "cpp",
            Origin.FENCED,
            3));
    cases.add(
        new Joined(
            "joins a split file whose second block was cut off",
            "```cpp\n"
                + PRELUDE
                + "```\n```cpp\n"
                + KERNEL_BODY
                + "int main() {\n  const int n = 1 << 20;",
            PRELUDE + KERNEL_BODY + "int main() {\n  const int n = 1 << 20;\n",
            "cpp",
            Origin.UNTERMINATED_FENCE,
            2));
    cases.add(
        new Joined(
            "inlines a header named in bold above its block into the kernel file that includes it",
            "**vector_add.h**\n\n```cpp\n"
                + HEADER
                + "```\n\n**vector_add.hip**\n\n```cpp\n#include \"vector_add.h\"\n"
                + "#include <cstdio>\n\n"
                + KERNEL_BODY
                + "```\n",
            HEADER
                + "// #include \"vector_add.h\" (inlined above)\n#include <cstdio>\n\n"
                + KERNEL_BODY,
            "cpp",
            Origin.FENCED,
            2));
    cases.add(
        new Joined(
            "inlines a header named in the fence's info string, included through a directory",
            "```cpp title=\"include/vector_add.hpp\"\n"
                + HEADER
                + "```\n```hip title=\"main.hip\"\n"
                + "#include \"include/vector_add.hpp\"\n"
                + KERNEL_BODY
                + "```\n",
            HEADER + "// #include \"include/vector_add.hpp\" (inlined above)\n" + KERNEL_BODY,
            "hip",
            Origin.FENCED,
            2));
    cases.add(
        new Joined(
            "inlines a header named by its first comment line",
            "```cpp\n// common.h\n#ifndef COMMON_H\n#define COMMON_H\nconstexpr int kBlock = 256;\n#endif\n```\n"
                + "```cpp\n#include <hip/hip_runtime.h>\n#include \"common.h\"\n"
                + KERNEL_BODY
                + "```\n",
            "// common.h\n#ifndef COMMON_H\n#define COMMON_H\nconstexpr int kBlock = 256;\n#endif\n"
                + "#include <hip/hip_runtime.h>\n// #include \"common.h\" (inlined above)\n"
                + KERNEL_BODY,
            "cpp",
            Origin.FENCED,
            2));
    cases.add(
        new Joined(
            "inlines an unnamed header with an include guard into the one local header the next block includes",
            "```cpp\n#ifndef UTIL_H\n#define UTIL_H\ninline int div_up(int a, int b) { return (a + b - 1) / b; }\n#endif\n```\n"
                + "```cpp\n#include <hip/hip_runtime.h>\n#include \"util.h\"\n"
                + KERNEL_BODY
                + "```\n",
            "#ifndef UTIL_H\n#define UTIL_H\ninline int div_up(int a, int b) { return (a + b - 1) / b; }\n#endif\n"
                + "#include <hip/hip_runtime.h>\n// #include \"util.h\" (inlined above)\n"
                + KERNEL_BODY,
            "cpp",
            Origin.FENCED,
            2));
    // Not joined: these must stay one block.
    cases.add(
        oneBlock(
            "does not join a kernel excerpt with the complete program that repeats it",
            "The kernel:\n```cpp\n"
                + KERNEL_BODY
                + "```\nThe complete program:\n```cpp\n"
                + PROGRAM
                + "```\n",
            PROGRAM,
            "cpp"));
    cases.add(
        oneBlock(
            "does not join two complete versions of a program",
            "Naive:\n```cpp\n"
                + PROGRAM
                + "```\nFaster:\n```cpp\n"
                + PRELUDE
                + KERNEL_BODY.replace("vector_add", "vector_add_v2")
                + HOST_MAIN
                + "```\n",
            PRELUDE + KERNEL_BODY.replace("vector_add", "vector_add_v2") + HOST_MAIN,
            "cpp"));
    cases.add(
        oneBlock(
            "does not join a kernel file with a launch snippet after it",
            "```hip\n"
                + PRELUDE
                + KERNEL_BODY
                + "```\nLaunch it with:\n```cpp\nvector_add<<<grid, block>>>(a, b, c, n);\n```\n",
            PRELUDE + KERNEL_BODY,
            "hip"));
    cases.add(
        oneBlock(
            "does not join a block of includes with a block that brings its own includes",
            "```cpp\n#include <hip/hip_runtime.h>\n#include <cstdio>\n```\n```cpp\n"
                + PROGRAM
                + "```\n",
            PROGRAM,
            "cpp"));
    cases.add(
        oneBlock(
            "does not join blocks with a shell block between them",
            "```cpp\n"
                + PRELUDE
                + "```\n```bash\nhipcc x.hip\n```\n```cpp\n"
                + KERNEL_BODY
                + HOST_MAIN
                + "```\n",
            KERNEL_BODY + HOST_MAIN,
            "cpp"));
    cases.add(
        oneBlock(
            "does not inline a header into a block that includes another one",
            "**vector_add.h**\n```cpp\n"
                + HEADER
                + "```\n```cpp\n#include \"other.h\"\n"
                + KERNEL_BODY
                + HOST_MAIN
                + "```\n",
            "#include \"other.h\"\n" + KERNEL_BODY + HOST_MAIN,
            "cpp"));
    // License comments inside a fence weigh as code.
    cases.add(
        oneBlock(
            "takes a small kernel under a long license comment in a bare fence",
            "Here is the file:\n\n```\n" + MIT_LICENSE + "\n" + SMALL_KERNEL + "```\n",
            MIT_LICENSE + "\n" + SMALL_KERNEL,
            ""));
    cases.add(
        oneBlock(
            "takes a license-commented kernel in a bare fence beside a shell block",
            "```bash\nhipcc -c scale.hip\n```\n```\n" + MIT_LICENSE + SMALL_KERNEL + "```\n",
            MIT_LICENSE + SMALL_KERNEL,
            ""));
    return named(cases);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("joinedAnswers")
  void joinsOnlyBlocksThatFormOneFile(Joined c) {
    ExtractedCode result = CodeExtractor.extract(c.response());

    assertFound(new Found(c.name(), c.response(), c.code(), c.language(), c.origin()), result);
    assertEquals(c.blocks(), result.blocks());
  }

  @Test
  void licenseCommentLinesWeighAsCodeOnlyInsideAFence() {
    // Unfenced, the same text stays prose-heavy: the whole answer is not taken as a file.
    String prose =
        "I cannot share the kernel. The license says:\n"
            + MIT_LICENSE.replace("/*\n", "").replace("*/\n", "")
            + "__global__ void k() { x(); }\n";
    assertFalse(CodeExtractor.extract(prose).isPresent());
    // A bare fence of license text with no code is still no code.
    ExtractedCode onlyLicense = CodeExtractor.extract("```\n" + MIT_LICENSE + "```\n");
    assertFalse(onlyLicense.isPresent());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("extractions")
  void extractsExactlyTheExpectedCode(Found c) {
    assertFound(c, CodeExtractor.extract(c.response()));
  }

  private static void assertFound(Found expected, ExtractedCode result) {
    assertTrue(result.isPresent(), () -> "expected code, got " + result);
    assertEquals(expected.code(), result.code());
    assertEquals(expected.language(), result.language());
    assertEquals(expected.origin(), result.origin());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void reportsNoCodeWithAReason(NoCode c) {
    ExtractedCode result = CodeExtractor.extract(c.response());

    assertFalse(result.isPresent(), () -> "expected no code, got " + result);
    assertEquals(ExtractedCode.NO_CODE, result.failureCategory());
    assertTrue(
        result.reason().contains(c.reasonPart()),
        () -> "reason '" + result.reason() + "' should contain '" + c.reasonPart() + "'");
  }

  @Test
  void findsTheKernelAtTheEndOfAOneMegabyteResponse() {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 1_000_000) {
      sb.append("Prose with `inline` code, a ~tilde~ and `` double `` backticks. ");
      sb.append("```not a fence because it is mid line\n");
    }
    String response = sb + "```hip\n" + KERNEL + "```\n";

    ExtractedCode result =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> CodeExtractor.extract(response));

    assertEquals(KERNEL, result.code());
  }

  @Test
  void survivesOneMegabyteOfPathologicalFences() {
    List<String> hostile =
        List.of(
            "`".repeat(1_000_000),
            "~".repeat(1_000_000),
            "```\n".repeat(250_000),
            "```cpp\nx\n".repeat(100_000),
            "   ```a`\n".repeat(100_000),
            " ".repeat(1_000_000) + "```",
            "```cpp\n" + " ".repeat(1_000_000) + "```x",
            "```cpp\n" + "\t".repeat(500_000) + "```" + "\n",
            "\r".repeat(1_000_000),
            "{;#include\n".repeat(100_000));

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          for (String response : hostile) {
            ExtractedCode result = CodeExtractor.extract(response);
            assertWellFormed(result);
          }
        });
  }

  @Test
  void neverThrowsOnRandomFenceSoup() {
    String[] tokens = {
      "```",
      "~~~",
      "````",
      "`",
      "~",
      "\n",
      "\r",
      "\r\n",
      " ",
      "   ",
      "    ",
      "\t",
      "cpp",
      "hip",
      "bash",
      "{.cpp}",
      "x.hip",
      "__global__",
      "{",
      "}",
      ";",
      "#include",
      "<<<",
      "hipMalloc",
      "é",
      "🚀",
      "int main",
      "prose words"
    };
    Random random = new Random(42);
    for (int round = 0; round < 50_000; round++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(40);
      for (int t = 0; t < length; t++) {
        sb.append(tokens[random.nextInt(tokens.length)]);
      }
      String response = sb.toString();
      ExtractedCode result;
      try {
        result = CodeExtractor.extract(response);
      } catch (RuntimeException e) {
        throw new AssertionError("threw on " + escape(response), e);
      }
      assertWellFormed(result);
    }
  }

  @Test
  void failedExtractionRefusesToGiveCode() {
    ExtractedCode failure = CodeExtractor.extract("just prose");

    assertThrows(IllegalStateException.class, failure::code);
    assertThrows(IllegalStateException.class, failure::language);
    assertThrows(IllegalStateException.class, failure::origin);
  }

  @Test
  void successfulExtractionRefusesToGiveAFailure() {
    ExtractedCode success = CodeExtractor.extract("```cpp\nint a;\n```");

    assertThrows(IllegalStateException.class, success::failureCategory);
    assertThrows(IllegalStateException.class, success::reason);
    assertEquals(ExtractedCode.of("int a;\n", "cpp", Origin.FENCED), success);
  }

  /**
   * The output contract: LF only, newline-terminated, never blank; failures always have a reason.
   */
  private static void assertWellFormed(ExtractedCode result) {
    if (result.isPresent()) {
      String code = result.code();
      assertFalse(code.isBlank(), "code must not be blank");
      assertTrue(code.endsWith("\n"), "code must end with a newline");
      assertFalse(code.indexOf('\r') >= 0, "code must not contain CR");
    } else {
      assertEquals(ExtractedCode.NO_CODE, result.failureCategory());
      assertFalse(result.reason().isEmpty());
    }
  }

  private static String escape(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
  }
}
