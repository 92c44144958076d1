package org.hipforge.io.jsonl;

import java.nio.charset.StandardCharsets;

/**
 * Reads the fields the anti-join needs straight from the bytes of one flat JSON line, or says that
 * it cannot, in which case the caller parses the line with Jackson ({@link StateRecordJson}, {@link
 * ManifestJson}), which also names what is wrong with it.
 *
 * <p>Why: state and manifest lines are read by the million, and decoding each line to a String and
 * tokenizing it with Jackson was most of the anti-join's time. This scanner walks the bytes once,
 * checks them against the JSON grammar and UTF-8, and leaves the fields it returns as ranges of the
 * caller's buffer.
 *
 * <p>The contract is agreement: when {@code scan*} returns true, the Jackson path would have read
 * the same values from the same line; anything this scanner does not handle exactly (escapes in a
 * field it returns, a nested value, a number that is not a plain integer, a missing field, an
 * unsafe file name, invalid JSON or UTF-8) makes it return false. Not thread-safe: one per reader.
 *
 * <p>The walk over the bytes (grammar, UTF-8, the value just read) is {@link JsonCursor}'s; this
 * class maps the keys to fields. It extends the cursor rather than holding one so that the
 * per-member checks read the cursor's state as this object's own fields, as they did before the
 * split (a held cursor measured slower in the state parse benchmark: benchmarks/README.md).
 */
public final class FlatLineScanner extends JsonCursor {
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

  /**
   * The slim fields of a state line; string fields are ranges of {@link #line} (from = -1: null).
   */
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

    /**
     * {@link #COMPILED_NULL} (absent or null), {@link #COMPILED_FALSE} or {@link #COMPILED_TRUE}.
     */
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
          f.rounds =
              valueFrom == valueTo ? -1 : commas; // "" reads as absent, as on the Jackson path
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

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.US_ASCII);
  }
}
