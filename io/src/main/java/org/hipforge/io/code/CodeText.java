package org.hipforge.io.code;

/**
 * Character-level helpers the extractor's classes share: line ends, blanks, bounded searches and
 * the one copy of a block's text with {@code \n} line endings. Stateless.
 */
final class CodeText {
  private static final String[] HEADER_EXTENSIONS = {
    ".h", ".hpp", ".hh", ".hxx", ".cuh", ".inl", ".inc"
  };

  private CodeText() {}

  static boolean isEol(char c) {
    return c == '\n' || c == '\r';
  }

  static boolean isBlankChar(char c) {
    return c == ' ' || c == '\t';
  }

  static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-'
        || c == '.'
        || c == '/';
  }

  /** Whether {@code s[from, to)} ends in a header extension ({@code .h}, {@code .hpp}, ...). */
  static boolean isHeaderName(String s, int from, int to) {
    for (String ext : HEADER_EXTENSIONS) {
      int len = ext.length();
      if (to - from > len && s.regionMatches(true, to - len, ext, 0, len)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first index of {@code w} in {@code s} that lies wholly inside from..to, or -1 (a bounded
   * indexOf).
   */
  static int indexIn(String s, String w, int from, int to) {
    int last = to - w.length();
    for (int i = from; i <= last; i++) {
      if (s.charAt(i) == w.charAt(0) && s.startsWith(w, i)) {
        return i;
      }
    }
    return -1;
  }

  /** The base name of a path: what an include names and a header is called by, compared. */
  static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Whether {@code word} starts at i and ends at or before {@code to}. */
  static boolean at(String s, int i, int to, String word) {
    return i + word.length() <= to && s.startsWith(word, i);
  }

  static int skipBlanks(String s, int from, int to) {
    int i = from;
    while (i < to && isBlankChar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** Where the line holding {@code from} ends (its terminator's index, or the end of s). */
  static int lineEnd(String s, int from) {
    int n = s.length();
    int e = from;
    while (e < n && !isEol(s.charAt(e))) {
      e++;
    }
    return e;
  }

  /** The index after the line terminator at e (\r\n counts as one), or the end of s. */
  static int afterEol(String s, int e) {
    int n = s.length();
    if (e >= n) {
      return n;
    }
    return s.charAt(e) == '\r' && e + 1 < n && s.charAt(e + 1) == '\n' ? e + 2 : e + 1;
  }

  static boolean isBlank(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) > ' ') {
        return false;
      }
    }
    return true;
  }

  /** Copies from..to with \n line endings, up to indent leading spaces removed, ending in \n. */
  static String build(String s, int from, int to, int indent) {
    int cr = s.indexOf('\r', from);
    if (indent == 0 && (cr < 0 || cr >= to)) {
      // The fast path: a closed block already ends with its \n, so this is the one copy.
      return s.charAt(to - 1) == '\n' ? s.substring(from, to) : s.substring(from, to).concat("\n");
    }
    StringBuilder sb = new StringBuilder(to - from + 1);
    int i = from;
    while (i < to) {
      int k = 0;
      while (k < indent && i < to && s.charAt(i) == ' ') {
        i++;
        k++;
      }
      int e = i;
      while (e < to && !isEol(s.charAt(e))) {
        e++;
      }
      sb.append(s, i, e).append('\n');
      i = e < to && s.charAt(e) == '\r' && e + 1 < to && s.charAt(e + 1) == '\n' ? e + 2 : e + 1;
    }
    return sb.toString();
  }
}
