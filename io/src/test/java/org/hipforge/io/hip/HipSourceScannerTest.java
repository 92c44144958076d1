package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The include guard and the preamble in plain Java: these run whether or not hipcc is installed. A
 * compiler whose hipcc does not exist shows that a refused file never reaches a compiler (one that
 * was started would end as {@code toolchain_error}, not {@code unsafe_include}).
 */
class HipSourceScannerTest {

  private static final String KERNEL =
      "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n";

  /** Helpers the macro tricks use (also {@link IncludeSandboxTest}'s). */
  static final String MACROS = "#define S(x) #x\n#define XS(x) S(x)\n#define CAT(a, b) a##b\n";

  /** Nothing is installed at these paths: starting either would fail. */
  private static final HipToolchain NOT_INSTALLED =
      new HipToolchain(
          Path.of("/nonexistent/hipcc"), Path.of("/nonexistent/clang"), "0.0", "no clang");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "#include \"/etc/passwd\"\n",
        "#include <../../x.h>\n",
        "#include \"a/../../b.h\"\n",
        "  #  include\t\"/etc/passwd\"\n",
        "#include /* hidden */ \"/etc/passwd\"\n",
        "#inc\\\nlude \"/etc/passwd\"\n",
        "#define P \"/etc/pas\\\nswd\"\n#include P\n",
        "#define P <hip/hip_runtime.h>\n#include P\n",
        "%:include \"/etc/passwd\"\n",
        "#if __has_include(\"/etc/passwd\")\n#endif\n",
        "#if __has_include_next(</etc/passwd>)\n#endif\n",
        "#include_next </etc/x.h>\n",
        "#pragma GCC dependency \"/etc/passwd\"\n",
        "#embed \"/etc/passwd\"\n",
        "#if defined(__has_embed)\n#if __has_embed(\"/etc/passwd\")\n#endif\n#endif\n",
        "#line 7 \"/etc/passwd\"\n#include \"secret.h\"\n",
        "# 7 \"/etc/passwd\"\n",
        "#pragma include_alias(\"a.h\", \"/etc/passwd\")\n#include \"a.h\"\n",
        "#pragma clang module import secret\n",
        "_Pragma(\"clang module import secret\")\n",
        "#include \"../../../../../../../etc/passwd\"\n",
        "const char* s = \"/*\";\n#include \"/etc/shadow\"\n// */\n",
        "#include <a/*/../../etc/passwd>\n",
        MACROS + "_Pragma(S(GCC dependency \"/etc/passwd\"))\n",
        MACROS + "#include XS(/etc/passwd)\n"
      })
  void includesThatCouldReadOutsideTheCompileDirectoryAreRefusedBeforeAnyCompilerStarts(
      String trick) {
    assertThat(trick, HipSourceScanner.findUnsafeInclude(trick + KERNEL).isPresent(), is(true));

    for (HipCompiler.Mode mode : HipCompiler.Mode.values()) {
      try (HipCompiler hip = notInstalled(mode)) {
        CompileResult r = hip.compile("evil.hip", trick + KERNEL);

        assertThat(trick, r.category(), equalTo(CompileResult.UNSAFE_INCLUDE));
        assertThat(trick, r.compiled(), is(false));
        assertThat(trick, r.firstErrors(), startsWith("evil.hip: "));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "// see ../docs for the math\nconst char* note = \"a/../b\";\n",
        "#line 40 \"kernels/saxpy.hip\"\n",
        "__global__ void u(float* x) {\n  _Pragma(\"unroll\") for (int i = 0; i < 4; ++i) x[i] = 0;\n}\n",
        "int module = 0;\n#pragma once\n",
        "#include \"local/util.h\"\n#include <hip/hip_runtime.h>\n",
        "char c = '\"';\n"
      })
  void ordinaryIncludesPragmasAndLineDirectivesAreNotRefused(String code) {
    assertThat(code, HipSourceScanner.findUnsafeInclude(KERNEL + code), is(Optional.empty()));
  }

  @ParameterizedTest
  @EnumSource(HipCompiler.Mode.class)
  void fileNamesOutsideTheCompileDirectoryAreRejected(HipCompiler.Mode mode) {
    try (HipCompiler hip = notInstalled(mode)) {
      for (String bad :
          List.of("/etc/x.hip", "../x.hip", "a/../../x.hip", "-o.hip", "a//b.hip", "")) {
        assertThrows(IllegalArgumentException.class, () -> hip.compile(bad, KERNEL), bad);
      }
    }
  }

  @Test
  void preambleIsTheLeadingRunOfPlainIncludes() {
    String code =
        "// header comment\n#include <hip/hip_runtime.h>\n/* x */ #include <vector> // y\n"
            + "#include \"local.h\"\n#include <cmath>\n";

    Preamble quotedOff = Preamble.of(code, "k.hip", false);
    Preamble quotedOn = Preamble.of(code, "k.hip", true);

    assertThat(quotedOff.headers(), equalTo(List.of("hip/hip_runtime.h", "vector")));
    assertThat(
        quotedOn.headers(), equalTo(List.of("hip/hip_runtime.h", "vector", "local.h", "cmath")));
    String blanked = quotedOff.withoutFirst(2);
    assertThat(blanked.length(), equalTo(code.length()));
    assertThat(blanked.lines().count(), equalTo(code.lines().count()));
    assertThat(blanked, containsString("/* x */                   // y\n#include \"local.h\""));
  }

  @Test
  void thePreambleEndsAtTokensAfterAHeaderNameASplicedLineOrAQuotedIncludeOfItself() {
    assertThat(
        Preamble.of("#include <vector> int junk;\n", "k.hip", true).headers(), equalTo(List.of()));
    assertThat(
        Preamble.of("#include <vector>\n#include <cm\\\nath>\n", "k.hip", true).headers(),
        equalTo(List.of("vector")));
    assertThat(
        Preamble.of("#include <vector>\n#include \"k.hip\"\n", "src/k.hip", true).headers(),
        equalTo(List.of("vector")));
  }

  private static HipCompiler notInstalled(HipCompiler.Mode mode) {
    return HipCompiler.create(NOT_INSTALLED, HipCompilerConfig.defaults().with(c -> c.mode = mode));
  }
}
