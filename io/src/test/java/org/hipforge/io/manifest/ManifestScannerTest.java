package org.hipforge.io.manifest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hipforge.io.record.ManifestEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestScannerTest {

  @TempDir Path tmp;

  private final ManifestScanner scanner = new ManifestScanner(ManifestScanner.DEFAULT_PATTERNS);

  private Path src() throws IOException {
    return Files.createDirectories(tmp.resolve("src"));
  }

  private static Path put(Path root, String rel, String content) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private static List<String> names(ManifestScanner.Result r) {
    return r.entries().stream().map(ManifestEntry::fileName).collect(Collectors.toList());
  }

  private static Map<String, ManifestEntry> byName(ManifestScanner.Result r) {
    return r.entries().stream()
        .collect(Collectors.toMap(ManifestEntry::fileName, Function.identity()));
  }

  private static String sha256sum(Path file) throws Exception {
    Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS), is(true));
    assertThat(out, p.exitValue(), is(0));
    return out.substring(0, 64);
  }

  @Test
  void firstScanGivesDenseIdsInSortedFileNameOrder() throws Exception {
    Path src = src();
    for (String n : List.of("zeta.hip", "a.hip", "a-b.hip", "a/b.hip", "B.hip", "m/n/o.cpp")) {
      put(src, n, "// " + n + "\n");
    }
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("B.hip", "a-b.hip", "a.hip", "a/b.hip", "m/n/o.cpp", "zeta.hip"));
    for (int i = 0; i < r.entries().size(); i++) {
      assertThat(r.entries().get(i).id(), is((long) i));
    }
    assertThat(r.added(), is(6));
    assertThat(r.changed(), is(0));
    assertThat(r.removed(), is(empty()));
    assertThat(r.skipped(), is(empty()));
  }

  @Test
  void rescanKeepsKnownIdsGivesNewFilesIdsAfterTheMaxAndReportsRemovedAndChanged()
      throws Exception {
    Path src = src();
    put(src, "a.hip", "a");
    put(src, "b.hip", "b");
    put(src, "c.hip", "c");
    put(src, "d.hip", "d");
    ManifestScanner.Result first = scanner.scan(src, List.of());
    Map<String, ManifestEntry> old = byName(first);

    Files.delete(src.resolve("d.hip")); // the one with the largest id
    Files.delete(src.resolve("b.hip"));
    put(src, "c.hip", "c changed");
    put(src, "0-new.hip", "new, sorts first");
    put(src, "e.hip", "e");

    ManifestScanner.Result second = scanner.scan(src, first.entries());
    Map<String, ManifestEntry> now = byName(second);
    assertThat(now.get("a.hip").id(), is(old.get("a.hip").id()));
    assertThat(now.get("c.hip").id(), is(old.get("c.hip").id()));
    assertThat(now.get("0-new.hip").id(), is(4L));
    assertThat(now.get("e.hip").id(), is(5L));
    assertThat(second.added(), is(2));
    assertThat(second.changed(), is(1));
    assertThat(second.removed(), contains("b.hip", "d.hip"));
    assertThat(now.get("c.hip").sha256(), is(not(old.get("c.hip").sha256())));
    assertThat(now.get("c.hip").sha256(), is(sha256sum(src.resolve("c.hip"))));
    assertThat(now.get("c.hip").bytes(), is((long) "c changed".length()));
    assertThat(now.get("a.hip"), is(old.get("a.hip")));
    // entries come out in id order
    assertThat(
        second.entries().stream().map(ManifestEntry::id).collect(Collectors.toList()),
        contains(0L, 2L, 4L, 5L));
  }

  @Test
  void rescanWithNothingChangedReportsNothing() throws Exception {
    Path src = src();
    put(src, "a.hip", "a");
    put(src, "x/y.h", "y");
    ManifestScanner.Result first = scanner.scan(src, List.of());
    ManifestScanner.Result second = scanner.scan(src, first.entries());
    assertThat(second.entries(), is(first.entries()));
    assertThat(second.added(), is(0));
    assertThat(second.changed(), is(0));
    assertThat(second.removed(), is(empty()));
  }

  @Test
  void legacyEntriesWithoutShaKeepTheirIdsAndAreNotCountedAsChanged() throws Exception {
    Path src = src();
    put(src, "a.hip", "a");
    put(src, "b.hip", "b");
    List<ManifestEntry> legacy =
        List.of(new ManifestEntry(10, "b.hip", -1, null), new ManifestEntry(11, "a.hip", -1, null));
    ManifestScanner.Result r = scanner.scan(src, legacy);
    assertThat(byName(r).get("b.hip").id(), is(10L));
    assertThat(byName(r).get("a.hip").id(), is(11L));
    assertThat(byName(r).get("a.hip").bytes(), is(1L));
    assertThat(r.changed(), is(0));
    assertThat(r.added(), is(0));
  }

  @Test
  void defaultPatternsTakeHipCppCuHAndHppOnly() throws Exception {
    Path src = src();
    for (String n :
        List.of(
            "k.hip",
            "k.cpp",
            "k.cu",
            "k.h",
            "k.hpp",
            "k.cuh",
            "k.txt",
            "Makefile",
            "k.hip.bak",
            "k.HIP",
            "sub/deeper/x.hpp")) {
      put(src, n, n);
    }
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(
        names(r), containsInAnyOrder("k.hip", "k.cpp", "k.cu", "k.h", "k.hpp", "sub/deeper/x.hpp"));
    assertThat(scanner.patterns(), is(ManifestScanner.DEFAULT_PATTERNS));
  }

  @Test
  void customPatternsReplaceTheDefaults() throws Exception {
    Path src = src();
    for (String n : List.of("k.hip", "k.cuh", "d/k.cuh", "kernel_1.cl", "notes.txt")) {
      put(src, n, n);
    }
    ManifestScanner custom = new ManifestScanner(List.of("*.cuh", " kernel_?.cl "));
    assertThat(names(custom.scan(src, List.of())), contains("d/k.cuh", "k.cuh", "kernel_1.cl"));
  }

  @Test
  void emptyOrBlankPatternsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ManifestScanner(List.of()));
    assertThrows(IllegalArgumentException.class, () -> new ManifestScanner(null));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new ManifestScanner(List.of("*.hip", " ")));
    assertThat(e.getMessage(), containsString("blank"));
  }

  @Test
  void missingSourceDirectoryIsAnIOExceptionNamingIt() {
    Path missing = tmp.resolve("nope");
    IOException e = assertThrows(IOException.class, () -> scanner.scan(missing, List.of()));
    assertThat(e.getMessage(), containsString(missing.toString()));
  }

  @Test
  void nestedDirectoriesGiveSlashSeparatedRelativeNames() throws Exception {
    Path src = src();
    put(src, "a/b/c/d.hip", "x");
    put(src, "with space/ünï.hip", "x");
    put(src, ".hidden/.dot.hip", "x");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains(".hidden/.dot.hip", "a/b/c/d.hip", "with space/ünï.hip"));
  }

  @Test
  void fileWhoseNameIsUnsafeIsSkippedWithTheReason() throws Exception {
    Path src = src();
    put(src, "ok.hip", "x");
    Files.writeString(src.resolve("bad\\name.hip"), "x");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("ok.hip"));
    assertThat(r.skipped(), contains(startsWith("bad\\name.hip: it contains '\\'")));
  }

  @Test
  void symlinkToAFileOutsideTheSourceDirIsSkippedWithAReason() throws Exception {
    Path src = src();
    put(src, "inside.hip", "in");
    Path secret = put(tmp, "outside/secret.hip", "secret");
    Files.createSymbolicLink(src.resolve("leak.hip"), secret);
    Files.createSymbolicLink(src.resolve("leak-rel.hip"), Path.of("../outside/secret.hip"));
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("inside.hip"));
    assertThat(
        r.skipped(),
        containsInAnyOrder(
            allOf(startsWith("leak.hip: "), containsString("leading outside")),
            allOf(startsWith("leak-rel.hip: "), containsString("leading outside"))));
  }

  @Test
  void symlinkToAFileInsideTheSourceDirIsKeptWithTheTargetsContent() throws Exception {
    Path src = src();
    Path target = put(src, "real/k.hip", "__global__ void k() {}\n");
    Files.createDirectories(src.resolve("alias"));
    Files.createSymbolicLink(src.resolve("alias/k.hip"), Path.of("../real/k.hip"));
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("alias/k.hip", "real/k.hip"));
    ManifestEntry link = byName(r).get("alias/k.hip");
    assertThat(link.sha256(), is(sha256sum(target)));
    assertThat(link.bytes(), is(Files.size(target)));
    assertThat(r.skipped(), is(empty()));
  }

  @Test
  void brokenSymlinkIsSkippedWithAReason() throws Exception {
    Path src = src();
    Files.createSymbolicLink(src.resolve("dangling.hip"), src.resolve("gone.hip"));
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(r.entries(), is(empty()));
    assertThat(r.skipped(), contains("dangling.hip: broken symlink"));
  }

  @Test
  void symlinkedDirectoryIsNotEnteredAndIsReported() throws Exception {
    Path src = src();
    put(src, "real/k.hip", "k");
    put(tmp, "elsewhere/x.hip", "x");
    Files.createSymbolicLink(src.resolve("inner-link"), src.resolve("real"));
    Files.createSymbolicLink(src.resolve("outer-link"), tmp.resolve("elsewhere"));
    Files.createSymbolicLink(src.resolve("real/loop"), src); // a cycle
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("real/k.hip"));
    assertThat(
        r.skipped(),
        containsInAnyOrder(
            "inner-link/: symlinked directory, not followed",
            "outer-link/: symlinked directory, not followed",
            "real/loop/: symlinked directory, not followed"));
  }

  @Test
  void sourceDirGivenThroughASymlinkIsScannedRelativeToItsRealPath() throws Exception {
    Path src = src();
    put(src, "a.hip", "a");
    Path viaLink = Files.createSymbolicLink(tmp.resolve("src-link"), src);
    ManifestScanner.Result r = scanner.scan(viaLink, List.of());
    assertThat(names(r), contains("a.hip"));
    assertThat(r.skipped(), is(empty()));
  }

  @Test
  void unreadableFileIsSkippedWithAReason() throws Exception {
    Path src = src();
    put(src, "ok.hip", "ok");
    Path locked = put(src, "locked.hip", "locked");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    try {
      Assumptions.assumeFalse(
          Files.isReadable(locked),
          "running as root: a chmod 000 file stays readable, nothing to test");
      ManifestScanner.Result r = scanner.scan(src, List.of());
      assertThat(names(r), contains("ok.hip"));
      assertThat(r.skipped(), hasItem(startsWith("locked.hip: not readable")));
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-------"));
    }
  }

  @Test
  void shaEqualsSha256sumAndBytesEqualsTheFileSize() throws Exception {
    Path src = src();
    byte[] big = new byte[300_000]; // more than one 64 KiB read buffer
    new Random(7).nextBytes(big);
    Files.write(src.resolve("big.hip"), big);
    Files.write(src.resolve("empty.h"), new byte[0]);
    put(src, "text.cpp", "int main() { return 0; }\n");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(r.entries().size(), is(3));
    List<String> checked = new ArrayList<>();
    for (ManifestEntry e : r.entries()) {
      Path f = src.resolve(e.fileName());
      assertThat(e.fileName(), e.sha256(), is(sha256sum(f)));
      assertThat(e.fileName(), e.bytes(), is(Files.size(f)));
      assertThat(ManifestScanner.sha256(f), is(e.sha256()));
      checked.add(e.fileName());
    }
    assertThat(
        byName(r).get("empty.h").sha256(),
        is("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assertThat(checked, containsInAnyOrder("big.hip", "empty.h", "text.cpp"));
  }

  /**
   * Creates a file whose name is {@code bashName} as bash's $'...' quoting spells it (raw bytes).
   */
  private static void touchRaw(Path dir, String bashName) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "cd \"$1\" && printf x > $'" + bashName + "'",
                "touch",
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out, p.waitFor(), is(0));
  }

  @Test
  void namesWithANewlineAControlCharacterOrALeadingDashAreRefusedAndReportedEscaped()
      throws Exception {
    Path src = src();
    put(src, "ok.hip", "x");
    put(src, "a-b.hip", "x"); // a dash inside a name is fine
    touchRaw(src, "new\\nline.hip");
    touchRaw(src, "bell\\x07.hip");
    touchRaw(src, "-rf.hip");
    Files.createDirectories(src.resolve("-dir"));
    touchRaw(src.resolve("-dir"), "k.hip");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("a-b.hip", "ok.hip"));
    assertThat(
        r.skipped(),
        containsInAnyOrder(
            startsWith("new\\nline.hip: it contains a newline"),
            startsWith("bell\\x07.hip: it contains a control character"),
            startsWith("-rf.hip: a path segment starts with '-'"),
            startsWith("-dir/k.hip: a path segment starts with '-'")));
    for (String line : r.skipped()) {
      assertThat(line, not(containsString("\n")));
    }
  }

  @Test
  void aLatin1NameIsRefusedNamingItsRawBytesNotReplacedByUFFFD() throws Exception {
    Path src = src();
    put(src, "ok.hip", "x");
    touchRaw(src, "caf\\xe9.hip");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("ok.hip"));
    assertThat(
        r.skipped(), contains(startsWith("caf\\xE9.hip: it holds bytes that are not valid UTF-8")));
    assertThat(r.skipped().get(0), not(containsString("\uFFFD")));
  }

  @Test
  void aValidUtf8NameOutsideAsciiIsKept() throws Exception {
    Path src = src();
    touchRaw(src, "caf\\xc3\\xa9.hip");
    ManifestScanner.Result r = scanner.scan(src, List.of());
    assertThat(names(r), contains("caf\u00e9.hip"));
    assertThat(r.skipped(), is(empty()));
  }
}
