package org.hipforge.io.hip;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads just enough C++ preprocessor structure out of untrusted source text to refuse includes that
 * could read files outside the compile directory, and to tell whether it declares a kernel ({@link
 * HipKernels}). The leading block of includes a PCH stands in for is {@link Preamble}'s.
 *
 * <p>The include check errs on the safe side: it refuses anything it cannot parse (a computed
 * {@code #include MACRO}, an unterminated header name).
 */
final class HipSourceScanner {

  private HipSourceScanner() {}

  /** Directives that open a file named by their operand. {@code embed} is C23/C++26-to-be. */
  private static final Set<String> INCLUDE_DIRECTIVES =
      Set.of("include", "include_next", "import", "embed");

  private static final Pattern DIRECTIVE =
      Pattern.compile("^[ \\t\\f\\u000B]*(?:#|%:)[ \\t\\f\\u000B]*([A-Za-z_]\\w*)(.*)$");

  private static final Pattern HAS_INCLUDE =
      Pattern.compile("(?:__has_include(?:_next)?|__has_embed)\\s*\\(\\s*([^)]*)\\)?");

  /**
   * Pragmas that name a file to open or map (MSVC-style include aliases, clang modules); validated
   * code never needs them, so they are refused whatever they name.
   */
  private static final Pattern PRAGMA_NAMING_FILES =
      Pattern.compile("\\binclude_alias\\b|\\bclang\\s+module\\b");

  /** The same inside {@code _Pragma(...)}, where the operand is a string that macros may build. */
  private static final Pattern UNDERSCORE_PRAGMA_NAMING_FILES =
      Pattern.compile(
          "_Pragma[\\s\\S]*(?:\\bdependency\\b|\\binclude_alias\\b|\\bclang\\s+module\\b)");

  /**
   * {@code #line 12 "name"} and the GNU line marker {@code # 12 "name"}: the name is shown as a
   * file.
   */
  private static final Pattern LINE_NAME =
      Pattern.compile(
          "^[ \\t\\f\\u000B]*(?:#|%:)[ \\t\\f\\u000B]*(?:line\\b)?[ \\t\\f\\u000B]*"
              + "[0-9]\\S*\\s+(.*)$");

  /** {@code #pragma GCC dependency "file"} stats the named file, so it counts as an include. */
  private static final Pattern PRAGMA_DEPENDENCY = Pattern.compile("\\bdependency\\b(.*)");

  /**
   * Defense in depth against a bug in the comment/literal lexer below: any include-like keyword
   * followed by a header name anywhere in the spliced text (even in a comment) is checked.
   */
  private static final Pattern CRUDE_INCLUDE =
      Pattern.compile(
          "(?:include(?:_next)?|import|embed|__has_include(?:_next)?|__has_embed|dependency)"
              + "\\s*\\(?\\s*(?:<([^>\\n]*)>|\"([^\"\\n]*)\")");

  /** An include path may read outside the compile directory, so it is refused. */
  static Optional<String> findUnsafeInclude(String code) {
    String spliced = splice(normalizeNewlines(code));

    Matcher crude = CRUDE_INCLUDE.matcher(spliced);
    while (crude.find()) {
      String name = crude.group(1) != null ? crude.group(1) : crude.group(2);
      Optional<String> why = unsafeName(name);
      if (why.isPresent()) {
        return Optional.of("unsafe include of \"" + name + "\" refused: " + why.get());
      }
    }

    String text = stripComments(spliced);
    if (text.contains("_Pragma") && UNDERSCORE_PRAGMA_NAMING_FILES.matcher(text).find()) {
      return Optional.of(
          "_Pragma that may name a file (dependency, include_alias, module) refused");
    }
    for (String line : text.split("\n", -1)) {
      Matcher lineName = LINE_NAME.matcher(line);
      if (lineName.matches()) {
        String operand = lineName.group(1).strip();
        Optional<String> why =
            operand.isEmpty()
                ? Optional.empty()
                : operand.startsWith("\"")
                    ? checkOperand(operand)
                    : Optional.of(
                        "computed file name (a macro or other non-literal operand) is not allowed");
        if (why.isPresent()) {
          return Optional.of(line.strip() + " refused: " + why.get());
        }
      }
      Matcher d = DIRECTIVE.matcher(line);
      if (!d.matches()) {
        continue;
      }
      String directive = d.group(1);
      String rest = d.group(2);
      if (INCLUDE_DIRECTIVES.contains(directive)) {
        Optional<String> why = checkOperand(rest.strip());
        if (why.isPresent()) {
          return Optional.of("#" + directive + " " + rest.strip() + " refused: " + why.get());
        }
      } else if (directive.equals("pragma")) {
        if (PRAGMA_NAMING_FILES.matcher(rest).find()) {
          return Optional.of("#pragma" + rest + " refused: names a file to open or map");
        }
        Matcher dep = PRAGMA_DEPENDENCY.matcher(rest);
        if (dep.find()) {
          Optional<String> why = checkOperand(dep.group(1).strip());
          if (why.isPresent()) {
            return Optional.of("#pragma" + rest + " refused: " + why.get());
          }
        }
      }
      Matcher has = HAS_INCLUDE.matcher(rest);
      while (has.find()) {
        Optional<String> why = checkOperand(has.group(1).strip());
        if (why.isPresent()) {
          return Optional.of(has.group() + " refused: " + why.get());
        }
      }
    }
    return Optional.empty();
  }

  /** Checks the operand of an include-like directive: a literal header name with a safe path. */
  private static Optional<String> checkOperand(String operand) {
    String name;
    if (operand.startsWith("<")) {
      int end = operand.indexOf('>');
      if (end < 0) {
        return Optional.of("unterminated header name");
      }
      name = operand.substring(1, end);
    } else if (operand.startsWith("\"")) {
      int end = operand.indexOf('"', 1);
      if (end < 0) {
        return Optional.of("unterminated header name");
      }
      name = operand.substring(1, end);
    } else {
      // A macro could expand to any path; validated code never needs a computed include.
      return Optional.of("computed include (a macro or other non-literal operand) is not allowed");
    }
    return unsafeName(name);
  }

  private static Optional<String> unsafeName(String name) {
    if (name.isEmpty()) {
      return Optional.of("empty path");
    }
    if (name.startsWith("/") || name.startsWith("\\")) {
      return Optional.of("absolute path");
    }
    if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
      return Optional.of("absolute path");
    }
    if (name.contains("..")) {
      return Optional.of("path contains ..");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return Optional.of("control character in path");
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the source declares a HIP kernel: the identifier {@code __global__} (however it is
   * spelled around it: {@code extern "C" __global__}, {@code __launch_bounds__(256) __global__},
   * {@code #define KERNEL __global__}) or {@code __attribute__((global))} / {@code
   * __attribute__((amdgpu_kernel))}, outside comments, string and character literals.
   */
  static boolean declaresKernel(String code) {
    String s = stripComments(splice(normalizeNewlines(code)));
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c == '"') {
        i = isRawPrefix(identifierBefore(s, i)) ? rawStringEnd(s, i) : quotedEnd(s, i, '"');
      } else if (c == '\'') {
        String prefix = identifierBefore(s, i);
        i =
            !prefix.isEmpty() && Character.isDigit(prefix.charAt(0))
                ? i + 1
                : quotedEnd(s, i, '\'');
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
          i++;
        }
        String word = s.substring(start, i);
        if (word.equals("__global__")
            || (word.equals("__attribute__")
                && KERNEL_ATTRIBUTE.matcher(s).region(i, n).lookingAt())) {
          return true;
        }
      } else if (Character.isDigit(c)) {
        while (i < n
            && (Character.isLetterOrDigit(s.charAt(i))
                || s.charAt(i) == '_'
                || s.charAt(i) == '.')) {
          i++; // a number, suffix included: 1e5f, 0x1Fu (its digit separators are handled above)
        }
      } else {
        i++;
      }
    }
    return false;
  }

  private static final Pattern KERNEL_ATTRIBUTE =
      Pattern.compile("\\s*\\(\\s*\\(\\s*(?:global|__global__|amdgpu_kernel|__amdgpu_kernel__)\\b");

  static String normalizeNewlines(String code) {
    return code.replace("\r\n", "\n").replace('\r', '\n');
  }

  /** Joins lines ended by a backslash (clang also accepts spaces between backslash and newline). */
  static String splice(String code) {
    return code.replaceAll("\\\\[ \\t\\f\\u000B]*\\n", "");
  }

  /**
   * Replaces every comment by one space, as translation phase 3 does, leaving string, character and
   * raw-string literals and include header names untouched. A block comment that spans lines
   * disappears with its newlines, which is what makes {@code #include /*...*&#47; "x"} one line.
   */
  static String stripComments(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int n = s.length();
    int i = 0;
    boolean lineStart = true; // only whitespace (or comments) since the last newline
    while (i < n) {
      char c = s.charAt(i);
      if (c == '\n') {
        out.append(c);
        i++;
        lineStart = true;
        continue;
      }
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
        int end = s.indexOf('\n', i);
        i = end < 0 ? n : end;
        out.append(' ');
        continue;
      }
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
        continue;
      }
      if (lineStart && (c == '#' || (c == '%' && i + 1 < n && s.charAt(i + 1) == ':'))) {
        i = copyDirectiveHead(s, i, out);
        lineStart = false;
        continue;
      }
      if (c == '"') {
        String prefix = identifierBefore(s, i);
        int end = isRawPrefix(prefix) ? rawStringEnd(s, i) : quotedEnd(s, i, '"');
        out.append(s, i, end);
        i = end;
        lineStart = false;
        continue;
      }
      if (c == '\'') {
        String prefix = identifierBefore(s, i);
        if (!prefix.isEmpty() && Character.isDigit(prefix.charAt(0))) {
          out.append(c); // a C++14 digit separator such as 1'000'000
          i++;
        } else {
          int end = quotedEnd(s, i, '\'');
          out.append(s, i, end);
          i = end;
        }
        lineStart = false;
        continue;
      }
      if (c != ' ' && c != '\t' && c != '\f' && c != '\u000B') {
        lineStart = false;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /**
   * Copies a directive's {@code #}, its name and, for include-like directives, the header name
   * verbatim: inside {@code <a/*b>} or {@code "a\"} clang sees no comment and no escape, so the
   * lexer must not either. Comments between the parts become spaces. Returns the next index.
   */
  private static int copyDirectiveHead(String s, int i, StringBuilder out) {
    int n = s.length();
    if (s.charAt(i) == '%') {
      out.append("%:");
      i += 2;
    } else {
      out.append('#');
      i++;
    }
    i = skipSpaceAndComments(s, i, out);
    int nameStart = i;
    while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
      i++;
    }
    String name = s.substring(nameStart, i);
    out.append(name);
    if (!INCLUDE_DIRECTIVES.contains(name)) {
      return i;
    }
    i = skipSpaceAndComments(s, i, out);
    if (i < n && (s.charAt(i) == '<' || s.charAt(i) == '"')) {
      char close = s.charAt(i) == '<' ? '>' : '"';
      int end = i + 1;
      while (end < n && s.charAt(end) != close && s.charAt(end) != '\n') {
        end++;
      }
      if (end < n && s.charAt(end) == close) {
        end++;
      }
      out.append(s, i, end);
      i = end;
    }
    return i;
  }

  private static int skipSpaceAndComments(String s, int i, StringBuilder out) {
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\f' || c == '\u000B') {
        out.append(c);
        i++;
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
      } else {
        return i;
      }
    }
    return i;
  }

  private static String identifierBefore(String s, int i) {
    int start = i;
    while (start > 0
        && (Character.isLetterOrDigit(s.charAt(start - 1)) || s.charAt(start - 1) == '_')) {
      start--;
    }
    return s.substring(start, i);
  }

  private static boolean isRawPrefix(String prefix) {
    return prefix.equals("R")
        || prefix.equals("LR")
        || prefix.equals("uR")
        || prefix.equals("UR")
        || prefix.equals("u8R");
  }

  /** End (exclusive) of a string or character literal starting at {@code i}; a newline ends it. */
  private static int quotedEnd(String s, int i, char quote) {
    int n = s.length();
    int j = i + 1;
    while (j < n) {
      char c = s.charAt(j);
      if (c == '\\' && j + 1 < n && s.charAt(j + 1) != '\n') {
        j += 2;
      } else if (c == quote) {
        return j + 1;
      } else if (c == '\n') {
        return j;
      } else {
        j++;
      }
    }
    return n;
  }

  /**
   * End (exclusive) of a raw string literal {@code R"delim( ... )delim"} whose quote is at {@code
   * i}.
   */
  private static int rawStringEnd(String s, int i) {
    int open = s.indexOf('(', i + 1);
    if (open < 0 || open - (i + 1) > 16) {
      return quotedEnd(s, i, '"');
    }
    String delim = s.substring(i + 1, open);
    for (int k = 0; k < delim.length(); k++) {
      char c = delim.charAt(k);
      if (c == ' ' || c == ')' || c == '\\' || c == '\t' || c == '\n' || c == '"') {
        return quotedEnd(s, i, '"');
      }
    }
    int close = s.indexOf(")" + delim + "\"", open + 1);
    return close < 0 ? s.length() : close + delim.length() + 2;
  }
}
