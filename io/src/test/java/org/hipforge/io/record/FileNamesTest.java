package org.hipforge.io.record;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FileNamesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a.hip",
        "kernels/reduce.hip",
        "deep/er/still/ok.cpp",
        "with space.hip",
        "dir with space/file name.hip",
        "ünïcödé/核函数.hip",
        ".hidden.hip",
        ".config/x.h",
        "a..b.hip",
        "..hip",
        "x/...",
        "trailing.",
        "ab:c.hip"
      })
  void safeRelativeNamesAreAcceptedUnchanged(String name) {
    assertThat(FileNames.isSafe(name), is(true));
    assertThat(FileNames.problem(name), is(nullValue()));
    assertThat(FileNames.requireSafe(name), is(name));
  }

  @Test
  void nullAndEmptyNamesAreRefusedAsEmpty() {
    assertThat(FileNames.problem(null), containsString("empty"));
    assertThat(FileNames.problem(""), containsString("empty"));
    assertThat(FileNames.isSafe(null), is(false));
  }

  static Stream<Arguments> unsafeNames() {
    return Stream.of(
        Arguments.of(List.of("/etc/passwd", "/a.hip", "//server/share/a.hip"), "absolute"),
        Arguments.of(List.of("C:/x.hip", "c:x.hip", "Z:"), "drive letter"),
        Arguments.of(
            List.of("..", "../a.hip", "a/../b.hip", "a/b/..", "a/../../etc/passwd"), "'..'"),
        Arguments.of(List.of("a\\b.hip", "..\\..\\x.hip", "C:\\x.hip", "\\\\server\\x"), "'\\'"),
        Arguments.of(List.of("a\0.hip", "\0", "dir/x.hip\0.txt"), "NUL"),
        Arguments.of(
            List.of("a//b.hip", "a/", "./a.hip", "a/./b.hip", "a/.", ".", "dir/"),
            "empty or '.' path segment"));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("unsafeNames")
  void unsafeNamesAreRefusedWithTheirProblemNamed(List<String> names, String problem) {
    for (String name : names) {
      assertThat(name, FileNames.problem(name), containsString(problem));
    }
  }

  @Test
  void requireSafeNamesTheRefusedNameAndTheReason() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FileNames.requireSafe("a/../b.hip"));
    assertThat(e.getMessage(), containsString("'a/../b.hip'"));
    assertThat(e.getMessage(), containsString("'..'"));
  }

  @Test
  void requireSafeShowsNulAsEscapeAndShortensHugeNames() {
    IllegalArgumentException nul =
        assertThrows(IllegalArgumentException.class, () -> FileNames.requireSafe("a\0b"));
    assertThat(nul.getMessage(), containsString("'a\\0b'"));
    assertThat(nul.getMessage().indexOf('\0'), is(-1));

    String huge = "/" + "x".repeat(10_000);
    IllegalArgumentException abs =
        assertThrows(IllegalArgumentException.class, () -> FileNames.requireSafe(huge));
    assertThat(abs.getMessage().length() < 400, is(true));
    assertThat(abs.getMessage(), containsString("..."));
  }

  @Test
  void requireSafeOfNullSaysNull() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FileNames.requireSafe(null));
    assertThat(e.getMessage(), containsString("null"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "new\nline.hip",
        "cr\r.hip",
        "tab\t.hip",
        "bell\u0007.hip",
        "del\u007f.hip",
        "c1\u0085.hip",
        "-rf.hip",
        "dir/-x.hip",
        "caf\uFFFD.hip",
        "../up.hip"
      })
  void namesThatMayNotEnterTheManifestHaveAReason(String name) {
    assertThat(name, FileNames.inputProblem(name) == null, is(false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a-b.hip", "dir/x-.hip", "caf\u00e9.hip", "with space/k.hip", ".hidden/k.hip"})
  void ordinaryNamesMayEnterTheManifest(String name) {
    assertThat(FileNames.inputProblem(name), is(nullValue()));
  }

  @Test
  void escapeKeepsAReportOnOneLine() {
    assertThat(FileNames.escape("a\nb\tc\u0001d\u00e9.hip"), is("a\\nb\\tc\\x01d\u00e9.hip"));
  }
}
