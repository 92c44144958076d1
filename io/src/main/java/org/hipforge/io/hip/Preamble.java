package org.hipforge.io.hip;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The leading run of plain {@code #include} lines of a file: what a precompiled header can stand in
 * for ({@link PchCache}). It errs on the side of a shorter preamble: it stops at the first line
 * that is not blank, a comment or a plain, single-line include.
 *
 * @param code the whole file
 * @param includes the leading includes, in order
 */
record Preamble(String code, List<Include> includes) {

  /** One leading {@code #include} line: the header as written and where the directive sits. */
  record Include(String header, boolean quoted, int start, int end) {}

  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_./+-]*");

  /** The headers in order, each in angle form, e.g. {@code hip/hip_runtime.h}. */
  List<String> headers() {
    List<String> names = new ArrayList<>(includes.size());
    for (Include inc : includes) {
      names.add(inc.header());
    }
    return names;
  }

  /**
   * The code with the first {@code count} include directives overwritten by spaces: those headers
   * come from the precompiled header instead, exactly once and in the same order, and every
   * remaining line and column keeps its position so diagnostics point where they would.
   */
  String withoutFirst(int count) {
    if (count == 0) {
      return code;
    }
    char[] chars = code.toCharArray();
    for (int k = 0; k < count; k++) {
      Include inc = includes.get(k);
      for (int p = inc.start(); p < inc.end(); p++) {
        chars[p] = ' ';
      }
    }
    return new String(chars);
  }

  /**
   * Finds the leading {@code #include} lines of {@code code}: only blank lines, comments and
   * single-line {@code #include <h>} (or {@code "h"} when {@code allowQuoted}) directives, up to
   * the first anything else. {@code ownName} is the file's own relative name; a quoted include of
   * it ends the preamble because only then could the quoted and angle forms find different files.
   */
  static Preamble of(String code, String ownName, boolean allowQuoted) {
    List<Include> found = new ArrayList<>();
    int n = code.length();
    int pos = 0;
    if (n > 0 && code.charAt(0) == '\uFEFF') {
      pos = 1; // clang skips a UTF-8 byte order mark
    }
    boolean inBlock = false;
    scan:
    while (pos < n) {
      int eol = code.indexOf('\n', pos);
      if (eol < 0) {
        eol = n;
      }
      int lineEnd = eol;
      if (lineEnd > pos && code.charAt(lineEnd - 1) == '\r') {
        lineEnd--;
      }
      if (lineEnd > pos && code.charAt(lineEnd - 1) == '\\') {
        break; // a spliced line could be anything; stay simple and exact
      }
      int i = pos;
      boolean sawInclude = false;
      while (true) {
        if (inBlock) {
          int close = code.indexOf("*/", i);
          if (close < 0 || close + 2 > lineEnd) {
            break; // comment continues on the next line
          }
          inBlock = false;
          i = close + 2;
        }
        while (i < lineEnd && (code.charAt(i) == ' ' || code.charAt(i) == '\t')) {
          i++;
        }
        if (i >= lineEnd) {
          break;
        }
        if (code.startsWith("//", i)) {
          break;
        }
        if (code.startsWith("/*", i)) {
          inBlock = true;
          i += 2;
          continue;
        }
        if (sawInclude) {
          // Tokens after the header name belong to the directive (clang warns and ignores
          // them); blanking the directive would turn them into code, so the include is not ours.
          found.remove(found.size() - 1);
          break scan;
        }
        if (code.charAt(i) != '#') {
          break scan;
        }
        Include inc = parseInclude(code, i, lineEnd, ownName, allowQuoted);
        if (inc == null) {
          break scan;
        }
        found.add(inc);
        sawInclude = true;
        i = inc.end();
      }
      pos = eol + 1;
    }
    return new Preamble(code, List.copyOf(found));
  }

  private static Include parseInclude(
      String code, int hash, int lineEnd, String ownName, boolean allowQuoted) {
    int i = hash + 1;
    while (i < lineEnd && (code.charAt(i) == ' ' || code.charAt(i) == '\t')) {
      i++;
    }
    if (!code.startsWith("include", i)) {
      return null;
    }
    i += "include".length();
    while (i < lineEnd && (code.charAt(i) == ' ' || code.charAt(i) == '\t')) {
      i++;
    }
    if (i >= lineEnd) {
      return null;
    }
    char open = code.charAt(i);
    boolean quoted = open == '"';
    if (open != '<' && !quoted) {
      return null;
    }
    if (quoted && !allowQuoted) {
      return null;
    }
    int close = code.indexOf(quoted ? '"' : '>', i + 1);
    if (close < 0 || close >= lineEnd) {
      return null;
    }
    String header = code.substring(i + 1, close);
    if (!HEADER_NAME.matcher(header).matches() || header.contains("..")) {
      return null;
    }
    if (quoted && (header.equals(ownName) || header.equals(baseName(ownName)))) {
      return null;
    }
    return new Include(header, quoted, hash, close + 1);
  }

  private static String baseName(String rel) {
    int slash = rel.lastIndexOf('/');
    return slash < 0 ? rel : rel.substring(slash + 1);
  }
}
