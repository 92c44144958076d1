package org.hipforge.io.code;

/**
 * A C++ source with everything that is not code blanked ({@link #of}), and the identifier tests
 * that read it: what {@link KernelSignatures} walks so that a {@code __global__} in a comment, a
 * string or a {@code #define} is not a kernel. Stateless.
 */
final class CodeOnlyText {
  private CodeOnlyText() {}

  /**
   * The source with comments, string/char literal contents and preprocessor lines replaced by
   * spaces (line breaks kept), so offsets still match the original text.
   */
  static char[] of(String source) {
    char[] s = source.toCharArray();
    int n = s.length;
    int i = 0;
    boolean lineStart = true;
    while (i < n) {
      char c = s[i];
      if (c == '\n') {
        lineStart = true;
        i++;
        continue;
      }
      if (lineStart && c == '#') {
        // A directive, with its backslash continuations.
        while (i < n && s[i] != '\n') {
          if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n') {
            s[i] = ' ';
            i += 2;
            continue;
          }
          if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            break; // a block comment after a directive: handled below
          }
          s[i++] = ' ';
        }
        continue;
      }
      if (c != ' ' && c != '\t' && c != '\r') {
        lineStart = false;
      }
      if (c == '/' && i + 1 < n && s[i + 1] == '/') {
        while (i < n && s[i] != '\n') {
          s[i++] = ' ';
        }
      } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
        s[i++] = ' ';
        s[i++] = ' ';
        while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/')) {
          if (s[i] != '\n') {
            s[i] = ' ';
          }
          i++;
        }
        if (i < n) {
          s[i++] = ' ';
          s[i++] = ' ';
        }
      } else if (c == 'R' && i + 1 < n && s[i + 1] == '"' && (i == 0 || !isIdentPart(s[i - 1]))) {
        i = blankRawString(s, i);
      } else if (c == '"' || (c == '\'' && (i == 0 || !isDigitSeparator(s, i)))) {
        char q = c;
        i++;
        while (i < n && s[i] != q && s[i] != '\n') {
          if (s[i] == '\\' && i + 1 < n) {
            s[i++] = ' ';
          }
          s[i++] = ' ';
        }
        if (i < n && s[i] == q) {
          i++;
        }
      } else {
        i++;
      }
    }
    return s;
  }

  /** A C++14 digit separator ({@code 1'000}), not a character literal. */
  private static boolean isDigitSeparator(char[] s, int i) {
    return i > 0
        && Character.isLetterOrDigit(s[i - 1])
        && i + 1 < s.length
        && Character.isLetterOrDigit(s[i + 1]);
  }

  private static int blankRawString(char[] s, int i) {
    int n = s.length;
    int open = i + 2;
    int paren = open;
    while (paren < n && s[paren] != '(' && paren - open < 16) {
      paren++;
    }
    if (paren >= n || s[paren] != '(') {
      return i + 1;
    }
    String end = ")" + new String(s, open, paren - open) + "\"";
    int j = paren + 1;
    while (j < n && !regionEquals(s, j, Math.min(n, j + end.length()), end)) {
      j++;
    }
    int stop = Math.min(n, j + end.length());
    for (int k = i + 2; k < stop - 1; k++) {
      if (s[k] != '\n') {
        s[k] = ' ';
      }
    }
    return stop;
  }

  static boolean regionEquals(char[] s, int from, int to, String w) {
    if (to - from != w.length()) {
      return false;
    }
    for (int k = 0; k < w.length(); k++) {
      if (s[from + k] != w.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  static boolean isIdentStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean isIdentPart(char c) {
    return isIdentStart(c) || (c >= '0' && c <= '9');
  }
}
