package org.hipforge.io.jsonl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.hipforge.io.record.FileNames;

/**
 * Reads the fields the anti-join needs straight from the bytes of one flat JSON line, or says
 * that it cannot, in which case the caller parses the line with Jackson ({@link StateRecordJson},
 * {@link ManifestJson}), which also names what is wrong with it.
 *
 * <p>Why: state and manifest lines are read by the million, and decoding each line to a String
 * and tokenizing it with Jackson was most of the anti-join's time. This scanner walks the bytes
 * once, checks them against the JSON grammar and UTF-8, and leaves the fields it returns as
 * ranges of the caller's buffer.
 *
 * <p>The contract is agreement: when {@code scan*} returns true, the Jackson path would have read
 * the same values from the same line; anything this scanner does not handle exactly (escapes in a
 * field it returns, a nested value, a number that is not a plain integer, a missing field, an
 * unsafe file name, invalid JSON or UTF-8) makes it return false. Not thread-safe: one per reader.
 */
public final class FlatLineScanner {
  private static final int STRING = 1;
  private static final int NUMBER = 2;
  private static final int TRUE = 3;
  private static final int FALSE = 4;
  private static final int NULL = 5;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long SPACES = 0x2020202020202020L;
  /** Integers of at most 18 digits always fit a long, whatever the digits. */
  private static final int MAX_INT_DIGITS = 18;

  private static final byte[] K_ID = key("id");
  private static final byte[] K_FILE_NAME = key("file_name");
  private static final byte[] K_PASS = key("pass");
  private static final byte[] K_SOURCE_SHA256 = key("source_sha256");
  private static final byte[] K_RUN_ID = key("run_id");
  private static final byte[] K_FINISHED_AT = key("finished_at");
  private static final byte[] K_ATTEMPTS = key("attempts");
  private static final byte[] K_INPUT_TOKENS = key("input_tokens");
  private static final byte[] K_OUTPUT_TOKENS = key("output_tokens");
  private static final byte[] K_LATENCY_MS = key("latency_ms");
  private static final byte[] K_PROMPT_SHA256 = key("prompt_sha256");
  private static final byte[] K_PROMPT_VERSION = key("prompt_version");
  private static final byte[] K_COMPILED = key("compiled");
  private static final byte[] K_INSTRUCTION = key("instruction");
  private static final byte[] K_ERROR_MSG = key("error_msg");
  private static final byte[] K_ROUND_VERDICTS = key("round_verdicts");
  private static final byte[] K_BYTES = key("bytes");
  private static final byte[] K_SHA256 = key("sha256");

  /** The slim fields of a state line; string fields are ranges of {@link #line} (from = -1: null). */
  public static final class StateFields {
    public byte[] line;
    public long id;
    public boolean pass;
    public int attempts;
    public long finishedAtMillis;
    public int fileNameFrom;
    public int fileNameTo;
    public int sourceSha256From;
    public int sourceSha256To;
    public int runIdFrom;
    public int runIdTo;
    /** 0 when absent or null, as the Jackson path reads them. */
    public long inputTokens;
    public long outputTokens;
    /** {@link #COMPILED_NULL} (absent or null), {@link #COMPILED_FALSE} or {@link #COMPILED_TRUE}. */
    public int compiled;
    public int promptSha256From;
    public int promptSha256To;
    public int promptVersionFrom;
    public int promptVersionTo;
    /** The raw JSON string content (escapes not decoded: see {@link #instructionHasEscape}). */
    public int instructionFrom;
    public int instructionTo;
    public boolean instructionHasEscape;
    /** The raw JSON string content (escapes not decoded: see {@link #errorMsgHasEscape}). */
    public int errorMsgFrom;
    public int errorMsgTo;
    public boolean errorMsgHasEscape;
    /** Repair rounds: the commas of {@code round_verdicts}; -1 when absent (or not a string). */
    public int rounds;
  }

  /** Values of {@link StateFields#compiled}. */
  public static final int COMPILED_NULL = -1;
  public static final int COMPILED_FALSE = 0;
  public static final int COMPILED_TRUE = 1;

  /** The fields of a manifest line; string fields are ranges of {@link #line} (from = -1: null). */
  public static final class ManifestFields {
    public byte[] line;
    public long id;
    public long bytes;
    public int fileNameFrom;
    public int fileNameTo;
    public int sha256From;
    public int sha256To;
  }

  // The cursor and the last value read.
  private byte[] b;
  private int pos;
  private int end;
  private int keyFrom;
  private int keyTo;
  private int type;
  private int valueFrom; // strings: first content byte; numbers: first byte
  private int valueTo;
  private boolean valueHasEscape; // strings only
  private boolean valueIsInt; // numbers only: -?(0|[1-9][0-9]{0,17})
  private long valueLong; // numbers only, when valueIsInt
  private boolean afterValue; // a member was read, so the next one needs a ','

  /** Reads a slim state line; false when the Jackson path must decide. */
  public boolean scanState(byte[] line, int from, int to, StateFields f) {
    if (!open(line, from, to)) {
      return false;
    }
    f.line = line;
    f.attempts = 0;
    f.finishedAtMillis = 0;
    f.sourceSha256From = -1;
    f.sourceSha256To = -1;
    f.runIdFrom = -1;
    f.runIdTo = -1;
    f.inputTokens = 0;
    f.outputTokens = 0;
    f.compiled = COMPILED_NULL;
    f.rounds = -1;
    f.promptSha256From = -1;
    f.promptSha256To = -1;
    f.promptVersionFrom = -1;
    f.promptVersionTo = -1;
    f.instructionFrom = -1;
    f.instructionTo = -1;
    f.instructionHasEscape = false;
    f.errorMsgFrom = -1;
    f.errorMsgTo = -1;
    f.errorMsgHasEscape = false;
    boolean sawId = false;
    boolean sawFileName = false;
    boolean sawPass = false;
    int r;
    while ((r = next()) > 0) {
      if (isKey(K_ID)) {
        if (!isNonNegativeInt()) {
          return false;
        }
        f.id = valueLong;
        sawId = true;
      } else if (isKey(K_FILE_NAME)) {
        if (!isPlainString() || !isSafeFileName()) {
          return false;
        }
        f.fileNameFrom = valueFrom;
        f.fileNameTo = valueTo;
        sawFileName = true;
      } else if (isKey(K_PASS)) {
        if (type != TRUE && type != FALSE) {
          return false;
        }
        f.pass = type == TRUE;
        sawPass = true;
      } else if (isKey(K_SOURCE_SHA256)) {
        if (!isPlainStringOrNull()) {
          return false;
        }
        f.sourceSha256From = type == NULL ? -1 : valueFrom;
        f.sourceSha256To = type == NULL ? -1 : valueTo;
      } else if (isKey(K_RUN_ID)) {
        if (!isPlainStringOrNull()) {
          return false;
        }
        f.runIdFrom = type == NULL ? -1 : valueFrom;
        f.runIdTo = type == NULL ? -1 : valueTo;
      } else if (isKey(K_FINISHED_AT)) {
        if (type == NULL) {
          f.finishedAtMillis = 0;
        } else if (isPlainString()) {
          long t = Timestamps.parseFixed(b, valueFrom, valueTo);
          if (t == Long.MIN_VALUE) {
            return false; // another ISO form or not a time: Timestamps.parse decides
          }
          f.finishedAtMillis = t;
        } else {
          return false;
        }
      } else if (isKey(K_ATTEMPTS)) {
        if (type == NULL) {
          f.attempts = 0;
        } else if (type == NUMBER && valueIsInt) {
          f.attempts = (int) valueLong;
        } else {
          return false;
        }
      } else if (isKey(K_INPUT_TOKENS)) {
        if (!isIntOrNull()) {
          return false;
        }
        f.inputTokens = type == NULL ? 0 : valueLong;
      } else if (isKey(K_OUTPUT_TOKENS)) {
        if (!isIntOrNull()) {
          return false;
        }
        f.outputTokens = type == NULL ? 0 : valueLong;
      } else if (isKey(K_LATENCY_MS)) {
        // Not returned, but the Jackson path rejects a non-number, so must we.
        if (!isIntOrNull()) {
          return false;
        }
      } else if (isKey(K_COMPILED)) {
        if (type == TRUE) {
          f.compiled = COMPILED_TRUE;
        } else if (type == FALSE) {
          f.compiled = COMPILED_FALSE;
        } else if (type == NULL) {
          f.compiled = COMPILED_NULL;
        } else {
          return false; // Jackson reads any other scalar as false: let it say so
        }
      } else if (isKey(K_PROMPT_SHA256)) {
        if (!isPlainStringOrNull()) {
          return false;
        }
        f.promptSha256From = type == NULL ? -1 : valueFrom;
        f.promptSha256To = type == NULL ? -1 : valueTo;
      } else if (isKey(K_PROMPT_VERSION)) {
        if (!isPlainStringOrNull()) {
          return false;
        }
        f.promptVersionFrom = type == NULL ? -1 : valueFrom;
        f.promptVersionTo = type == NULL ? -1 : valueTo;
      } else if (isKey(K_INSTRUCTION)) {
        if (type != STRING && type != NULL) {
          return false;
        }
        f.instructionFrom = type == NULL ? -1 : valueFrom;
        f.instructionTo = type == NULL ? -1 : valueTo;
        f.instructionHasEscape = type == STRING && valueHasEscape;
      } else if (isKey(K_ERROR_MSG)) {
        if (type != STRING && type != NULL) {
          return false;
        }
        f.errorMsgFrom = type == NULL ? -1 : valueFrom;
        f.errorMsgTo = type == NULL ? -1 : valueTo;
        f.errorMsgHasEscape = type == STRING && valueHasEscape;
      } else if (isKey(K_ROUND_VERDICTS)) {
        if (type == STRING) {
          if (valueHasEscape) {
            return false;
          }
          int commas = 0;
          for (int i = valueFrom; i < valueTo; i++) {
            commas += b[i] == ',' ? 1 : 0;
          }
          f.rounds = valueFrom == valueTo ? -1 : commas; // "" reads as absent, as on the Jackson path
        } else {
          f.rounds = -1; // read leniently, as the Jackson path does
        }
      }
      // Any other key: any scalar value is fine (nested values already returned -1).
    }
    return r == 0 && sawId && sawFileName && sawPass;
  }

  /** Reads a manifest line; false when the Jackson path must decide. */
  public boolean scanManifest(byte[] line, int from, int to, ManifestFields f) {
    if (!open(line, from, to)) {
      return false;
    }
    f.line = line;
    f.bytes = -1;
    f.sha256From = -1;
    f.sha256To = -1;
    boolean sawId = false;
    boolean sawFileName = false;
    int r;
    while ((r = next()) > 0) {
      if (isKey(K_ID)) {
        if (!isNonNegativeInt()) {
          return false;
        }
        f.id = valueLong;
        sawId = true;
      } else if (isKey(K_FILE_NAME)) {
        if (!isPlainString()) {
          return false;
        }
        f.fileNameFrom = valueFrom;
        f.fileNameTo = valueTo;
        sawFileName = true;
      } else if (isKey(K_BYTES)) {
        if (type == NUMBER) {
          if (!valueIsInt) {
            return false; // a float reads as -1, a huge integer fails: let Jackson tell
          }
          f.bytes = valueLong;
        } else {
          f.bytes = -1;
        }
      } else if (isKey(K_SHA256)) {
        if (type == STRING) {
          if (valueHasEscape) {
            return false;
          }
          f.sha256From = valueFrom;
          f.sha256To = valueTo;
        } else {
          f.sha256From = -1;
          f.sha256To = -1;
        }
      }
    }
    if (r != 0 || !sawId || !sawFileName) {
      return false;
    }
    // The manifest checks the file name it keeps (the last one), after the whole object.
    valueFrom = f.fileNameFrom;
    valueTo = f.fileNameTo;
    return isSafeFileName();
  }

  // ---- the cursor ----

  private boolean open(byte[] line, int from, int to) {
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
  private int next() {
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
      return p + 5 <= end && b[p + 1] == 'a' && b[p + 2] == 'l' && b[p + 3] == 's' && b[p + 4] == 'e'
          ? p + 5 : -1;
    }
    if (c == 'n') {
      type = NULL;
      return literal(p, 'n', 'u', 'l', 'l');
    }
    return -1; // nested object or array, or not JSON
  }

  private int literal(int p, char c0, char c1, char c2, char c3) {
    return p + 4 <= end && b[p] == c0 && b[p + 1] == c1 && b[p + 2] == c2 && b[p + 3] == c3 ? p + 4 : -1;
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
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
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
      p++;
      int f = p;
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
      if (p == f) {
        return -1;
      }
    }
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      integer = false;
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      int e = p;
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
      if (p == e) {
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

  // ---- value checks ----

  private boolean isKey(byte[] k) {
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

  private boolean isNonNegativeInt() {
    return type == NUMBER && valueIsInt && b[valueFrom] != '-';
  }

  private boolean isIntOrNull() {
    return type == NULL || (type == NUMBER && valueIsInt);
  }

  private boolean isPlainString() {
    return type == STRING && !valueHasEscape;
  }

  private boolean isPlainStringOrNull() {
    return type == NULL || isPlainString();
  }

  /** The current string value passes {@link FileNames#problem}, the one rule for file names. */
  private boolean isSafeFileName() {
    return FileNames.isSafe(new String(b, valueFrom, valueTo - valueFrom, StandardCharsets.UTF_8));
  }

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.US_ASCII);
  }
}
