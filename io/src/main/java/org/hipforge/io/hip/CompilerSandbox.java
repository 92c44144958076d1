package org.hipforge.io.hip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a compile of untrusted code may read, and how long it may run, enforced outside the JVM.
 *
 * <p><b>Files.</b> A direct-mode pass gets {@code -ivfsoverlay} with a virtual file system that
 * shows only the allowed roots (the job's system and HIP include directories, the clang resource
 * directory, the device bitcode directory, the PCH cache and the file's private temp dir) and
 * nothing else ({@code 'fallthrough': false}): every lookup clang makes — {@code #include}, {@code
 * __has_include}, {@code #pragma GCC dependency}, a {@code _Pragma} built by macros — finds any
 * other path "not found", whether it exists or not, so an answer can neither read a file outside
 * the roots nor learn whether it exists. Each pass also writes clang's dependency list ({@code
 * -dependency-file}, system headers included), and {@link #outsideRoots} checks it before the
 * verdict counts: a file outside the roots makes the verdict {@code unsafe_include}. The text check
 * in {@link HipSourceScanner} refuses the obvious forms earlier, without starting a compiler.
 *
 * <p><b>Processes.</b> {@link #limited} prefixes a plainly started compiler with {@code setsid}
 * (its own process group), {@code setpriv --pdeathsig KILL} (it dies when the thread that started
 * it, and so the JVM, dies, {@code kill -9} included) and {@code prlimit --cpu} (a CPU limit the
 * kernel enforces). Fork-server passes get the same three from the server (see {@link ForkServer}).
 *
 * @param roots the directories a pass may read besides a compile's own temp dir
 */
record CompilerSandbox(List<Path> roots) {

  /** Name of the overlay file in the private temp dir. */
  static final String OVERLAY = ".hipforge-vfs.yaml";

  /** Directory-valued cc1 flags whose directories a pass may read. */
  private static final Set<String> DIR_FLAGS =
      Set.of(
          "-internal-isystem",
          "-internal-externc-isystem",
          "-isystem",
          "-idirafter",
          "-iquote",
          "-I",
          "-resource-dir",
          "-isysroot");

  private static final List<String> LIMIT_TOOLS = List.of("setsid", "setpriv", "prlimit");

  /** Absolute paths of setsid, setpriv and prlimit, or null when one is missing. */
  private static final List<String> TOOLS = findTools();

  /**
   * The roots of {@code jobs} (their include and resource directories, and the directories of the
   * bitcode files they link) plus {@code pchDir}; directories that do not exist are left out and a
   * root inside another is folded into it.
   */
  static CompilerSandbox forJobs(Collection<Cc1Job> jobs, Path pchDir) {
    Set<Path> found = new TreeSet<>();
    for (Cc1Job j : jobs) {
      List<String> a = j.args();
      for (int i = 0; i < a.size(); i++) {
        String f = a.get(i);
        String value = null;
        if (DIR_FLAGS.contains(f) && i + 1 < a.size()) {
          value = a.get(++i);
        } else if (f.equals("-mlink-builtin-bitcode") && i + 1 < a.size()) {
          Path parent = Paths.get(a.get(++i)).getParent();
          value = parent == null ? null : parent.toString();
        } else if (f.startsWith("-I") && f.length() > 2) {
          value = f.substring(2);
        }
        if (value != null && value.startsWith("/")) {
          addSpellings(found, Paths.get(value));
        }
      }
    }
    if (pchDir != null) {
      addSpellings(found, pchDir);
    }
    List<Path> roots = new ArrayList<>();
    for (Path p : found) { // sorted, so a parent comes before what is inside it
      if (!Files.isDirectory(p) || roots.stream().anyMatch(p::startsWith)) {
        continue;
      }
      roots.add(p);
    }
    return new CompilerSandbox(List.copyOf(roots));
  }

  /**
   * Writes the overlay for a compile in {@code dir} (its roots plus {@code dir}) into {@code dir}
   * and returns its path.
   */
  Path writeOverlay(Path dir) throws IOException {
    StringBuilder y = new StringBuilder(256 + 120 * roots.size());
    y.append("{ 'version': 0, 'fallthrough': false, 'case-sensitive': true, 'roots': [\n");
    Set<Path> own = new TreeSet<>();
    addSpellings(own, dir);
    List<Path> all = new ArrayList<>(roots);
    all.addAll(own);
    for (int i = 0; i < all.size(); i++) {
      String q = yamlQuoted(all.get(i).toString());
      y.append("  { 'name': ")
          .append(q)
          .append(", 'type': 'directory-remap', 'external-contents': ")
          .append(q)
          .append(" }")
          .append(i + 1 < all.size() ? ",\n" : "\n");
    }
    y.append("] }\n");
    Path f = dir.resolve(OVERLAY);
    Files.writeString(f, y, StandardCharsets.UTF_8);
    return f;
  }

  /**
   * The first file in the dependency list {@code depFile} (clang's make format) that lies outside
   * the roots and {@code dir}; relative names are relative to {@code dir}. Empty when all are
   * inside; a missing or unreadable list counts as outside (the guard must not fail open).
   */
  Optional<String> outsideRoots(Path depFile, Path dir) {
    String text;
    try {
      text = Files.readString(depFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.of(
          "no dependency list from the compiler (" + e.getClass().getSimpleName() + ")");
    }
    Set<Path> own = new TreeSet<>();
    addSpellings(own, dir);
    Path base = dir.toAbsolutePath().normalize();
    for (String name : depNames(text)) {
      Path p = base.resolve(name).normalize();
      if (own.stream().anyMatch(p::startsWith) || roots.stream().anyMatch(p::startsWith)) {
        continue;
      }
      return Optional.of(name);
    }
    return Optional.empty();
  }

  /** The file names of a make-format dependency list, after the first target's colon. */
  static List<String> depNames(String text) {
    List<String> out = new ArrayList<>();
    int colon = text.indexOf(": ");
    if (colon < 0) {
      colon = text.indexOf(":\n");
    }
    if (colon < 0) {
      return out;
    }
    StringBuilder cur = new StringBuilder();
    for (int i = colon + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        char n = text.charAt(i + 1);
        if (n == '\n') {
          i++;
          c = ' ';
        } else if (n == ' ' || n == '#' || n == '\\') {
          cur.append(n);
          i++;
          continue;
        }
      } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
        cur.append('$');
        i++;
        continue;
      }
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        if (cur.length() > 0) {
          out.add(cur.toString());
          cur.setLength(0);
        }
      } else {
        cur.append(c);
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /**
   * {@code argv} run in its own process group, killed when the starting thread (the JVM) dies and
   * limited to {@code cpuSeconds} of CPU; {@code argv} unchanged when the tools are missing.
   */
  static List<String> limited(List<String> argv, long cpuSeconds) {
    if (TOOLS == null) {
      return argv;
    }
    long s = Math.max(1, cpuSeconds);
    List<String> out = new ArrayList<>(argv.size() + 8);
    out.add(TOOLS.get(0));
    out.add(TOOLS.get(1));
    out.add("--pdeathsig");
    out.add("KILL");
    out.add("--");
    out.add(TOOLS.get(2));
    out.add("--cpu=" + s + ":" + (s + 1));
    out.add("--");
    out.addAll(argv);
    return out;
  }

  /** Whole seconds of CPU for a compile with this wall-clock timeout (never less than it). */
  static long cpuSeconds(Duration timeout) {
    return Math.max(1, (timeout.toMillis() + 999) / 1000);
  }

  /**
   * The path as clang may spell it: lexically normalized (as given in flags) and, when it differs,
   * its real path (as clang's working directory resolves relative names).
   */
  private static void addSpellings(Set<Path> into, Path p) {
    Path abs = p.toAbsolutePath().normalize();
    into.add(abs);
    try {
      into.add(abs.toRealPath());
    } catch (IOException ignored) {
      // Does not exist: the lexical spelling is all there is (and forJobs drops it).
    }
  }

  private static String yamlQuoted(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private static List<String> findTools() {
    List<String> out = new ArrayList<>();
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String tool : LIMIT_TOOLS) {
      String hit = null;
      for (String d : (path + ":/usr/bin:/bin").split(":")) {
        if (!d.isEmpty() && Files.isExecutable(Paths.get(d, tool))) {
          hit = Paths.get(d, tool).toString();
          break;
        }
      }
      if (hit == null) {
        return null;
      }
      out.add(hit);
    }
    return List.copyOf(out);
  }
}
