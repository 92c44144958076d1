package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The include tricks of issue 11 against the real compiler: an answer can make clang read no file
 * outside the system/HIP include directories and its private temp dir, and cannot learn whether
 * such a file exists (an existing and a missing secret give the same verdict). The tricks the text
 * check refuses before any compiler starts are {@link HipSourceScannerTest}'s (no hipcc needed).
 */
class IncludeSandboxTest {

  private static final String KERNEL =
      "\n#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n";

  private static final String MACROS = HipSourceScannerTest.MACROS;

  @TempDir static Path pchDir;
  @TempDir static Path outside;

  private static HipCompiler direct;
  private static String secret;
  private static String missing;

  @BeforeAll
  static void setUp() throws Exception {
    Optional<HipToolchain> found = HipToolchain.detect();
    Assumptions.assumeTrue(found.isPresent(), "no hipcc installed; " + HipToolchain.INSTALL_HINT);
    direct =
        HipCompiler.create(
            found.get(), HipCompilerConfig.defaults().with(c -> c.pchCacheDir = pchDir));
    direct.prepare();
    Path s = outside.resolve("secret.h");
    Files.writeString(s, "#error SECRET_CONTENT_WAS_READ\nint secret_value = 42;\n");
    secret = s.toString();
    missing = outside.resolve("no-such-file.h").toString();
  }

  @AfterAll
  static void tearDown() {
    if (direct != null) {
      direct.close();
    }
  }

  /**
   * Tricks the text check cannot see (macros build the words); the compiler's sandbox stops them.
   */
  private static final List<String> PAST_THE_TEXT_CHECK =
      List.of(
          MACROS + "_Pragma(XS(GCC CAT(depend, ency) \"FILE\"))\n",
          MACROS
              + "#define HAS CAT(__has_, include)\n#if HAS(\"FILE\")\n#error the file exists\n#endif\n",
          MACROS + "#define P(x) CAT(_Pra, gma)(x)\nP(XS(GCC CAT(depend, ency) \"FILE\"))\n");

  @Test
  void tricksPastTheTextCheckCannotReadOrProbeAFileOutsideTheTree() {
    for (String trick : PAST_THE_TEXT_CHECK) {
      assertThat(
          trick,
          HipSourceScanner.findUnsafeInclude(trick.replace("FILE", secret)),
          is(Optional.empty()));

      CompileResult present = direct.compile("evil.hip", trick.replace("FILE", secret) + KERNEL);
      CompileResult absent = direct.compile("evil.hip", trick.replace("FILE", missing) + KERNEL);

      assertThat(trick, present.firstErrors(), not(containsString("SECRET_CONTENT_WAS_READ")));
      assertThat(trick, present.firstErrors(), not(containsString("the file exists")));
      assertThat(trick, present.compiled(), equalTo(absent.compiled()));
      assertThat(
          trick, String.valueOf(present.category()), equalTo(String.valueOf(absent.category())));
      assertThat(
          trick,
          present.firstErrors().replace(secret, "FILE"),
          equalTo(absent.firstErrors().replace(missing, "FILE")));
    }
  }

  @Test
  void theCompilerSeesOnlyTheIncludeDirectoriesThePchCacheAndItsOwnTempDir() {
    // The same file inside the tree compiles: the sandbox hides only what lies outside.
    CompileResult ok =
        direct.compile(
            "ok.hip", MACROS + "_Pragma(XS(GCC CAT(depend, ency) \"ok.hip\"))\n" + KERNEL);

    assertThat(ok.firstErrors(), ok.compiled(), is(true));
  }

  @Test
  void ordinaryPragmasLineDirectivesAndAVariableCalledModuleStillCompile() {
    String code =
        KERNEL
            + "#line 40 \"kernels/saxpy.hip\"\n"
            + "__global__ void u(float* x) {\n  _Pragma(\"unroll\") for (int i = 0; i < 4; ++i) x[i] = 0;\n}\n"
            + "int module = 0;\n#pragma once\n";

    CompileResult r = direct.compile("ok.hip", code);

    assertThat(r.firstErrors(), r.compiled(), is(true));
  }

  @Test
  void aDependencyListNamingAFileOutsideTheRootsIsReported(@TempDir Path dir) throws Exception {
    CompilerSandbox box = CompilerSandbox.forJobs(List.of(), pchDir);
    Path deps = dir.resolve("d.d");
    Files.writeString(
        deps, "hipforge: evil.hip " + pchDir.resolve("a.pch") + " \\\n  " + secret + "\n");

    assertThat(box.outsideRoots(deps, dir), is(Optional.of(secret)));

    Files.writeString(deps, "hipforge: evil.hip sub/x.h " + pchDir.resolve("a\\ b.pch") + "\n");
    assertThat(box.outsideRoots(deps, dir), is(Optional.empty()));
    assertThat(box.outsideRoots(dir.resolve("none.d"), dir).isPresent(), is(true));
  }

  @Test
  void dependencyListsAreSplitLikeMakeReadsThem() {
    assertThat(
        CompilerSandbox.depNames("t: a.hip /usr/x\\ y.h \\\n  /b/c.h$$\n"),
        contains("a.hip", "/usr/x y.h", "/b/c.h$"));
  }
}
