package org.hipforge.io.code;

import static org.hipforge.io.code.CodeText.at;
import static org.hipforge.io.code.CodeText.isEol;

/**
 * Whether a stretch of an answer is C++ source, and whether it holds a HIP kernel: the extractor's
 * two judgements of a block it has to choose among. Bounded scans of {@code s[from, to)};
 * stateless.
 */
final class CppHeuristics {
  private CppHeuristics() {}

  /** Whether from..to holds a kernel or HIP runtime calls; a bounded scan, blocks never overlap. */
  static boolean holdsKernel(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char ch = s.charAt(i);
      if (ch == '_') {
        if (at(s, i, to, "__global__")) {
          return true;
        }
      } else if (ch == '<') {
        if (at(s, i, to, "<<<")) {
          return true;
        }
      } else if (ch == 'h') {
        if (at(s, i, to, "hipMalloc")
            || at(s, i, to, "hipLaunchKernel")
            || at(s, i, to, "hip/hip_runtime")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether from..to looks like C++ source: a C/C++/HIP marker, braces and semicolons, and no more
   * prose lines than code lines (a line is code if it starts with #, {, }, // or /*, or ends with ;
   * { } ) , > or \). Inside a fence ({@code fenced}) every line of a block comment counts as code
   * too: a long license comment above a small kernel is the file's, not prose around it.
   */
  static boolean looksLikeCpp(String s, int from, int to, boolean fenced) {
    boolean marker = false;
    boolean brace = false;
    boolean semicolon = false;
    boolean inComment = false;
    int commentOpen = -1;
    int codeLines = 0;
    int proseLines = 0;
    int i = from;
    while (i < to) {
      int first = -1;
      int last = -1;
      boolean startsInComment = inComment;
      boolean lineComment = false;
      int e = i;
      for (; e < to; e++) {
        char ch = s.charAt(e);
        if (isEol(ch)) {
          break;
        }
        if (e > i && !lineComment) {
          char prev = s.charAt(e - 1);
          if (!inComment && prev == '/' && ch == '/') {
            lineComment = true;
          } else if (!inComment && prev == '/' && ch == '*') {
            inComment = true;
            commentOpen = e;
          } else if (inComment && prev == '*' && ch == '/' && e - 1 > commentOpen) {
            inComment = false;
          }
        }
        if (ch > ' ') {
          if (first < 0) {
            first = e;
          }
          last = e;
        }
        if (ch == '{') {
          brace = true;
        } else if (ch == ';') {
          semicolon = true;
        } else if (!marker
            && (ch == '#' || ch == '_' || ch == 'i' || ch == 't' || ch == 'h' || ch == 'v')) {
          marker = isMarkerAt(s, e, to);
        }
      }
      if (first >= 0 && fenced && startsInComment) {
        codeLines++;
      } else if (first >= 0) {
        if (isCodeLine(s, first, last)) {
          codeLines++;
        } else if (s.charAt(first) != '*') {
          // A leading * is a block-comment line or a markdown bullet: evidence for neither side.
          proseLines++;
        }
      }
      i = e + 1;
    }
    return marker && brace && semicolon && proseLines <= codeLines;
  }

  /** Whether the line whose first and last non-blank chars are at first, last reads as code. */
  private static boolean isCodeLine(String s, int first, int last) {
    char f = s.charAt(first);
    char l = s.charAt(last);
    boolean comment =
        f == '/' && first + 1 <= last && (s.charAt(first + 1) == '/' || s.charAt(first + 1) == '*');
    return f == '#' || f == '{' || f == '}' || comment || l == ';' || l == '{' || l == '}'
        || l == ')' || l == ',' || l == '>' || l == '\\';
  }

  private static boolean isMarkerAt(String s, int i, int to) {
    switch (s.charAt(i)) {
      case '#':
        return at(s, i, to, "#include") || at(s, i, to, "#define") || at(s, i, to, "#pragma");
      case '_':
        return at(s, i, to, "__global__") || at(s, i, to, "__device__") || at(s, i, to, "__host__");
      case 'i':
        return at(s, i, to, "int main");
      case 't':
        return at(s, i, to, "template<") || at(s, i, to, "template <");
      case 'h':
        return at(s, i, to, "hipMalloc") || at(s, i, to, "hipLaunchKernel");
      case 'v':
        return at(s, i, to, "void ");
      default:
        return false;
    }
  }
}
