package org.hipforge.io.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.JsonStrings;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hash64;

/**
 * {@link StateIndex}'s storage: per id the latest record's few fields (by {@link
 * PendingRule#compareLatest}) in three packed primitive arrays, fed line by line from a {@link
 * StateLineFeed}, and merged with another such storage read on another thread. Its public methods
 * are {@link StateIndex}'s (slots run from 0 to {@code size() - 1}). Not thread-safe.
 */
class StateSlots {
  private static final int PASS = 1;
  private static final int COMPILED_KNOWN = 2;
  private static final int COMPILED_TRUE = 4;
  private static final int SHA_PACKED = 8;
  private static final int SHA_TEXT = 16;
  private static final int INSTRUCTION = 32;
  private static final int INSTRUCTION_BLANK = 64;
  // A slot's fields lie together in three arrays (a look-up by id touches a few cache lines).
  // longs: id, finished_at, file name hash, byte offset of the line, instruction hash (only
  // withInstructions: hashing every instruction costs time).
  private static final int L_ID = 0;
  private static final int L_FINISHED = 1;
  private static final int L_NAME = 2;
  private static final int L_OFFSET = 3;
  private static final int L_INSTRUCTION = 4;
  // ints: attempts, run id, error category (-1: passed) and prompt version (all three interned),
  // file, input and output tokens (an answer has at most Integer.MAX_VALUE of them: 8 bytes an id
  // less than longs).
  private static final int I_ATTEMPTS = 0;
  private static final int I_RUN = 1;
  private static final int I_CATEGORY = 2;
  private static final int I_PROMPT = 3;
  private static final int I_FILE = 4;
  private static final int I_INPUT = 5;
  private static final int I_OUTPUT = 6;
  private static final int INTS = 7;
  // bytes: the flags above, repair rounds + 1 (0: no repair loop, at most 127), source_sha256
  // packed (32 bytes; its text is in shaTexts when it is not 64 lowercase hex digits).
  private static final int B_FLAGS = 0;
  private static final int B_ROUNDS = 1;
  private static final int B_SHA = 2;
  private static final int BYTES = 34;

  private final boolean withInstructions;
  private final int longsPerSlot;

  private IdSlots idSlots = new IdSlots();
  private int size;
  private long[] longs = new long[0];
  private int[] ints = new int[0];
  private byte[] bytes = new byte[0];
  private final Map<Integer, String> shaTexts = new HashMap<>();
  private final Interner runIdNames = new Interner();
  private final Interner categoryNames = new Interner();
  private final Interner promptVersionNames = new Interner();

  StateSlots(boolean withInstructions) {
    this.withInstructions = withInstructions;
    this.longsPerSlot = withInstructions ? L_INSTRUCTION + 1 : L_INSTRUCTION;
    allocate(1024);
  }

  boolean withInstructions() {
    return withInstructions;
  }

  /** This storage as a feed's receiver of lines. */
  final StateLineFeed.Lines sink =
      new StateLineFeed.Lines() {
        @Override
        public void fields(FlatLineScanner.StateFields f, int file, long offset) {
          offer(f, file, offset);
        }

        @Override
        public void record(StateRecord r, int file, long offset) {
          offer(r, file, offset);
        }
      };

  /** A line the scanner read: the few fields are written only when it is the latest so far. */
  private void offer(FlatLineScanner.StateFields f, int file, long offset) {
    byte[] b = f.line;
    int run = runIdNames.intern(b, f.runIdFrom, f.runIdTo);
    int slot = claim(f.id, f.finishedAtMillis, run, f.attempts, f.pass);
    if (slot < 0) {
      return;
    }
    int fl = f.pass ? PASS : 0;
    if (f.compiled != FlatLineScanner.COMPILED_NULL) {
      fl |= COMPILED_KNOWN | (f.compiled == FlatLineScanner.COMPILED_TRUE ? COMPILED_TRUE : 0);
    }
    longs[slot * longsPerSlot + L_NAME] = Hash64.of(b, f.fileNameFrom, f.fileNameTo);
    fl |= setSha(slot, b, f.sourceSha256From, f.sourceSha256To);
    if (withInstructions && f.instructionFrom >= 0) {
      fl |= INSTRUCTION;
      long hash;
      if (f.instructionHasEscape) {
        String text = JsonStrings.decode(b, f.instructionFrom, f.instructionTo, true);
        hash = Hash64.of(text);
        fl |= text.isBlank() ? INSTRUCTION_BLANK : 0;
      } else {
        hash = Hash64.of(b, f.instructionFrom, f.instructionTo);
        fl |= isBlank(b, f.instructionFrom, f.instructionTo) ? INSTRUCTION_BLANK : 0;
      }
      longs[slot * longsPerSlot + L_INSTRUCTION] = hash;
    }
    int category =
        f.pass
            ? -1
            : categoryNames.intern(
                StateRecord.errorCategoryOf(
                    f.errorMsgFrom < 0
                        ? null
                        : JsonStrings.decode(
                            b, f.errorMsgFrom, f.errorMsgTo, f.errorMsgHasEscape)));
    fill(
        slot,
        fl,
        category,
        promptVersionNames.intern(b, f.promptVersionFrom, f.promptVersionTo),
        f.inputTokens,
        f.outputTokens,
        f.rounds,
        file,
        offset);
  }

  /** A line the Jackson path read. */
  private void offer(StateRecord r, int file, long offset) {
    int run = runIdNames.intern(r.runId());
    int slot = claim(r.id(), r.finishedAtMillis(), run, r.attempts(), r.pass());
    if (slot < 0) {
      return;
    }
    int fl = r.pass() ? PASS : 0;
    if (r.compiled() != null) {
      fl |= COMPILED_KNOWN | (r.compiled() ? COMPILED_TRUE : 0);
    }
    longs[slot * longsPerSlot + L_NAME] = Hash64.of(r.fileName());
    if (r.sourceSha256() != null) {
      byte[] sha = r.sourceSha256().getBytes(StandardCharsets.UTF_8);
      fl |= setSha(slot, sha, 0, sha.length);
    }
    if (withInstructions && r.instruction() != null) {
      fl |= INSTRUCTION | (r.instruction().isBlank() ? INSTRUCTION_BLANK : 0);
      longs[slot * longsPerSlot + L_INSTRUCTION] = Hash64.of(r.instruction());
    }
    int category = r.pass() ? -1 : categoryNames.intern(r.errorCategory());
    fill(
        slot,
        fl,
        category,
        promptVersionNames.intern(r.promptVersion()),
        r.inputTokens(),
        r.outputTokens(),
        r.rounds() == null ? -1 : r.rounds(),
        file,
        offset);
  }

  /** The fields both readers of a line write alike. */
  private void fill(
      int slot,
      int flags,
      int category,
      int promptVersion,
      long inputTokens,
      long outputTokens,
      int rounds,
      int file,
      long offset) {
    int i = slot * INTS;
    ints[i + I_CATEGORY] = category;
    ints[i + I_PROMPT] = promptVersion;
    ints[i + I_FILE] = file;
    ints[i + I_INPUT] = tokens(inputTokens);
    ints[i + I_OUTPUT] = tokens(outputTokens);
    longs[slot * longsPerSlot + L_OFFSET] = offset;
    bytes[slot * BYTES + B_ROUNDS] = (byte) (rounds < 0 ? 0 : Math.min(rounds, 126) + 1);
    bytes[slot * BYTES + B_FLAGS] = (byte) flags;
  }

  /**
   * The slot to write a record with these keys into, or -1 when the id's record is later (or the
   * same: the merge keeps the first of equals, so it is idempotent).
   */
  private int claim(long id, long finished, int run, int att, boolean pass) {
    int slot = slotOf(id);
    if (slot >= 0) {
      if (PendingRule.compareLatest(
              finished,
              runIdNames.name(run),
              att,
              pass,
              longs[slot * longsPerSlot + L_FINISHED],
              runIdNames.name(ints[slot * INTS + I_RUN]),
              ints[slot * INTS + I_ATTEMPTS],
              pass(slot))
          <= 0) {
        return -1;
      }
      if ((flags(slot) & SHA_TEXT) != 0) {
        shaTexts.remove(slot);
      }
    } else {
      slot = insert(id);
    }
    longs[slot * longsPerSlot + L_FINISHED] = finished;
    ints[slot * INTS + I_RUN] = run;
    ints[slot * INTS + I_ATTEMPTS] = att;
    return slot;
  }

  private static int tokens(long n) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n));
  }

  private int setSha(int slot, byte[] b, int from, int to) {
    if (from < 0) {
      return 0;
    }
    if (Sha256.pack(b, from, to, bytes, slot * BYTES + B_SHA)) {
      return SHA_PACKED;
    }
    shaTexts.put(slot, new String(b, from, to - from, StandardCharsets.UTF_8));
    return SHA_TEXT;
  }

  /**
   * Whether the raw bytes of a JSON string without escapes are blank text ({@link String#isBlank}).
   */
  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c == ' ') {
        continue;
      }
      if (c < 0) { // non-ASCII: Unicode spaces are blank too, so decide on the text
        return new String(b, from, to - from, StandardCharsets.UTF_8).isBlank();
      }
      return false;
    }
    return true;
  }

  /** Folds another index (over other files) into this one, by the latest rule. */
  void mergeFrom(StateSlots p) {
    if (size == 0
        && runIdNames.size() == 1
        && categoryNames.size() == 1
        && promptVersionNames.size() == 1) {
      adopt(p);
      return;
    }
    if (size + p.size > ints.length / INTS) { // grow once, to at most what both hold
      allocate(size + p.size);
    }
    for (int s = 0; s < p.size; s++) {
      int run = runIdNames.intern(p.runIdNames.name(p.ints[s * INTS + I_RUN]));
      int slot =
          claim(
              p.id(s),
              p.longs[s * longsPerSlot + L_FINISHED],
              run,
              p.ints[s * INTS + I_ATTEMPTS],
              p.pass(s));
      if (slot < 0) {
        continue;
      }
      System.arraycopy(p.longs, s * longsPerSlot, longs, slot * longsPerSlot, longsPerSlot);
      System.arraycopy(p.ints, s * INTS, ints, slot * INTS, INTS);
      System.arraycopy(p.bytes, s * BYTES, bytes, slot * BYTES, BYTES);
      // The interned numbers are p's: this index's numbers for the same names.
      ints[slot * INTS + I_RUN] = run;
      int category = p.ints[s * INTS + I_CATEGORY];
      ints[slot * INTS + I_CATEGORY] =
          category < 0 ? -1 : categoryNames.intern(p.categoryNames.name(category));
      ints[slot * INTS + I_PROMPT] =
          promptVersionNames.intern(p.promptVersionName(p.promptVersionNumber(s)));
      if ((p.flags(s) & SHA_TEXT) != 0) {
        shaTexts.put(slot, p.shaTexts.get(s));
      }
    }
  }

  /** Takes over the slots of {@code p} (this index is empty). */
  private void adopt(StateSlots p) {
    idSlots = p.idSlots;
    size = p.size;
    longs = p.longs;
    ints = p.ints;
    bytes = p.bytes;
    shaTexts.putAll(p.shaTexts);
    runIdNames.copyFrom(p.runIdNames);
    categoryNames.copyFrom(p.categoryNames);
    promptVersionNames.copyFrom(p.promptVersionNames);
  }

  // ---- the id -> slot map and the arrays ----

  /** The slot of {@code id}'s latest record, or -1 when the id has none. */
  public int slotOf(long id) {
    return idSlots.get(id);
  }

  private int insert(long id) {
    if (size == ints.length / INTS) {
      allocate(Math.max(1024, size + (size >> 1)));
    }
    int slot = size++;
    longs[slot * longsPerSlot + L_ID] = id;
    idSlots.put(id, slot, size);
    return slot;
  }

  private void allocate(int capacity) {
    longs = Arrays.copyOf(longs, capacity * longsPerSlot);
    ints = Arrays.copyOf(ints, capacity * INTS);
    bytes = Arrays.copyOf(bytes, capacity * BYTES);
  }

  // ---- reading a slot ----

  /** Ids with a record. Slots run from 0 to {@code size() - 1}. */
  public int size() {
    return size;
  }

  /** The id in {@code slot}. */
  public long id(int slot) {
    return longs[slot * longsPerSlot + L_ID];
  }

  long nameHash(int slot) {
    return longs[slot * longsPerSlot + L_NAME];
  }

  /** The instruction's hash; meaningful only when {@link #hasInstruction}. */
  long instructionHash(int slot) {
    return longs[slot * longsPerSlot + L_INSTRUCTION];
  }

  long offset(int slot) {
    return longs[slot * longsPerSlot + L_OFFSET];
  }

  int file(int slot) {
    return ints[slot * INTS + I_FILE];
  }

  private int flags(int slot) {
    return bytes[slot * BYTES + B_FLAGS];
  }

  /** The latest record's {@code pass}. */
  public boolean pass(int slot) {
    return (flags(slot) & PASS) != 0;
  }

  /** The latest record's {@code compiled}, or null when unknown. */
  public Boolean compiled(int slot) {
    return (flags(slot) & COMPILED_KNOWN) == 0 ? null : (flags(slot) & COMPILED_TRUE) != 0;
  }

  boolean hasInstruction(int slot) {
    return (flags(slot) & INSTRUCTION) != 0;
  }

  boolean instructionBlank(int slot) {
    return (flags(slot) & INSTRUCTION_BLANK) != 0;
  }

  /**
   * The latest record's repair rounds ({@code round_verdicts} entries - 1, at most 126), or -1 when
   * it has none (a run without the repair loop).
   */
  public int rounds(int slot) {
    return bytes[slot * BYTES + B_ROUNDS] - 1;
  }

  /** The error category of a failed latest record, or null for a passed one. */
  public String errorCategory(int slot) {
    int c = ints[slot * INTS + I_CATEGORY];
    return c < 0 ? null : categoryNames.name(c);
  }

  /**
   * The latest record's {@code prompt_version} as a small number: 0 = absent (built-in templates).
   */
  public int promptVersionNumber(int slot) {
    return ints[slot * INTS + I_PROMPT];
  }

  /** The {@code prompt_version} a {@link #promptVersionNumber} stands for (0: null). */
  public String promptVersionName(int number) {
    return promptVersionNames.name(number);
  }

  /** How many prompt-version numbers are in use, 0 included. */
  public int promptVersionCount() {
    return promptVersionNames.size();
  }

  /** The latest record's {@code input_tokens}. */
  public long inputTokens(int slot) {
    return ints[slot * INTS + I_INPUT];
  }

  /** The latest record's {@code output_tokens}. */
  public long outputTokens(int slot) {
    return ints[slot * INTS + I_OUTPUT];
  }

  boolean hasSha(int s) {
    return (flags(s) & (SHA_PACKED | SHA_TEXT)) != 0;
  }

  boolean sameSha(int s, Sha256 v) {
    if (v.kind == Sha256.PACKED) {
      return (flags(s) & SHA_PACKED) != 0
          && Sha256.samePacked(bytes, s * BYTES + B_SHA, v.packed, 0);
    }
    if (v.kind == Sha256.TEXT) {
      return (flags(s) & SHA_TEXT) != 0 && v.text.equals(shaTexts.get(s));
    }
    return !hasSha(s);
  }

  static boolean sameSha(StateSlots a, int s, StateSlots b, int t) {
    int kindA = a.flags(s) & (SHA_PACKED | SHA_TEXT);
    int kindB = b.flags(t) & (SHA_PACKED | SHA_TEXT);
    if (kindA != kindB) {
      return false;
    }
    if (kindA == SHA_PACKED) {
      return Sha256.samePacked(a.bytes, s * BYTES + B_SHA, b.bytes, t * BYTES + B_SHA);
    }
    return kindA == 0 || a.shaTexts.get(s).equals(b.shaTexts.get(t));
  }
}
