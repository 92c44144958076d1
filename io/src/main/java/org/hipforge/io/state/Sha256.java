package org.hipforge.io.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@code source_sha256} / manifest {@code sha256} value held exactly: the usual 64 lowercase hex
 * digits as 32 bytes, anything else (another case, another length) as its text, or null.
 */
final class Sha256 {
  static final int NULL = 0;
  static final int PACKED = 1;
  static final int TEXT = 2;

  int kind;
  final byte[] packed = new byte[32];
  String text;

  /** From {@code b[from, to)}, the raw bytes of a JSON string without escapes; from < 0: null. */
  void set(byte[] b, int from, int to) {
    if (from < 0) {
      kind = NULL;
      text = null;
    } else if (pack(b, from, to, packed, 0)) {
      kind = PACKED;
      text = null;
    } else {
      kind = TEXT;
      text = new String(b, from, to - from, StandardCharsets.UTF_8);
    }
  }

  void set(String s) {
    if (s == null) {
      kind = NULL;
      text = null;
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    set(b, 0, b.length);
  }

  /** The value as text, or null. */
  String text() {
    if (kind == NULL) {
      return null;
    }
    return kind == TEXT ? text : hex(packed, 0);
  }

  /** Packs 64 lowercase hex digits into 32 bytes at {@code dst[off]}; false for anything else. */
  static boolean pack(byte[] b, int from, int to, byte[] dst, int off) {
    if (to - from != 64) {
      return false;
    }
    for (int i = 0; i < 32; i++) {
      int hi = digit(b[from + 2 * i]);
      int lo = digit(b[from + 2 * i + 1]);
      if ((hi | lo) < 0) {
        return false;
      }
      dst[off + i] = (byte) (hi << 4 | lo);
    }
    return true;
  }

  static boolean samePacked(byte[] a, int aOff, byte[] b, int bOff) {
    return Arrays.equals(a, aOff, aOff + 32, b, bOff, bOff + 32);
  }

  static String hex(byte[] b, int off) {
    char[] out = new char[64];
    for (int i = 0; i < 32; i++) {
      out[2 * i] = Character.forDigit((b[off + i] >> 4) & 0xF, 16);
      out[2 * i + 1] = Character.forDigit(b[off + i] & 0xF, 16);
    }
    return new String(out);
  }

  private static int digit(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
