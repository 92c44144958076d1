package org.hipforge.io.llm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One prompt template: text with named placeholders such as {@code {{source}}}, checked when it is
 * read and rendered by plain substitution.
 *
 * <p>{@code String user = PromptTemplate.parse("describe.user.txt", text, allowed).render(values);}
 *
 * <p>A placeholder is {@code {{name}}} (blanks inside the braces are allowed) where name is a
 * letter or {@code _} followed by letters, digits and {@code _}. Any other {@code {{} is literal text
 * (C++ brace initialisers such as {@code {{1, 2}}} stay as they are). A name that is not one of
 * {@link Placeholder}'s, a placeholder the template may not use, and a known name with a missing
 * brace ({@code {{source}}) are errors naming the template and line. Values are inserted as they are
 * and never scanned again, so a source file that contains {@code {{code}}} is sent unchanged.
 * Immutable and thread-safe.
 */
public final class PromptTemplate implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The values a template can ask for; {@link #token()} is how it is written. */
  public enum Placeholder {
    /** The source file's text, ending with a newline (one is added when the file has none). */
    SOURCE,
    /** The task's file name, relative to the source root. */
    FILE_NAME,
    /** The describe step's instruction. */
    INSTRUCTION,
    /** The code to repair, ending with a newline. */
    CODE,
    /** The compiler's errors for that code. */
    ERRORS,
    /** The AMD GPU targets compiled for, as given to {@code --offloadArch} ({@code gfx90a}). */
    OFFLOAD_ARCH;

    /** The name inside the braces: the constant's name in lower case ({@code file_name}). */
    public String placeholderName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The placeholder as written in a template: {@code {{name}}}. */
    public String token() {
      return "{{" + placeholderName() + "}}";
    }

    static Placeholder byName(String name) {
      for (Placeholder p : values()) {
        if (p.placeholderName().equals(name)) {
          return p;
        }
      }
      return null;
    }
  }

  private final String name;
  private final String text;
  // Literal parts and placeholders, in order: literals[i] comes before slots[i]; one more literal.
  private final String[] literals;
  private final Placeholder[] slots;

  private PromptTemplate(String name, String text, String[] literals, Placeholder[] slots) {
    this.name = name;
    this.text = text;
    this.literals = literals;
    this.slots = slots;
  }

  /**
   * Parses {@code text}; {@code name} names it in errors (a file name). Throws {@link
   * PromptTemplateException} naming the line for an unknown placeholder, one not in {@code
   * allowed}, or a malformed one.
   */
  public static PromptTemplate parse(String name, String text, Set<Placeholder> allowed) {
    List<String> literals = new ArrayList<>();
    List<Placeholder> slots = new ArrayList<>();
    int from = 0;
    int i = text.indexOf("{{");
    while (i >= 0) {
      int p = skipBlanks(text, i + 2);
      int nameStart = p;
      if (p < text.length() && isNameStart(text.charAt(p))) {
        p++;
        while (p < text.length() && isNamePart(text.charAt(p))) {
          p++;
        }
      }
      if (p == nameStart) {
        i = text.indexOf("{{", i + 1); // "{{{" or a brace initialiser: literal
        continue;
      }
      String word = text.substring(nameStart, p);
      int close = skipBlanks(text, p);
      Placeholder ph = Placeholder.byName(word);
      if (!text.startsWith("}}", close)) {
        if (ph != null) {
          throw new PromptTemplateException(
              name,
              lineOf(text, i),
              "malformed placeholder "
                  + text.substring(i, Math.min(text.length(), close + 1)).strip()
                  + ": write "
                  + ph.token());
        }
        i = text.indexOf("{{", i + 1); // e.g. "{{1, 2}}" or "{{a, b}}": literal C++
        continue;
      }
      if (ph == null) {
        throw new PromptTemplateException(
            name,
            lineOf(text, i),
            "unknown placeholder {{"
                + word
                + "}} (known: "
                + tokens(EnumSet.allOf(Placeholder.class))
                + ")");
      }
      if (!allowed.contains(ph)) {
        throw new PromptTemplateException(
            name,
            lineOf(text, i),
            ph.token()
                + " is not available in this template (it may use: "
                + (allowed.isEmpty() ? "no placeholder" : tokens(allowed))
                + ")");
      }
      literals.add(text.substring(from, i));
      slots.add(ph);
      from = close + 2;
      i = text.indexOf("{{", from);
    }
    literals.add(text.substring(from));
    return new PromptTemplate(
        name, text, literals.toArray(new String[0]), slots.toArray(new Placeholder[0]));
  }

  /** The name given to {@link #parse} (a file name). */
  public String name() {
    return name;
  }

  /** The template text as read. */
  public String text() {
    return text;
  }

  /** Whether the template uses {@code p}. */
  public boolean uses(Placeholder p) {
    for (Placeholder s : slots) {
      if (s == p) {
        return true;
      }
    }
    return false;
  }

  /** The text with every placeholder replaced by its value; a value it uses must be present. */
  public String render(Map<Placeholder, String> values) {
    if (slots.length == 0) {
      return literals[0];
    }
    int size = 0;
    for (String l : literals) {
      size += l.length();
    }
    StringBuilder b = new StringBuilder(size + 256);
    for (int k = 0; k < slots.length; k++) {
      b.append(literals[k]);
      String v = values.get(slots[k]);
      if (v == null) {
        throw new IllegalArgumentException(name + ": no value for " + slots[k].token());
      }
      b.append(v);
    }
    return b.append(literals[slots.length]).toString();
  }

  static String tokens(Set<Placeholder> set) {
    StringBuilder b = new StringBuilder();
    for (Placeholder p : set) {
      b.append(b.length() == 0 ? "" : ", ").append(p.token());
    }
    return b.toString();
  }

  private static int skipBlanks(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isNamePart(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }

  private static int lineOf(String s, int index) {
    int line = 1;
    for (int k = 0; k < index; k++) {
      if (s.charAt(k) == '\n') {
        line++;
      }
    }
    return line;
  }
}
