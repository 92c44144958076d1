package org.hipforge.io.code;

import static org.hipforge.io.code.CodeOnlyText.isIdentPart;
import static org.hipforge.io.code.CodeOnlyText.isIdentStart;
import static org.hipforge.io.code.CodeOnlyText.regionEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The {@code __global__} kernels of a HIP source, read at the text level: name, parameter types,
 * {@code __shared__} use inside the body and {@code __launch_bounds__}.
 *
 * <p>Comments, string and character literals and preprocessor lines are blanked first (so a {@code
 * __global__} in a comment, a string or a {@code #define} is not a kernel), then each {@code
 * __global__} token is followed to its declarator: {@code __launch_bounds__(...)} and {@code
 * __attribute__((...))} are stepped over (the launch bounds kept), the identifier before the
 * parameter list is the name. A parameter's type is its text without the default argument and
 * without the parameter name, whitespace normalised ({@code const float *__restrict__ a} and {@code
 * const float* __restrict__ b} both give {@code const float*__restrict__}); qualifiers are kept. A
 * kernel declared and later defined counts once (the definition wins). Not a C++ parser: kernels
 * made by macros ({@code #define KERNEL(n) __global__ void n(...)}) are not seen.
 *
 * <pre>{@code List<KernelSignatures.Kernel> ks = KernelSignatures.parse(source);}</pre>
 */
public final class KernelSignatures {
  private static final String GLOBAL = "__global__";
  private static final String SHARED = "__shared__";
  private static final String BOUNDS = "__launch_bounds__";

  private KernelSignatures() {}

  /** One kernel: {@code launchBounds} is the normalised argument text ("256", "256,2") or null. */
  public record Kernel(
      String name, List<String> paramTypes, boolean usesShared, String launchBounds) {
    public Kernel {
      Objects.requireNonNull(name, "name");
      paramTypes = List.copyOf(paramTypes);
    }

    public int paramCount() {
      return paramTypes.size();
    }
  }

  /** The kernels of {@code source} in order of first appearance; empty when it has none. */
  public static List<Kernel> parse(String source) {
    if (source == null || source.indexOf(GLOBAL) < 0) {
      return Collections.emptyList(); // most host files: no copy, no scan
    }
    char[] s = CodeOnlyText.of(source);
    List<Kernel> out = new ArrayList<>(4);
    List<Boolean> defined = new ArrayList<>(4);
    int from = 0;
    int at;
    while ((at = indexOfWord(s, GLOBAL, from)) >= 0) {
      from = at + GLOBAL.length();
      int declStart = declarationStart(s, at);
      String bounds = launchBoundsIn(s, declStart, at);
      int i = from;
      int nameStart = -1;
      int nameEnd = -1;
      int open = -1;
      boolean sawVoid = false;
      while (i < s.length) {
        char c = s[i];
        if (!isIdentStart(c) && !Character.isWhitespace(c) && c != ':') {
          break; // only words (and ::) stand between __global__ and the name: prose is not code
        }
        if (isIdentStart(c)) {
          int e = i;
          while (e < s.length && isIdentPart(s[e])) {
            e++;
          }
          int next = skipSpace(s, e);
          boolean attr =
              regionEquals(s, i, e, BOUNDS)
                  || regionEquals(s, i, e, "__attribute__")
                  || regionEquals(s, i, e, "__declspec")
                  || regionEquals(s, i, e, "alignas");
          if (next < s.length && s[next] == '(') {
            int close = matching(s, next, '(', ')');
            if (close < 0) {
              break;
            }
            if (attr) {
              if (regionEquals(s, i, e, BOUNDS)) {
                bounds = normalise(s, next + 1, close);
              }
              i = close + 1;
              continue;
            }
            if (sawVoid) { // a kernel returns void: "__global__ kernel named foo(" in prose does
              // not
              nameStart = i;
              nameEnd = e;
              open = next;
            }
            break;
          }
          sawVoid |= regionEquals(s, i, e, "void");
          i = e;
          continue;
        }
        i++;
      }
      if (open < 0) {
        continue;
      }
      int close = matching(s, open, '(', ')');
      List<String> params = params(s, open + 1, close);
      int j = close + 1;
      // Trailing attributes or qualifiers up to the body or the ';' of a declaration.
      while (j < s.length && s[j] != '{' && s[j] != ';') {
        if (regionStartsWord(s, j, BOUNDS)) {
          int p = skipSpace(s, j + BOUNDS.length());
          if (p < s.length && s[p] == '(') {
            int c = matching(s, p, '(', ')');
            if (c > 0) {
              bounds = normalise(s, p + 1, c);
              j = c + 1;
              continue;
            }
          }
        }
        j++;
      }
      boolean hasBody = j < s.length && s[j] == '{';
      boolean shared = false;
      if (hasBody) {
        int end = matching(s, j, '{', '}');
        int bodyEnd = end < 0 ? s.length : end;
        shared = indexOfWord(s, SHARED, j, bodyEnd) >= 0;
        from = Math.max(from, bodyEnd);
      }
      String name = new String(s, nameStart, nameEnd - nameStart);
      Kernel k = new Kernel(name, params, shared, bounds);
      int seen = indexOfName(out, name);
      if (seen < 0) {
        out.add(k);
        defined.add(hasBody);
      } else if (hasBody && !defined.get(seen)) {
        // The definition replaces a forward declaration; its bounds may sit on either.
        out.set(
            seen,
            bounds == null && out.get(seen).launchBounds() != null
                ? new Kernel(name, params, shared, out.get(seen).launchBounds())
                : k);
        defined.set(seen, true);
      }
    }
    return out;
  }

  private static int indexOfName(List<Kernel> ks, String name) {
    for (int i = 0; i < ks.size(); i++) {
      if (ks.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Where the declaration holding {@code at} starts: after the previous ';', '{' or '}'. */
  private static int declarationStart(char[] s, int at) {
    int i = at - 1;
    while (i >= 0 && s[i] != ';' && s[i] != '{' && s[i] != '}') {
      i--;
    }
    return i + 1;
  }

  /** {@code __launch_bounds__(...)} written before {@code __global__}, normalised, or null. */
  private static String launchBoundsIn(char[] s, int from, int to) {
    int b = indexOfWord(s, BOUNDS, from, to);
    if (b < 0) {
      return null;
    }
    int p = skipSpace(s, b + BOUNDS.length());
    if (p >= to || s[p] != '(') {
      return null;
    }
    int c = matching(s, p, '(', ')');
    return c < 0 ? null : normalise(s, p + 1, c);
  }

  /** The parameter types between {@code from} and {@code to} (the inside of the parentheses). */
  private static List<String> params(char[] s, int from, int to) {
    List<String> out = new ArrayList<>(4);
    int depth = 0;
    int start = from;
    for (int i = from; i <= to; i++) {
      char c = i == to ? ',' : s[i];
      if (c == '(' || c == '<' || c == '[' || c == '{') {
        depth++;
      } else if ((c == ')' || c == '>' || c == ']' || c == '}') && depth > 0) {
        depth--;
      } else if (c == ',' && (depth == 0 || i == to)) {
        String t = paramType(s, start, i);
        if (t != null) {
          out.add(t);
        }
        start = i + 1;
        depth = 0;
      }
    }
    if (out.size() == 1 && out.get(0).equals("void")) {
      return Collections.emptyList();
    }
    return out;
  }

  /** One parameter's type: default argument and name dropped, whitespace normalised. */
  private static String paramType(char[] s, int from, int to) {
    int end = to;
    int depth = 0;
    for (int i = from; i < to; i++) {
      char c = s[i];
      if (c == '(' || c == '<' || c == '[') {
        depth++;
      } else if ((c == ')' || c == '>' || c == ']') && depth > 0) {
        depth--;
      } else if (c == '=' && depth == 0) {
        end = i;
        break;
      }
    }
    String t = normalise(s, from, end);
    if (t.isEmpty()) {
      return null;
    }
    // Drop a trailing array extent to find the name, then put the extent back on the type.
    String extent = "";
    int bracket = t.indexOf('[');
    if (bracket > 0) {
      extent = t.substring(bracket);
      t = t.substring(0, bracket);
    }
    int nameStart = t.length();
    while (nameStart > 0 && isIdentPart(t.charAt(nameStart - 1))) {
      nameStart--;
    }
    if (nameStart > 0
        && nameStart < t.length()
        && isIdentStart(t.charAt(nameStart))
        && !isTypeWord(t.substring(nameStart))) {
      char before = t.charAt(nameStart - 1);
      // "float x", "float*x", "T&x", "P<int>x": a name follows a type; "::x" is not one.
      if (before == ' ' || before == '*' || before == '&' || before == '>') {
        t = t.substring(0, before == ' ' ? nameStart - 1 : nameStart);
      }
    }
    return t + extent;
  }

  private static boolean isTypeWord(String w) {
    switch (w) {
      case "int":
      case "float":
      case "double":
      case "char":
      case "short":
      case "long":
      case "unsigned":
      case "signed":
      case "bool":
      case "void":
      case "const":
      case "volatile":
      case "size_t":
      case "__restrict__":
      case "__restrict":
      case "restrict":
      case "auto":
      case "half":
      case "__half":
      case "int64_t":
      case "uint64_t":
      case "int32_t":
      case "uint32_t":
        return true;
      default:
        return false;
    }
  }

  /**
   * The text between {@code from} and {@code to} with whitespace runs collapsed to one space and no
   * space next to {@code * & , < > ( ) [ ] :}, so spelling differences do not count.
   */
  static String normalise(char[] s, int from, int to) {
    StringBuilder b = new StringBuilder(to - from);
    boolean space = false;
    for (int i = from; i < to; i++) {
      char c = s[i];
      if (Character.isWhitespace(c)) {
        space = b.length() > 0;
        continue;
      }
      if (space && !isTight(c) && !isTight(b.charAt(b.length() - 1))) {
        b.append(' ');
      }
      space = false;
      b.append(c);
    }
    return b.toString();
  }

  private static boolean isTight(char c) {
    return c == '*' || c == '&' || c == ',' || c == '<' || c == '>' || c == '(' || c == ')'
        || c == '[' || c == ']' || c == ':';
  }

  private static int matching(char[] s, int open, char o, char c) {
    int depth = 0;
    for (int i = open; i < s.length; i++) {
      if (s[i] == o) {
        depth++;
      } else if (s[i] == c && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static int skipSpace(char[] s, int i) {
    while (i < s.length && Character.isWhitespace(s[i])) {
      i++;
    }
    return i;
  }

  private static int indexOfWord(char[] s, String w, int from) {
    return indexOfWord(s, w, from, s.length);
  }

  private static int indexOfWord(char[] s, String w, int from, int to) {
    int last = to - w.length();
    char first = w.charAt(0);
    for (int i = from; i <= last; i++) {
      if (s[i] == first && regionStartsWord(s, i, w)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean regionStartsWord(char[] s, int i, String w) {
    int e = i + w.length();
    if (e > s.length || (i > 0 && isIdentPart(s[i - 1])) || (e < s.length && isIdentPart(s[e]))) {
      return false;
    }
    for (int k = 0; k < w.length(); k++) {
      if (s[i + k] != w.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}
