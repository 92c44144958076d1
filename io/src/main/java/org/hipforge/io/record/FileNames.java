package org.hipforge.io.record;

/**
 * Checks that a {@code file_name} is a safe relative path: '/'-separated, not absolute, no '..'.
 *
 * <p>Every file name that comes from a manifest, a state record or an LLM answer passes through
 * here before it touches a path, so a hostile record can never read or write outside its root.
 */
public final class FileNames {
  /** The longest path segment {@link #inputProblem} lets through: Linux's NAME_MAX. */
  public static final int MAX_SEGMENT = 255;

  /** The longest name {@link #inputProblem} lets through: Linux's PATH_MAX. */
  public static final int MAX_NAME = 4096;

  private FileNames() {}

  /**
   * Returns {@code name} unchanged when it is a safe relative path, else throws with the reason.
   */
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

  /**
   * The reason a name may not enter the manifest or a tool's command line (the HIP compiler's), or
   * null when it may: besides {@link #problem}, a blank name, a control character (a newline, a
   * tab, DEL, C1), a path segment starting with {@code '-'} (a tool would read it as an option),
   * U+FFFD, which is what the JDK makes of bytes that are not valid UTF-8 (such a name cannot be
   * opened again from its text), or a segment or name longer than a filesystem takes ({@value
   * #MAX_SEGMENT} and {@value #MAX_NAME} characters).
   *
   * <p>{@link #problem} alone decides what may be read or written: names recorded before a check
   * here existed stay readable.
   */
  public static String inputProblem(String name) {
    String problem = problem(name);
    if (problem != null) {
      return problem;
    }
    if (name.isBlank()) {
      return "it is blank";
    }
    if (name.length() > MAX_NAME) {
      return "it is longer than " + MAX_NAME + " characters";
    }
    int segment = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\n' || c == '\r') {
        return "it contains a newline";
      }
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        return "it contains a control character";
      }
      if (c == '\uFFFD') {
        return "it holds bytes that are not valid UTF-8";
      }
      if (c == '-' && (i == 0 || name.charAt(i - 1) == '/')) {
        return "a path segment starts with '-' (tools would read it as an option)";
      }
      segment = c == '/' ? 0 : segment + 1;
      if (segment > MAX_SEGMENT) {
        return "a path segment is longer than " + MAX_SEGMENT + " characters";
      }
    }
    return null;
  }

  /**
   * {@code name} printable on one line: control characters as {@code \n}, {@code \t} or {@code
   * \xNN}, backslashes doubled, everything else as is.
   */
  public static String escape(String name) {
    StringBuilder b = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        b.append(String.format("\\x%02X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return "'" + shown.replace("\0", "\\0") + "'";
  }
}
