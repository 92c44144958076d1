package org.hipforge.io.jsonl;

import java.nio.charset.StandardCharsets;

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

  /** The fields every line has: its buffer, the id and the file name's range in it. */
  public abstract static class LineFields {
    public byte[] line;
    public long id;
    public int fileNameFrom;
    public int fileNameTo;
  }

  /** The slim fields of a state line; string fields are ranges of {@link #line} (from = -1: null). */
  public static final class StateFields extends LineFields {
    public boolean pass;
    public int attempts;
    public long finishedAtMillis;
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

  // Bits of the required keys a line had.
  private static final int SAW_ID = 1;
  private static final int SAW_FILE_NAME = 2;
  private static final int SAW_PASS = 4;

  /** Values of {@link StateFields#compiled}. */
  public static final int COMPILED_NULL = -1;
  public static final int COMPILED_FALSE = 0;
  public static final int COMPILED_TRUE = 1;
  /** compiled() of any other scalar: the Jackson path must read it. */
  private static final int COMPILED_OTHER = -2;
  /** rounds() of a string with an escape: the Jackson path must read it. */
  private static final int ROUNDS_ESCAPED = -2;

  /** The fields of a manifest line; string fields are ranges of {@link #line} (from = -1: null). */
  public static final class ManifestFields extends LineFields {
    public long bytes;
    public int sha256From;
    public int sha256To;
  }

  private final JsonCursor in = new JsonCursor();

  /** Reads a slim state line; false when the Jackson path must decide. */
  public boolean scanState(byte[] line, int from, int to, StateFields f) {
    if (!in.open(line, from, to)) {
      return false;
    }
    reset(f, line);
    return members(f, true) == (SAW_ID | SAW_FILE_NAME | SAW_PASS);
  }

  /**
   * Reads every member of the line opened: the bits of the required keys it had, or -1 when the
   * line must go to the Jackson path ({@code state}: a state line, else a manifest line).
   */
  private int members(LineFields f, boolean state) {
    int seen = 0;
    int r;
    while ((r = in.next()) > 0) {
      int read = idOrFileName(f, state);
      if (read == 0) {
        read = state ? stateMember((StateFields) f) : manifestMember((ManifestFields) f);
      }
      if (read < 0) {
        return -1;
      }
      seen |= read;
    }
    return r == 0 ? seen : -1;
  }

  /** A member of a state line other than id and file_name: its required-key bit, 0, or -1. */
  private int stateMember(StateFields f) {
    boolean ok = true;
    int saw = 0;
    if (in.isKey(K_PASS)) {
      ok = in.type == JsonCursor.TRUE || in.type == JsonCursor.FALSE;
      f.pass = in.type == JsonCursor.TRUE;
      saw = SAW_PASS;
    } else if (in.isKey(K_SOURCE_SHA256)) {
      ok = in.isPlainStringOrNull();
      f.sourceSha256From = in.fromOrNull();
      f.sourceSha256To = in.toOrNull();
    } else if (in.isKey(K_RUN_ID)) {
      ok = in.isPlainStringOrNull();
      f.runIdFrom = in.fromOrNull();
      f.runIdTo = in.toOrNull();
    } else if (in.isKey(K_FINISHED_AT)) {
      f.finishedAtMillis = finishedAt();
      ok = f.finishedAtMillis != Long.MIN_VALUE;
    } else if (in.isKey(K_ATTEMPTS)) {
      ok = in.isIntOrNull();
      f.attempts = in.type == JsonCursor.NULL ? 0 : (int) in.valueLong;
    } else if (in.isKey(K_INPUT_TOKENS)) {
      ok = in.isIntOrNull();
      f.inputTokens = in.type == JsonCursor.NULL ? 0 : in.valueLong;
    } else if (in.isKey(K_OUTPUT_TOKENS)) {
      ok = in.isIntOrNull();
      f.outputTokens = in.type == JsonCursor.NULL ? 0 : in.valueLong;
    } else if (in.isKey(K_LATENCY_MS)) {
      ok = in.isIntOrNull(); // not returned, but the Jackson path rejects a non-number
    } else if (in.isKey(K_COMPILED)) {
      f.compiled = compiled();
      ok = f.compiled != COMPILED_OTHER; // Jackson reads any other scalar as false: let it say so
    } else if (in.isKey(K_PROMPT_SHA256)) {
      ok = in.isPlainStringOrNull();
      f.promptSha256From = in.fromOrNull();
      f.promptSha256To = in.toOrNull();
    } else if (in.isKey(K_PROMPT_VERSION)) {
      ok = in.isPlainStringOrNull();
      f.promptVersionFrom = in.fromOrNull();
      f.promptVersionTo = in.toOrNull();
    } else if (in.isKey(K_INSTRUCTION)) {
      ok = in.type == JsonCursor.STRING || in.type == JsonCursor.NULL;
      f.instructionFrom = in.fromOrNull();
      f.instructionTo = in.toOrNull();
      f.instructionHasEscape = in.type == JsonCursor.STRING && in.valueHasEscape;
    } else if (in.isKey(K_ERROR_MSG)) {
      ok = in.type == JsonCursor.STRING || in.type == JsonCursor.NULL;
      f.errorMsgFrom = in.fromOrNull();
      f.errorMsgTo = in.toOrNull();
      f.errorMsgHasEscape = in.type == JsonCursor.STRING && in.valueHasEscape;
    } else if (in.isKey(K_ROUND_VERDICTS)) {
      f.rounds = rounds();
      ok = f.rounds != ROUNDS_ESCAPED;
    }
    // Any other key: any scalar value is fine (nested values already returned -1).
    return ok ? saw : -1;
  }

  /**
   * Reads the member just read into {@code f} when it is the id or the file name (checked by the
   * one rule when {@code checkName}): {@link #SAW_ID} or {@link #SAW_FILE_NAME}, -1 when its value
   * sends the line to the Jackson path, 0 for any other key.
   */
  private int idOrFileName(LineFields f, boolean checkName) {
    if (in.isKey(K_ID)) {
      f.id = in.valueLong;
      return in.isNonNegativeInt() ? SAW_ID : -1;
    }
    if (in.isKey(K_FILE_NAME)) {
      f.fileNameFrom = in.valueFrom;
      f.fileNameTo = in.valueTo;
      return in.isPlainString() && (!checkName || in.isSafeFileName()) ? SAW_FILE_NAME : -1;
    }
    return 0;
  }

  private static void reset(StateFields f, byte[] line) {
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
  }

  /** The finished_at just read in millis (null: 0); Long.MIN_VALUE when Jackson must read it. */
  private long finishedAt() {
    if (in.type == JsonCursor.NULL) {
      return 0;
    }
    if (!in.isPlainString()) {
      return Long.MIN_VALUE;
    }
    // Long.MIN_VALUE for another ISO form or not a time: Timestamps.parse decides.
    return Timestamps.parseFixed(in.b, in.valueFrom, in.valueTo);
  }

  /** A value of compiled, or COMPILED_OTHER (not a JSON boolean or null). */
  private int compiled() {
    switch (in.type) {
      case JsonCursor.TRUE:
        return COMPILED_TRUE;
      case JsonCursor.FALSE:
        return COMPILED_FALSE;
      case JsonCursor.NULL:
        return COMPILED_NULL;
      default:
        return COMPILED_OTHER;
    }
  }

  /** The commas of round_verdicts just read; -1 for "", null or another scalar (read leniently). */
  private int rounds() {
    if (in.type != JsonCursor.STRING) {
      return -1;
    }
    if (in.valueHasEscape) {
      return ROUNDS_ESCAPED;
    }
    if (in.valueFrom == in.valueTo) {
      return -1; // "" reads as absent, as on the Jackson path
    }
    int commas = 0;
    for (int i = in.valueFrom; i < in.valueTo; i++) {
      commas += in.b[i] == ',' ? 1 : 0;
    }
    return commas;
  }

  /** Reads a manifest line; false when the Jackson path must decide. */
  public boolean scanManifest(byte[] line, int from, int to, ManifestFields f) {
    if (!in.open(line, from, to)) {
      return false;
    }
    f.line = line;
    f.bytes = -1;
    f.sha256From = -1;
    f.sha256To = -1;
    // The manifest checks the file name it keeps (the last one), after the whole object.
    return members(f, false) == (SAW_ID | SAW_FILE_NAME)
        && in.isSafeFileName(f.fileNameFrom, f.fileNameTo);
  }

  /** A member of a manifest line other than id and file_name: 0, or -1. */
  private int manifestMember(ManifestFields f) {
    boolean ok = true;
    if (in.isKey(K_BYTES)) {
      // A float reads as -1 and a huge integer fails on the Jackson path: let Jackson tell.
      ok = in.type != JsonCursor.NUMBER || in.valueIsInt;
      f.bytes = in.type == JsonCursor.NUMBER ? in.valueLong : -1;
    } else if (in.isKey(K_SHA256)) {
      boolean string = in.type == JsonCursor.STRING;
      ok = !string || !in.valueHasEscape;
      f.sha256From = string ? in.valueFrom : -1;
      f.sha256To = string ? in.valueTo : -1;
    }
    return ok ? 0 : -1;
  }

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.US_ASCII);
  }
}
