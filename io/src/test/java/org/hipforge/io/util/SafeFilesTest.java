package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeFilesTest {
  @TempDir Path tmp;

  private Path root() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("sub/k.hip"), "kernel", StandardCharsets.UTF_8);
    Files.writeString(tmp.resolve("secret.h"), "secret", StandardCharsets.UTF_8);
    return root;
  }

  private static String category(Path root, String name, long max, String sha) {
    return assertThrows(SafeFiles.Refused.class, () -> SafeFiles.read(root, name, max, sha))
        .category;
  }

  @Test
  void aFileInsideTheRootIsReadAndItsRecordedHashIsChecked() throws Exception {
    Path root = root();
    byte[] b =
        SafeFiles.read(
            root, "sub/k.hip", 100, Hex.sha256("kernel".getBytes(StandardCharsets.UTF_8)));
    assertThat(new String(b, StandardCharsets.UTF_8), is("kernel"));
    assertThat(
        category(root, "sub/k.hip", 100, Hex.sha256("other".getBytes(StandardCharsets.UTF_8))),
        is(SafeFiles.CHANGED));
  }

  @Test
  void aSymlinkLeavingTheRootIsRefusedWhetherAbsoluteOrRelative() throws Exception {
    Path root = root();
    Files.createSymbolicLink(root.resolve("abs.hip"), tmp.resolve("secret.h"));
    Files.createSymbolicLink(root.resolve("sub/rel.hip"), Path.of("../../secret.h"));
    assertThat(category(root, "abs.hip", 100, null), is(SafeFiles.UNSAFE_PATH));
    assertThat(category(root, "sub/rel.hip", 100, null), is(SafeFiles.UNSAFE_PATH));
  }

  @Test
  void aSymlinkedDirectoryLeavingTheRootIsRefusedForReadingAndWriting() throws Exception {
    Path root = root();
    Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(tmp.resolve("elsewhere/x.hip"), "x");
    Files.createSymbolicLink(root.resolve("out"), tmp.resolve("elsewhere"));
    assertThat(category(root, "out/x.hip", 100, null), is(SafeFiles.UNSAFE_PATH));
    SafeFiles.Refused w =
        assertThrows(SafeFiles.Refused.class, () -> SafeFiles.forWriting(root, "out/y.hip"));
    assertThat(w.category, is(SafeFiles.UNSAFE_PATH));
    assertThat(Files.exists(tmp.resolve("elsewhere/y.hip")), is(false));
    assertThat(
        SafeFiles.forWriting(root, "new/dir/z.hip"),
        is(root.toRealPath().resolve("new/dir/z.hip")));
  }

  @Test
  void aSymlinkStayingInsideTheRootIsFollowed() throws Exception {
    Path root = root();
    Files.createSymbolicLink(root.resolve("alias.hip"), Path.of("sub/k.hip"));
    assertThat(
        new String(SafeFiles.read(root, "alias.hip", 100, null), StandardCharsets.UTF_8),
        is("kernel"));
  }

  @Test
  void missingBrokenSpecialTooLargeAndUnsafeNamesEachHaveTheirCategory() throws Exception {
    Path root = root();
    Files.createSymbolicLink(root.resolve("dangling.hip"), root.resolve("gone.hip"));
    Process fifo = new ProcessBuilder("mkfifo", root.resolve("pipe.hip").toString()).start();
    assertThat(fifo.waitFor(), is(0));
    assertThat(category(root, "gone.hip", 100, null), is(SafeFiles.MISSING));
    assertThat(category(root, "dangling.hip", 100, null), is(SafeFiles.UNSAFE_PATH));
    assertThat(category(root, "pipe.hip", 100, null), is(SafeFiles.UNSAFE_PATH));
    assertThat(category(root, "../secret.h", 100, null), is(SafeFiles.UNSAFE_PATH));
    assertThat(category(root, "/etc/passwd", 100, null), is(SafeFiles.UNSAFE_PATH));
    SafeFiles.Refused big =
        assertThrows(SafeFiles.Refused.class, () -> SafeFiles.read(root, "sub/k.hip", 3, null));
    assertThat(big.category, is(SafeFiles.TOO_LARGE));
    assertThat(big.size, is(6L));
    assertThat(big.getMessage(), containsString("sub/k.hip"));
  }
}
