package org.hipforge.io.record;

/**
 * Checks that a {@code file_name} is a safe relative path: '/'-separated, not absolute, no '..'.
 *
 * <p>Every file name that comes from a manifest, a state record or an LLM answer passes through
 * here before it touches a path, so a hostile record can never read or write outside its root.
 */
public final class FileNames {
  private FileNames() {}

  /** Returns {@code name} unchanged when it is a safe relative path, else throws with the reason. */
  public static String requireSafe(String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new IllegalArgumentException("unsafe file_name " + quote(name) + ": " + problem);
    }
    return name;
  }

  /** True when {@code name} is a safe relative path. */
  public static boolean isSafe(String name) {
    return problem(name) == null;
  }

  /** The reason {@code name} is unsafe, or null when it is safe. */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "it is empty";
    }
    if (name.indexOf('\0') >= 0) {
      return "it contains a NUL character";
    }
    if (name.indexOf('\\') >= 0) {
      return "it contains '\\' (use '/' separators)";
    }
    if (name.startsWith("/")) {
      return "it is absolute";
    }
    if (name.length() >= 2 && name.charAt(1) == ':') {
      return "it is absolute (drive letter)";
    }
    // Segment by segment without substrings: this runs for every manifest and state line read.
    int start = 0;
    int n = name.length();
    while (true) {
      int slash = name.indexOf('/', start);
      int end = slash < 0 ? n : slash;
      int len = end - start;
      if (len == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
        return "it climbs out of its root with '..'";
      }
      if (len == 0 || (len == 1 && name.charAt(start) == '.')) {
        return "it has an empty or '.' path segment";
      }
      if (slash < 0) {
        break;
      }
      start = slash + 1;
    }
    return null;
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return "'" + shown.replace("\0", "\\0") + "'";
  }
}
