package org.hipforge.io.jsonl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.hipforge.io.record.FileNames;

/**
 * The byte-level cursor of {@link FlatLineScanner}: walks one flat JSON object in a byte buffer
 * member by member, checking the JSON grammar and strict UTF-8, and leaves the last value read in
 * its fields (type, byte range, escape flag, integer value). Anything it does not read exactly
 * (nested values, a key with an escape, invalid input) ends the walk with -1. Not thread-safe.
 */
abstract class JsonCursor {
  static final int STRING = 1;
  static final int NUMBER = 2;
  static final int TRUE = 3;
  static final int FALSE = 4;
  static final int NULL = 5;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long SPACES = 0x2020202020202020L;

  /** Integers of at most 18 digits always fit a long, whatever the digits. */
  private static final int MAX_INT_DIGITS = 18;

  // The cursor and the last value read.
  byte[] b;
  private int pos;
  private int end;
  private int keyFrom;
  private int keyTo;
  int type;
  int valueFrom; // strings: first content byte; numbers: first byte
  int valueTo;
  boolean valueHasEscape; // strings only
  boolean valueIsInt; // numbers only: -?(0|[1-9][0-9]{0,17})
  long valueLong; // numbers only, when valueIsInt
  private boolean afterValue; // a member was read, so the next one needs a ','

  boolean open(byte[] line, int from, int to) {
    b = line;
    end = to;
    pos = skipWs(from);
    if (pos >= end || b[pos] != '{') {
      return false;
    }
    pos++;
    afterValue = false;
    return true;
  }

  /**
   * Reads the next {@code "key": value}. Returns 1 when one was read, 0 when the object ended
   * cleanly with nothing but whitespace after it, -1 when the line must go to the Jackson path.
   */
  int next() {
    int p = skipWs(pos);
    if (p >= end) {
      return -1;
    }
    byte c = b[p];
    if (c == '}') { // a ',' before it was consumed below and fails on '}', as JSON wants
      return skipWs(p + 1) == end ? 0 : -1;
    }
    if (c == ',') {
      if (!afterValue) {
        return -1;
      }
      p = skipWs(p + 1);
      if (p >= end) {
        return -1;
      }
      c = b[p];
    } else if (afterValue) {
      return -1; // two members without a comma
    }
    if (c != '"') {
      return -1;
    }
    // The key: plain ASCII without escapes (an escaped key could spell a known one).
    int k = p + 1;
    while (k < end) {
      byte x = b[k];
      if (x == '"') {
        break;
      }
      if (x < 0x20 || x == '\\') {
        return -1;
      }
      k++;
    }
    if (k >= end) {
      return -1;
    }
    keyFrom = p + 1;
    keyTo = k;
    p = skipWs(k + 1);
    if (p >= end || b[p] != ':') {
      return -1;
    }
    p = skipWs(p + 1);
    if (p >= end) {
      return -1;
    }
    int after = readValue(p);
    if (after < 0) {
      return -1;
    }
    pos = after;
    afterValue = true;
    return 1;
  }

  /** Reads the value at {@code p}; returns the position after it, or -1. */
  private int readValue(int p) {
    byte c = b[p];
    if (c == '"') {
      return readString(p + 1);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return readNumber(p);
    }
    if (c == 't') {
      type = TRUE;
      return literal(p, 't', 'r', 'u', 'e');
    }
    if (c == 'f') {
      type = FALSE;
      return p + 5 <= end
              && b[p + 1] == 'a'
              && b[p + 2] == 'l'
              && b[p + 3] == 's'
              && b[p + 4] == 'e'
          ? p + 5
          : -1;
    }
    if (c == 'n') {
      type = NULL;
      return literal(p, 'n', 'u', 'l', 'l');
    }
    return -1; // nested object or array, or not JSON
  }

  private int literal(int p, char c0, char c1, char c2, char c3) {
    return p + 4 <= end && b[p] == c0 && b[p + 1] == c1 && b[p + 2] == c2 && b[p + 3] == c3
        ? p + 4
        : -1;
  }

  /** A string whose opening quote is just before {@code p}: validates escapes and UTF-8. */
  private int readString(int p) {
    type = STRING;
    valueFrom = p;
    valueHasEscape = false;
    while (true) {
      // Plain ASCII eight bytes at a time: long instructions are most of a state line.
      while (p + 8 <= end) {
        long special = specialBytes((long) LONGS.get(b, p));
        if (special != 0) {
          p += Long.numberOfTrailingZeros(special) >>> 3;
          break;
        }
        p += 8;
      }
      if (p >= end) {
        return -1; // no closing quote: a torn line
      }
      byte c = b[p];
      if (c == '"') {
        valueTo = p;
        return p + 1;
      }
      if (c >= 0x20 && c != '\\') {
        p++; // only in the last few bytes of the line
        continue;
      }
      if (c == '\\') {
        valueHasEscape = true;
        p = escape(p + 1);
      } else if (c < 0) {
        p = utf8(p);
      } else {
        return -1; // a raw control character: not JSON
      }
      if (p < 0) {
        return -1;
      }
    }
  }

  /**
   * Flags (high bit of each byte) the bytes of a little-endian word that end a plain run: '"',
   * '\\', control characters and non-ASCII. The lowest flag marks the first such byte exactly
   * (false flags of the "has a zero byte" tests only appear above a true one).
   */
  private static long specialBytes(long w) {
    long q = w ^ QUOTES;
    long s = w ^ BACKSLASHES;
    return (((q - ONES) & ~q) | ((s - ONES) & ~s) | ((w - SPACES) & ~w) | w) & HIGHS;
  }

  private int escape(int p) {
    if (p >= end) {
      return -1;
    }
    switch (b[p]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        return p + 1;
      case 'u':
        if (p + 5 > end) {
          return -1;
        }
        for (int i = p + 1; i <= p + 4; i++) {
          if (Character.digit(b[i], 16) < 0) {
            return -1;
          }
        }
        return p + 5;
      default:
        return -1;
    }
  }

  /** One well-formed UTF-8 sequence at {@code p} (as Java's strict decoder accepts); -1 if not. */
  private int utf8(int p) {
    int c = b[p] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) {
        lo = 0xA0; // no overlong forms
      } else if (c == 0xED) {
        hi = 0x9F; // no surrogates
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) {
        lo = 0x90;
      } else if (c == 0xF4) {
        hi = 0x8F; // nothing above U+10FFFF
      }
    } else {
      return -1;
    }
    if (p + n >= end) {
      return -1;
    }
    int c1 = b[p + 1] & 0xFF;
    if (c1 < lo || c1 > hi) {
      return -1;
    }
    for (int i = 2; i <= n; i++) {
      int ci = b[p + i] & 0xFF;
      if (ci < 0x80 || ci > 0xBF) {
        return -1;
      }
    }
    return p + n + 1;
  }

  /** A JSON number at {@code p}; notes whether it is a plain integer that fits a long. */
  private int readNumber(int p) {
    type = NUMBER;
    valueFrom = p;
    boolean negative = false;
    if (b[p] == '-') {
      negative = true;
      p++;
    }
    if (p >= end || b[p] < '0' || b[p] > '9') {
      return -1;
    }
    int digitsFrom = p;
    long v = 0;
    if (b[p] == '0') {
      p++;
    } else {
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        v = v * 10 + (b[p] - '0'); // may overflow past 18 digits; then it is not used
        p++;
      }
    }
    int digits = p - digitsFrom;
    boolean integer = true;
    if (p < end && b[p] == '.') {
      integer = false;
      p = digits(p + 1);
      if (p < 0) {
        return -1;
      }
    }
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      integer = false;
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      p = digits(p);
      if (p < 0) {
        return -1;
      }
    }
    if (p < end && b[p] >= '0' && b[p] <= '9') {
      return -1; // a leading zero followed by digits
    }
    valueTo = p;
    valueIsInt = integer && digits <= MAX_INT_DIGITS;
    valueLong = negative ? -v : v;
    return p;
  }

  /** The position after one or more digits at {@code p}; -1 when there is none. */
  private int digits(int p) {
    int from = p;
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      p++;
    }
    return p == from ? -1 : p;
  }

  private int skipWs(int p) {
    while (p < end) {
      byte c = b[p];
      if (c != ' ' && c != '\t' && c != '\r') {
        break;
      }
      p++;
    }
    return p;
  }

  boolean isKey(byte[] k) {
    int n = keyTo - keyFrom;
    if (n != k.length) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (b[keyFrom + i] != k[i]) {
        return false;
      }
    }
    return true;
  }

  boolean isNonNegativeInt() {
    return type == NUMBER && valueIsInt && b[valueFrom] != '-';
  }

  boolean isIntOrNull() {
    return type == NULL || (type == NUMBER && valueIsInt);
  }

  boolean isPlainString() {
    return type == STRING && !valueHasEscape;
  }

  boolean isPlainStringOrNull() {
    return type == NULL || isPlainString();
  }

  /** The current string value passes {@link FileNames#problem}, the one rule for file names. */
  boolean isSafeFileName() {
    return FileNames.isSafe(new String(b, valueFrom, valueTo - valueFrom, StandardCharsets.UTF_8));
  }
}
