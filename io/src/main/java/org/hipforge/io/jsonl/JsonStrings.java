package org.hipforge.io.jsonl;

import java.nio.charset.StandardCharsets;

/**
 * Decodes the content of a JSON string that {@link FlatLineScanner} has already validated (its
 * escapes and UTF-8 are known to be well formed), for the few text fields a reader needs as text.
 */
public final class JsonStrings {
  private JsonStrings() {}

  /**
   * The text of {@code line[from, to)}, the bytes between a string's quotes; {@code hasEscape} as
   * the scanner reported it (without escapes the bytes are the UTF-8 of the text as they are).
   */
  public static String decode(byte[] line, int from, int to, boolean hasEscape) {
    if (!hasEscape) {
      return new String(line, from, to - from, StandardCharsets.UTF_8);
    }
    StringBuilder out = new StringBuilder(to - from);
    int runFrom = from;
    int p = from;
    while (p < to) {
      if (line[p] != '\\') {
        p++;
        continue;
      }
      out.append(new String(line, runFrom, p - runFrom, StandardCharsets.UTF_8));
      char c = (char) line[p + 1];
      if (c == 'u') {
        out.append(
            (char) Integer.parseInt(new String(line, p + 2, 4, StandardCharsets.US_ASCII), 16));
        p += 6;
      } else {
        out.append(
            switch (c) {
              case 'b' -> '\b';
              case 'f' -> '\f';
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              default -> c; // '"', '\\', '/'
            });
        p += 2;
      }
      runFrom = p;
    }
    out.append(new String(line, runFrom, to - runFrom, StandardCharsets.UTF_8));
    return out.toString();
  }
}
