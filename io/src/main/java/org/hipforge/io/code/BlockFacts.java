package org.hipforge.io.code;

import static org.hipforge.io.code.CodeText.baseName;
import static org.hipforge.io.code.CodeText.indexIn;
import static org.hipforge.io.code.CodeText.isBlankChar;
import static org.hipforge.io.code.CodeText.isEol;
import static org.hipforge.io.code.CodeText.isHeaderName;
import static org.hipforge.io.code.CodeText.isPathChar;

import java.util.Arrays;

/**
 * What joining needs to know about one block, from one pass over its lines: whether it includes,
 * defines {@code main} or a kernel, has an include guard, its first code line, and its local
 * includes. Made ({@link BlockJoiner}) only for answers with several blocks.
 */
final class BlockFacts {
  boolean include;
  boolean main;
  boolean kernel;
  boolean guard;
  int firstLineFrom = -1;
  int firstLineTo = -1;

  /** The local includes ({@code #include "x"}): ranges of x. */
  int[] locals = new int[0];

  /** Set when this block is joined after a header: the include name of that header. */
  String inlinedHeader;

  /** Reads the preprocessor line at {@code a} (at its '#'); returns its end. */
  int directive(String s, int a, int to) {
    int e = a;
    while (e < to && !isEol(s.charAt(e))) {
      e++;
    }
    int d = a + 1;
    while (d < e && isBlankChar(s.charAt(d))) {
      d++;
    }
    if (s.startsWith("include", d) && d + 7 <= e) {
      include = true;
      int q = d + 7;
      while (q < e && isBlankChar(s.charAt(q))) {
        q++;
      }
      if (q < e && s.charAt(q) == '"') {
        int q2 = q + 1;
        while (q2 < e && s.charAt(q2) != '"') {
          q2++;
        }
        if (q2 < e && q2 > q + 1) {
          locals = Arrays.copyOf(locals, locals.length + 2);
          locals[locals.length - 2] = q + 1;
          locals[locals.length - 1] = q2;
        }
      }
    } else if (s.startsWith("ifndef", d) && d + 6 <= e
        || s.startsWith("pragma", d) && indexIn(s, "once", d + 6, e) >= 0) {
      guard = true;
    }
    return e;
  }

  /** "main" at m is a function being defined: {@code int main(}, {@code auto main (}, ... */
  static boolean isMainAt(String s, int m, int z) {
    int p = m + 4;
    while (p < z && isBlankChar(s.charAt(p))) {
      p++;
    }
    if (p >= z || s.charAt(p) != '(') {
      return false;
    }
    int b = m;
    while (b > 0 && isBlankChar(s.charAt(b - 1))) {
      b--;
    }
    if (b == m) {
      return false; // "xmain(" or "(main(": not a definition of main
    }
    for (String type : new String[] {"int", "void", "auto"}) {
      int t = b - type.length();
      if (t >= 0 && s.startsWith(type, t) && (t == 0 || !isPathChar(s.charAt(t - 1)))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The name this block includes the header by: the local include whose base name is {@code
   * name}'s, or with no name known the only local include of a header; null when there is none.
   */
  String localInclude(String s, String name) {
    String only = null;
    int headers = 0;
    for (int k = 0; k < locals.length; k += 2) {
      String inc = s.substring(locals[k], locals[k + 1]);
      if (name != null && baseName(inc).equals(baseName(name))) {
        return inc;
      }
      if (isHeaderName(inc, 0, inc.length())) {
        headers++;
        only = inc;
      }
    }
    return name == null && headers == 1 ? only : null;
  }
}
