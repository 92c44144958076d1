package org.hipforge.io.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.util.Hex;
import org.hipforge.io.util.SafeFiles;

/**
 * Scans a directory of HIP sources into manifest entries, keeping the id of every known name.
 *
 * <p>Ids are dense integers in sorted {@code file_name} order on the first scan; on a re-scan a
 * known name keeps its id and new names get ids after the largest id ever given. Symlinks are never
 * followed out of the source directory, symlinked directories are not entered (no cycles), and
 * unreadable files are skipped; each skip is reported with its reason. A name that may not enter
 * the manifest ({@link FileNames#inputProblem}: control characters, a leading '-', bytes that are
 * not UTF-8) is skipped too, reported escaped, so no call is ever paid for it. Files are resolved
 * by {@link SafeFiles}, the rule every command opens them by.
 */
public final class ManifestScanner {
  /** Default file-name patterns of HIP sources and the headers they include. */
  public static final List<String> DEFAULT_PATTERNS =
      List.of("*.hip", "*.cpp", "*.cu", "*.h", "*.hpp");

  private final List<PathMatcher> matchers;
  private final List<String> patterns;

  public ManifestScanner(List<String> patterns) {
    if (patterns == null || patterns.isEmpty()) {
      throw new IllegalArgumentException("patterns must not be empty, was " + patterns);
    }
    this.patterns = List.copyOf(patterns);
    this.matchers = new ArrayList<>();
    for (String p : patterns) {
      if (p.isBlank()) {
        throw new IllegalArgumentException("patterns must not hold a blank pattern: " + patterns);
      }
      matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + p.trim()));
    }
  }

  /**
   * What a scan found: the new manifest, what it skipped and why, and what changed.
   *
   * @param entries the new manifest, in id order
   * @param skipped each file left out, with why
   * @param added how many files are new since the previous manifest
   * @param changed how many kept their id but changed
   * @param removed the file names of the previous manifest that are gone
   */
  public record Result(
      List<ManifestEntry> entries,
      List<String> skipped,
      int added,
      int changed,
      List<String> removed) {}

  /**
   * Scans {@code sourceDir}; {@code previous} is the current manifest (empty on the first scan).
   */
  public Result scan(Path sourceDir, Collection<ManifestEntry> previous) throws IOException {
    if (!Files.isDirectory(sourceDir)) {
      throw new IOException("source directory does not exist or is not a directory: " + sourceDir);
    }
    Path root = sourceDir.toRealPath();
    TreeMap<String, Path> found = new TreeMap<>();
    List<String> skipped = new ArrayList<>();
    Files.walkFileTree(
        root,
        EnumSet.noneOf(FileVisitOption.class),
        Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String rel = FileNames.escape(relativeName(root, file));
            // Without FOLLOW_LINKS a symlinked directory arrives here, never in preVisitDirectory.
            if (attrs.isSymbolicLink() && Files.isDirectory(file)) {
              skipped.add(rel + "/: symlinked directory, not followed");
              return FileVisitResult.CONTINUE;
            }
            if (!matches(file)) {
              return FileVisitResult.CONTINUE;
            }
            String problem = nameProblem(root, file, rel);
            if (problem != null) {
              skipped.add(problem);
              return FileVisitResult.CONTINUE;
            }
            Path real = file;
            try {
              // The walk enters no symlinked directory, so a plain regular file here is inside the
              // root already; anything else goes through the rule every command opens files by.
              if (attrs.isSymbolicLink() || !attrs.isRegularFile()) {
                real = SafeFiles.resolve(root, rel);
              }
            } catch (SafeFiles.Refused r) {
              skipped.add(
                  rel
                      + ": "
                      + (r.getMessage().contains("broken symlink")
                          ? "broken symlink"
                          : r.getMessage()));
              return FileVisitResult.CONTINUE;
            } catch (IOException e) {
              skipped.add(rel + ": cannot be read (" + e.getClass().getSimpleName() + ")");
              return FileVisitResult.CONTINUE;
            }
            if (!Files.isReadable(real)) {
              skipped.add(rel + ": not readable");
              return FileVisitResult.CONTINUE;
            }
            found.put(rel, real);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            skipped.add(
                FileNames.escape(relativeName(root, file))
                    + ": cannot be read ("
                    + exc.getClass().getSimpleName()
                    + ")");
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (!dir.equals(root) && Files.isSymbolicLink(dir)) {
              skipped.add(
                  FileNames.escape(relativeName(root, dir))
                      + "/: symlinked directory, not followed");
              return FileVisitResult.SKIP_SUBTREE;
            }
            return FileVisitResult.CONTINUE;
          }
        });

    Map<String, ManifestEntry> known = new HashMap<>();
    long nextId = 0;
    for (ManifestEntry e : previous) {
      known.put(e.fileName(), e);
      nextId = Math.max(nextId, e.id() + 1);
    }
    List<ManifestEntry> entries = new ArrayList<>(found.size());
    int added = 0;
    int changed = 0;
    for (Map.Entry<String, Path> f : found.entrySet()) {
      String name = f.getKey();
      long bytes;
      String sha;
      try {
        bytes = Files.size(f.getValue());
        sha = sha256(f.getValue());
      } catch (IOException e) {
        skipped.add(name + ": cannot be read (" + e.getMessage() + ")");
        continue;
      }
      ManifestEntry old = known.remove(name);
      long id;
      if (old != null) {
        id = old.id();
        if (old.sha256() != null && !old.sha256().equals(sha)) {
          changed++;
        }
      } else {
        id = nextId++;
        added++;
      }
      entries.add(new ManifestEntry(id, name, bytes, sha));
    }
    List<String> removed = new ArrayList<>(known.keySet());
    removed.sort(null);
    entries.sort((a, b) -> Long.compare(a.id(), b.id()));
    return new Result(entries, skipped, added, changed, removed);
  }

  public List<String> patterns() {
    return patterns;
  }

  private boolean matches(Path file) {
    Path name = file.getFileName();
    for (PathMatcher m : matchers) {
      if (m.matches(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why {@code file} may not enter the manifest ({@link FileNames#inputProblem}), as a report line
   * naming it (escaped, with undecodable bytes as {@code \\xNN}), or null when it may.
   */
  static String nameProblem(Path root, Path file, String escapedRel) {
    String rel = relativeName(root, file);
    String problem = FileNames.inputProblem(rel);
    // The JDK decodes names with sun.jnu.encoding; bytes it cannot decode do not come back from
    // the text, so the name could never be opened again from the manifest.
    if (problem == null && !root.resolve(rel).equals(file)) {
      problem = "it holds bytes that are not valid UTF-8";
    }
    if (problem == null) {
      return null;
    }
    String shown = problem.contains("UTF-8") ? rawName(root, file) : escapedRel;
    return shown + ": " + problem + "; not in the manifest (rename the file to include it)";
  }

  /** The name's bytes as they are on disk: printable ASCII as is, every other byte as \\xNN. */
  static String rawName(Path root, Path file) {
    // A Unix path's URI percent-escapes its raw bytes, the only public view of them.
    String all = file.toUri().getRawPath();
    String base = root.toUri().getRawPath();
    String rel = all.startsWith(base) ? all.substring(base.length()) : all;
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < rel.length(); i++) {
      char c = rel.charAt(i);
      int v = c;
      if (c == '%' && i + 2 < rel.length()) {
        v = Integer.parseInt(rel.substring(i + 1, i + 3), 16);
        i += 2;
      }
      if (v >= 0x20 && v < 0x7f && v != '\\') {
        b.append((char) v);
      } else {
        b.append(String.format("\\x%02X", v));
      }
    }
    return b.toString();
  }

  private static String relativeName(Path root, Path file) {
    return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  /** Hex SHA-256 of a file's bytes, streamed. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = Hex.sha256Digest();
    byte[] buf = new byte[1 << 16];
    // The scan passes the real path SafeFiles checked; a symlink swapped in since fails the open.
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return Hex.of(md.digest());
  }
}
