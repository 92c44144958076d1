package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hipforge.io.record.FileNames;
import org.hipforge.io.util.SafeFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compiler's file-name check is {@link FileNames#inputProblem}, the rule for names entering the
 * manifest: the cases where the compiler's own check and {@link FileNames} used to differ, and
 * which behaviour won (no hipcc needed: the name is checked before anything runs).
 */
class CompilerFileNameTest {

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // the compiler accepted these; the manifest never let them in, and now neither does the
        // compiler
        "C:x.hip            | drive letter",
        "a/-x.hip           | starts with '-'",
        "a\uFFFDb.hip       | not valid UTF-8",
        // the compiler refused these; a manifest scan now skips them too
        "'   '              | blank",
        // both refused them before, and still do
        "-o.hip             | starts with '-'",
        "'a\tb.hip'         | control character",
        "../x.hip           | '..'",
      })
  void theCompilerAndTheManifestRefuseTheSameNames(String name, String reason) {
    assertThat(FileNames.inputProblem(name), containsString(reason));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HipCompiler.checkFileName(name));
    assertThat(e.getMessage(), containsString(reason));
  }

  @Test
  void namesLongerThanAFilesystemTakesAreRefusedByBoth() {
    String segment = "s".repeat(FileNames.MAX_SEGMENT + 1) + ".hip";
    String name = "d/".repeat(FileNames.MAX_NAME / 2) + "k.hip";
    assertThat(FileNames.inputProblem(segment), containsString("segment is longer than 255"));
    assertThat(FileNames.inputProblem(name), containsString("longer than 4096"));
    assertThrows(IllegalArgumentException.class, () -> HipCompiler.checkFileName(segment));
    assertThrows(IllegalArgumentException.class, () -> HipCompiler.checkFileName(name));
    assertThat(
        FileNames.inputProblem("s".repeat(FileNames.MAX_SEGMENT) + "/k.hip"), is(nullValue()));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"-o.hip", "'   '", "a/-x.hip"})
  void namesRecordedBeforeTheStricterCheckStayReadable(String name) throws Exception {
    assertThat(FileNames.problem(name), is(nullValue()));
    SafeFiles.requireSafeName(name); // what may be read or written: FileNames.problem alone
  }

  @Test
  void theNameCheckOfAnObjectStoreRootRefusesAsSafeFilesDoes() {
    SafeFiles.Refused r =
        assertThrows(SafeFiles.Refused.class, () -> SafeFiles.requireSafeName("../x.hip"));
    assertThat(r.category, is(SafeFiles.UNSAFE_PATH));
    assertThat(r.getMessage(), containsString("file_name refused: it climbs out of its root"));
  }

  @Test
  void aSafeNameGoesToTheCompilerUnchanged() {
    assertThat(HipCompiler.checkFileName("scan/blelloch.hip"), is("scan/blelloch.hip"));
  }
}
