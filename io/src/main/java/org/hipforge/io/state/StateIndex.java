package org.hipforge.io.state;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.io.FileSystems;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.JsonStrings;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hash64;
import org.hipforge.io.util.LongTable;

/**
 * The latest record per id of one step's state files ({@link PendingRule#compareLatest}), kept as a
 * few primitive columns per id instead of records: what status, the commands' counts, export and
 * validate need, at tens of millions of ids in one JVM.
 *
 * <p>Per id: finished_at, attempts, run id (interned), pass, compiled (true/false/unknown), the
 * file name as a {@link Hash64}, source_sha256 exactly (32 bytes, or its text when it is not 64
 * lowercase hex digits), the instruction as a Hash64 and a blank flag (only {@code
 * withInstructions}: hashing every instruction costs time), the error category (interned), the
 * tokens, the prompt version (interned; {@code status} counts passed records of another one), and where the line is (file, byte offset), so a whole record is read only on demand
 * ({@link Records}). About 100 bytes an id.
 *
 * <p>Lines come from a {@link StateLineFeed} ({@link StateLineFeed.LastLine#READ}): scanner fields,
 * or a Jackson record for a line the scanner leaves; malformed and torn last lines are counted
 * there (never fatal). Files are read on two threads when there is enough to read, each into its
 * own index, merged by the latest rule. {@link #refresh} reads only what appeared since (new
 * files, appended lines, a torn last line again), so a command adds its own run's output without
 * reading everything twice. Not thread-safe.
 *
 * <pre>{@code
 * StateIndex describe = StateIndex.read(List.of(layout.shardGlob(DESCRIBE), layout.journalGlob(DESCRIBE)), false);
 * int slot = describe.slotOf(42);
 * }</pre>
 */
public final class StateIndex {
  private static final int PASS = 1;
  private static final int COMPILED_KNOWN = 2;
  private static final int COMPILED_TRUE = 4;
  private static final int SHA_PACKED = 8;
  private static final int SHA_TEXT = 16;
  private static final int INSTRUCTION = 32;
  private static final int INSTRUCTION_BLANK = 64;
  /**
   * A second reading thread pays from about this much state: below it, starting a thread and
   * merging cost more than the few milliseconds of reading they save.
   */
  static final long PARALLEL_BYTES = 8L << 20;
  private final long parallelBytes;

  private final boolean withInstructions;
  private final StateLineFeed feed;
  private final StateLineFeed.Lines sink = new StateLineFeed.Lines() {
    @Override
    public void fields(FlatLineScanner.StateFields f, int file, long offset) {
      offer(f, file, offset);
    }

    @Override
    public void record(StateRecord r, int file, long offset) {
      offer(r, file, offset);
    }
  };

  // id -> slot + 1 (0 = empty): ids are usually dense (the manifest numbers files 0, 1, 2, ...),
  // so an array indexed by id holds them (one memory access, in file order mostly sequential);
  // ids far beyond the ids seen so far go to an open-addressing table (sparse ids), id -> slot + 1.
  private int[] direct = new int[0];
  private LongTable sparse = new LongTable(3, 4);
  private int size;
  // the columns, by slot
  private long[] ids;
  private long[] finishedAt;
  private int[] attempts;
  private int[] runIds;
  private byte[] flags;
  private long[] nameHashes;
  private byte[] shas;
  private final Map<Integer, String> shaTexts = new HashMap<>();
  private long[] instructionHashes;
  private int[] categories;
  // Tokens of one answer, at most Integer.MAX_VALUE (no model answers two billion tokens at once):
  // 8 bytes an id less than longs, 80 MB at 10M ids.
  private int[] inputTokens;
  private int[] outputTokens;
  private int[] fileOf;
  private long[] offsets;
  private final Interner runIdNames = new Interner();
  private final Interner categoryNames = new Interner();
  // prompt_version (interned; 0 = absent, the built-in templates)
  private int[] promptVersions;
  /** The latest record's repair rounds + 1 (0: no repair loop), at most 127. */
  private byte[] rounds;
  private final Interner promptVersionNames = new Interner();

  private StateIndex(StateLineFeed feed, boolean withInstructions, long parallelBytes) {
    this.feed = feed;
    this.parallelBytes = parallelBytes;
    this.withInstructions = withInstructions;
    allocate(1024);
  }

  /**
   * Reads every file matching {@code globs} (any Beam filesystem); {@code withInstructions} keeps
   * each instruction's hash and blank flag (the generate rule needs them).
   */
  public static StateIndex read(List<String> globs, boolean withInstructions) throws IOException {
    return read(globs, withInstructions, PARALLEL_BYTES);
  }

  /** {@link #read(List, boolean)} on two threads from {@code parallelBytes} of state (tests: 0). */
  static StateIndex read(List<String> globs, boolean withInstructions, long parallelBytes) throws IOException {
    StateIndex index = new StateIndex(new StateLineFeed(globs, StateLineFeed.LastLine.READ),
        withInstructions, parallelBytes);
    index.refresh();
    return index;
  }

  /** The describe state of a work directory: shards and journals (a describe answer is a record). */
  public static StateIndex describe(WorkLayout layout, boolean withInstructions) throws IOException {
    return read(List.of(layout.shardGlob(WorkLayout.Step.DESCRIBE),
        layout.journalGlob(WorkLayout.Step.DESCRIBE)), withInstructions);
  }

  /** The generate state of a work directory: its shards (generate journals are the response cache). */
  public static StateIndex generate(WorkLayout layout) throws IOException {
    return read(List.of(layout.shardGlob(WorkLayout.Step.GENERATE)), true);
  }

  // ---- reading ----

  /**
   * Reads what appeared since the last read: new files matching the globs, lines appended to known
   * files, and a torn last line again (it may be whole now). Returns the lines read.
   */
  public long refresh() throws IOException {
    List<StateLineFeed.Part> tasks = feed.pending();
    long before = feed.lines();
    long total = 0;
    for (StateLineFeed.Part t : tasks) {
      total += t.bytes;
    }
    if (tasks.size() < 2 || total < parallelBytes || Runtime.getRuntime().availableProcessors() < 2) {
      StateIndex part = newPart();
      StateLineFeed.Tally counted = new StateLineFeed.Tally();
      feed.read(tasks, part.sink, counted);
      feed.count(counted);
      mergeFrom(part);
      return feed.lines() - before;
    }
    // Two workers, the biggest files first to whichever has less so far.
    tasks.sort((a, b) -> Long.compare(b.bytes, a.bytes));
    List<StateLineFeed.Part> first = new ArrayList<>();
    List<StateLineFeed.Part> second = new ArrayList<>();
    long firstBytes = 0;
    long secondBytes = 0;
    for (StateLineFeed.Part t : tasks) {
      if (firstBytes <= secondBytes) {
        first.add(t);
        firstBytes += t.bytes;
      } else {
        second.add(t);
        secondBytes += t.bytes;
      }
    }
    StateIndex a = newPart();
    StateIndex b = newPart();
    StateLineFeed.Tally countedA = new StateLineFeed.Tally();
    StateLineFeed.Tally countedB = new StateLineFeed.Tally();
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "state-index-reader");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<?> other = pool.submit(() -> {
        feed.read(second, b.sink, countedB);
        return null;
      });
      feed.read(first, a.sink, countedA);
      try {
        other.get();
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException) {
          throw (IOException) c;
        }
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        throw new IOException(c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading state", e);
      }
    } finally {
      pool.shutdownNow();
    }
    feed.count(countedA);
    feed.count(countedB);
    // The bigger part is taken over (when this index is empty) and the smaller merged into it.
    StateIndex big = a.size >= b.size ? a : b;
    mergeFrom(big);
    mergeFrom(big == a ? b : a);
    return feed.lines() - before;
  }

  private StateIndex newPart() {
    return new StateIndex(feed, withInstructions, parallelBytes);
  }

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
    nameHashes[slot] = Hash64.of(b, f.fileNameFrom, f.fileNameTo);
    fl |= setSha(slot, b, f.sourceSha256From, f.sourceSha256To);
    if (withInstructions && f.instructionFrom >= 0) {
      fl |= INSTRUCTION;
      if (f.instructionHasEscape) {
        String text = JsonStrings.decode(b, f.instructionFrom, f.instructionTo, true);
        instructionHashes[slot] = Hash64.of(text);
        fl |= text.isBlank() ? INSTRUCTION_BLANK : 0;
      } else {
        instructionHashes[slot] = Hash64.of(b, f.instructionFrom, f.instructionTo);
        fl |= isBlank(b, f.instructionFrom, f.instructionTo) ? INSTRUCTION_BLANK : 0;
      }
    }
    categories[slot] = f.pass ? -1 : categoryNames.intern(StateRecord.errorCategoryOf(f.errorMsgFrom < 0
        ? null : JsonStrings.decode(b, f.errorMsgFrom, f.errorMsgTo, f.errorMsgHasEscape)));
    inputTokens[slot] = tokens(f.inputTokens);
    outputTokens[slot] = tokens(f.outputTokens);
    promptVersions[slot] = promptVersionNames.intern(b, f.promptVersionFrom, f.promptVersionTo);
    rounds[slot] = roundsByte(f.rounds);
    fileOf[slot] = file;
    offsets[slot] = offset;
    flags[slot] = (byte) fl;
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
    nameHashes[slot] = Hash64.of(r.fileName());
    if (r.sourceSha256() != null) {
      byte[] sha = r.sourceSha256().getBytes(StandardCharsets.UTF_8);
      fl |= setSha(slot, sha, 0, sha.length);
    }
    if (withInstructions && r.instruction() != null) {
      fl |= INSTRUCTION | (r.instruction().isBlank() ? INSTRUCTION_BLANK : 0);
      instructionHashes[slot] = Hash64.of(r.instruction());
    }
    categories[slot] = r.pass() ? -1 : categoryNames.intern(r.errorCategory());
    inputTokens[slot] = tokens(r.inputTokens());
    outputTokens[slot] = tokens(r.outputTokens());
    promptVersions[slot] = promptVersionNames.intern(r.promptVersion());
    rounds[slot] = roundsByte(r.rounds() == null ? -1 : r.rounds());
    fileOf[slot] = file;
    offsets[slot] = offset;
    flags[slot] = (byte) fl;
  }

  /**
   * The slot to write a record with these keys into, or -1 when the id's record is later (or the
   * same: the merge keeps the first of equals, so it is idempotent).
   */
  private int claim(long id, long finished, int run, int att, boolean pass) {
    int slot = slotOf(id);
    if (slot >= 0) {
      if (PendingRule.compareLatest(finished, runIdNames.name(run), att, pass,
          finishedAt[slot], runIdNames.name(runIds[slot]), attempts[slot], pass(slot)) <= 0) {
        return -1;
      }
      if ((flags[slot] & SHA_TEXT) != 0) {
        shaTexts.remove(slot);
      }
    } else {
      slot = insert(id);
    }
    finishedAt[slot] = finished;
    runIds[slot] = run;
    attempts[slot] = att;
    return slot;
  }

  private static int tokens(long n) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n));
  }

  private int setSha(int slot, byte[] b, int from, int to) {
    if (from < 0) {
      return 0;
    }
    if (Sha256.pack(b, from, to, shas, slot * 32)) {
      return SHA_PACKED;
    }
    shaTexts.put(slot, new String(b, from, to - from, StandardCharsets.UTF_8));
    return SHA_TEXT;
  }

  /** Whether the raw bytes of a JSON string without escapes are blank text ({@link String#isBlank}). */
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
  private void mergeFrom(StateIndex p) {
    if (size == 0 && runIdNames.size() == 1 && categoryNames.size() == 1 && promptVersionNames.size() == 1) {
      adopt(p);
      return;
    }
    if (size + p.size > ids.length) { // grow once, to at most what both hold
      allocate(size + p.size);
    }
    for (int s = 0; s < p.size; s++) {
      int run = runIdNames.intern(p.runIdNames.name(p.runIds[s]));
      int slot = claim(p.ids[s], p.finishedAt[s], run, p.attempts[s], p.pass(s));
      if (slot < 0) {
        continue;
      }
      flags[slot] = p.flags[s];
      nameHashes[slot] = p.nameHashes[s];
      System.arraycopy(p.shas, s * 32, shas, slot * 32, 32);
      if ((p.flags[s] & SHA_TEXT) != 0) {
        shaTexts.put(slot, p.shaTexts.get(s));
      }
      if (withInstructions) {
        instructionHashes[slot] = p.instructionHashes[s];
      }
      categories[slot] = p.categories[s] < 0 ? -1 : categoryNames.intern(p.categoryNames.name(p.categories[s]));
      inputTokens[slot] = p.inputTokens[s];
      outputTokens[slot] = p.outputTokens[s];
      promptVersions[slot] = promptVersionNames.intern(p.promptVersionNames.name(p.promptVersions[s]));
      rounds[slot] = p.rounds[s];
      fileOf[slot] = p.fileOf[s];
      offsets[slot] = p.offsets[s];
    }
  }

  /** Takes over the columns of {@code p} (this index is empty). */
  private void adopt(StateIndex p) {
    direct = p.direct;
    sparse = p.sparse;
    size = p.size;
    ids = p.ids;
    finishedAt = p.finishedAt;
    attempts = p.attempts;
    runIds = p.runIds;
    flags = p.flags;
    nameHashes = p.nameHashes;
    shas = p.shas;
    shaTexts.putAll(p.shaTexts);
    instructionHashes = p.instructionHashes;
    categories = p.categories;
    inputTokens = p.inputTokens;
    outputTokens = p.outputTokens;
    promptVersions = p.promptVersions;
    rounds = p.rounds;
    fileOf = p.fileOf;
    offsets = p.offsets;
    runIdNames.copyFrom(p.runIdNames);
    categoryNames.copyFrom(p.categoryNames);
    promptVersionNames.copyFrom(p.promptVersionNames);
  }

  // ---- the id -> slot map and the columns ----

  /** The slot of {@code id}'s latest record, or -1 when the id has none. */
  public int slotOf(long id) {
    if (id >= 0 && id < direct.length) {
      int s = direct[(int) id];
      if (s != 0) {
        return s - 1;
      }
    }
    return sparse.size() == 0 ? -1 : (int) sparse.get(id) - 1;
  }

  private int insert(long id) {
    if (size == ids.length) {
      allocate(Math.max(1024, ids.length + (ids.length >> 1)));
    }
    int slot = size++;
    ids[slot] = id;
    if (id >= 0 && id < direct.length) {
      direct[(int) id] = slot + 1;
      return slot;
    }
    // Dense enough for the array: at most about two array entries per id held.
    if (id >= 0 && id < 2L * size + 1024 && id < Integer.MAX_VALUE - 16) {
      direct = Arrays.copyOf(direct, (int) Math.min(Integer.MAX_VALUE - 16,
          Math.max(id + 1, direct.length + (direct.length >> 1))));
      direct[(int) id] = slot + 1;
      return slot;
    }
    sparse.put(id, slot + 1);
    return slot;
  }

  private void allocate(int capacity) {
    ids = ids == null ? new long[capacity] : Arrays.copyOf(ids, capacity);
    finishedAt = finishedAt == null ? new long[capacity] : Arrays.copyOf(finishedAt, capacity);
    attempts = attempts == null ? new int[capacity] : Arrays.copyOf(attempts, capacity);
    runIds = runIds == null ? new int[capacity] : Arrays.copyOf(runIds, capacity);
    flags = flags == null ? new byte[capacity] : Arrays.copyOf(flags, capacity);
    nameHashes = nameHashes == null ? new long[capacity] : Arrays.copyOf(nameHashes, capacity);
    shas = shas == null ? new byte[capacity * 32] : Arrays.copyOf(shas, capacity * 32);
    if (withInstructions) {
      instructionHashes = instructionHashes == null ? new long[capacity] : Arrays.copyOf(instructionHashes, capacity);
    }
    categories = categories == null ? new int[capacity] : Arrays.copyOf(categories, capacity);
    inputTokens = inputTokens == null ? new int[capacity] : Arrays.copyOf(inputTokens, capacity);
    outputTokens = outputTokens == null ? new int[capacity] : Arrays.copyOf(outputTokens, capacity);
    promptVersions = promptVersions == null ? new int[capacity] : Arrays.copyOf(promptVersions, capacity);
    rounds = rounds == null ? new byte[capacity] : Arrays.copyOf(rounds, capacity);
    fileOf = fileOf == null ? new int[capacity] : Arrays.copyOf(fileOf, capacity);
    offsets = offsets == null ? new long[capacity] : Arrays.copyOf(offsets, capacity);
  }

  // ---- what callers read ----

  /** Ids with a record. Slots run from 0 to {@code size() - 1}. */
  public int size() {
    return size;
  }

  public long id(int slot) {
    return ids[slot];
  }

  public boolean pass(int slot) {
    return (flags[slot] & PASS) != 0;
  }

  /** The latest record's {@code compiled}, or null when unknown. */
  public Boolean compiled(int slot) {
    return (flags[slot] & COMPILED_KNOWN) == 0 ? null : (flags[slot] & COMPILED_TRUE) != 0;
  }

  /**
   * The latest record's repair rounds ({@code round_verdicts} entries - 1, at most 126), or -1
   * when it has none (a run without the repair loop).
   */
  public int rounds(int slot) {
    return rounds[slot] - 1;
  }

  private static byte roundsByte(int n) {
    return (byte) (n < 0 ? 0 : Math.min(n, 126) + 1);
  }

  /** The error category of a failed latest record, or null for a passed one. */
  public String errorCategory(int slot) {
    return categories[slot] < 0 ? null : categoryNames.name(categories[slot]);
  }

  /** The latest record's {@code prompt_version} as a small number: 0 = absent (built-in templates). */
  public int promptVersionNumber(int slot) {
    return promptVersions[slot];
  }

  /** The {@code prompt_version} a {@link #promptVersionNumber} stands for (0: null). */
  public String promptVersionName(int number) {
    return promptVersionNames.name(number);
  }

  /** How many prompt-version numbers are in use, 0 included. */
  public int promptVersionCount() {
    return promptVersionNames.size();
  }

  public long inputTokens(int slot) {
    return inputTokens[slot];
  }

  public long outputTokens(int slot) {
    return outputTokens[slot];
  }

  /** Non-blank lines read (records, malformed and torn). */
  public long lines() {
    return feed.lines();
  }

  public long malformedLines() {
    return feed.malformedLines();
  }

  /** Last lines without their newline that did not parse: a crash mid-write. */
  public long tornLines() {
    return feed.tornLines();
  }

  /** Files read. */
  public int files() {
    return feed.files();
  }

  /** The first few malformed lines, as "file:line: reason". */
  public List<String> malformedExamples() {
    return feed.malformedExamples();
  }

  // ---- the rule, on the index ----

  /** The describe outcome of manifest entry {@code e} ({@link PendingRule#describe}). */
  public PendingRule.Outcome describe(ManifestScan.Entry e) {
    return describe(e, slotOf(e.id));
  }

  /** {@link #describe(ManifestScan.Entry)} when the caller has looked up {@code s = slotOf(e.id)}. */
  public PendingRule.Outcome describe(ManifestScan.Entry e, int s) {
    if (s < 0) {
      return PendingRule.Outcome.NEW;
    }
    return PendingRule.describe(true, nameHashes[s] == e.nameHash,
        PendingRule.sourceChanged(e.sha.kind != Sha256.NULL, hasSha(s), sameSha(s, e.sha)), pass(s));
  }

  /**
   * The generate outcome ({@link PendingRule#generate}) of the task in slot {@code d} of the
   * describe index, {@code selected} by --ids, against the generate index; both must keep
   * instructions.
   */
  public static PendingRule.Outcome generate(StateIndex described, int d, boolean selected, StateIndex generated) {
    if (!described.withInstructions || !generated.withInstructions) {
      throw new IllegalStateException("the generate rule needs both indexes built withInstructions");
    }
    int df = described.flags[d];
    boolean ready = PendingRule.ready((df & PASS) != 0,
        (df & INSTRUCTION) == 0 || (df & INSTRUCTION_BLANK) != 0, selected);
    int g = ready ? generated.slotOf(described.ids[d]) : -1;
    if (g < 0) {
      return PendingRule.generate(ready, false, false, false, false, false);
    }
    int gf = generated.flags[g];
    return PendingRule.generate(true, true,
        described.nameHashes[d] == generated.nameHashes[g],
        PendingRule.sourceChanged(described.hasSha(d), generated.hasSha(g), sameSha(described, d, generated, g)),
        PendingRule.instructionChanged((gf & INSTRUCTION) != 0,
            generated.instructionHashes[g] == described.instructionHashes[d]),
        (gf & PASS) != 0);
  }

  private boolean hasSha(int s) {
    return (flags[s] & (SHA_PACKED | SHA_TEXT)) != 0;
  }

  private boolean sameSha(int s, Sha256 v) {
    if (v.kind == Sha256.PACKED) {
      return (flags[s] & SHA_PACKED) != 0 && Sha256.samePacked(shas, s * 32, v.packed, 0);
    }
    if (v.kind == Sha256.TEXT) {
      return (flags[s] & SHA_TEXT) != 0 && v.text.equals(shaTexts.get(s));
    }
    return !hasSha(s);
  }

  private static boolean sameSha(StateIndex a, int s, StateIndex b, int t) {
    int kindA = a.flags[s] & (SHA_PACKED | SHA_TEXT);
    int kindB = b.flags[t] & (SHA_PACKED | SHA_TEXT);
    if (kindA != kindB) {
      return false;
    }
    if (kindA == SHA_PACKED) {
      return Sha256.samePacked(a.shas, s * 32, b.shas, t * 32);
    }
    return kindA == 0 || a.shaTexts.get(s).equals(b.shaTexts.get(t));
  }

  // ---- whole records, on demand ----

  /** Reads whole latest records by their (file, offset); close it to close the files. */
  public Records records() {
    return new Records();
  }

  /** Reads the latest records of this index from their files, keeping each file open once read. */
  public final class Records implements Closeable {
    private final Map<Integer, SeekableByteChannel> open = new HashMap<>();
    private final StateLineFeed.LineAt lines = new StateLineFeed.LineAt(64 * 1024);

    private Records() {}

    /** The whole latest record of {@code slot}. */
    public StateRecord read(int slot) throws IOException {
      String line = line(slot);
      try {
        return StateRecordJson.parse(line);
      } catch (MalformedLineException e) {
        throw new IOException(feed.file(fileOf[slot]) + " at byte " + offsets[slot] + ": the record read before is not "
            + "there any more (was the file rewritten?): " + e.getMessage(), e);
      }
    }

    /**
     * The JSON line of {@code slot}'s latest record as it is in its file: for readers that show
     * keys {@link StateRecord} does not carry (the HTML report shows a neighbour's new keys by name).
     */
    public String line(int slot) throws IOException {
      int file = fileOf[slot];
      SeekableByteChannel ch = open.get(file);
      if (ch == null) {
        ReadableByteChannel c = FileSystems.open(feed.file(file));
        if (!(c instanceof SeekableByteChannel)) {
          c.close();
          throw new IOException(feed.file(file) + ": the filesystem cannot seek; cannot read a record by offset");
        }
        ch = (SeekableByteChannel) c;
        open.put(file, ch);
      }
      return lines.read(ch, offsets[slot]);
    }

    /** The whole latest record of {@code id}, or null. */
    public StateRecord readId(long id) throws IOException {
      int slot = slotOf(id);
      return slot < 0 ? null : read(slot);
    }

    @Override
    public void close() throws IOException {
      IOException first = null;
      for (SeekableByteChannel ch : open.values()) {
        try {
          ch.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      open.clear();
      if (first != null) {
        throw first;
      }
    }
  }

  // ---- small helpers ----

  /**
   * Short repeated strings (run ids, error categories) as small ints; run ids straight from line
   * bytes without making a String for the common repeat. Index 0 is null.
   */
  static final class Interner {
    private final List<String> names = new ArrayList<>();
    private final List<byte[]> bytes = new ArrayList<>();
    private final Map<String, Integer> byName = new HashMap<>();
    private long[] hashes = new long[64];
    private int[] values = new int[64]; // index + 1; 0 = empty

    Interner() {
      names.add(null);
      bytes.add(null);
    }

    int size() {
      return names.size();
    }

    String name(int i) {
      return names.get(i);
    }

    int intern(String s) {
      if (s == null) {
        return 0;
      }
      Integer i = byName.get(s);
      if (i != null) {
        return i;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return intern(b, 0, b.length);
    }

    int intern(byte[] b, int from, int to) {
      if (from < 0) {
        return 0;
      }
      long h = Hash64.of(b, from, to);
      int mask = hashes.length - 1;
      int i = (int) h & mask;
      while (values[i] != 0) {
        int v = values[i] - 1;
        if (hashes[i] == h && Arrays.equals(bytes.get(v), 0, bytes.get(v).length, b, from, to)) {
          return v;
        }
        i = (i + 1) & mask;
      }
      int v = names.size();
      String s = new String(b, from, to - from, StandardCharsets.UTF_8);
      names.add(s);
      bytes.add(Arrays.copyOfRange(b, from, to));
      byName.put(s, v);
      hashes[i] = h;
      values[i] = v + 1;
      if (names.size() * 2 > hashes.length) {
        grow();
      }
      return v;
    }

    void copyFrom(Interner o) {
      for (int i = 1; i < o.names.size(); i++) {
        byte[] b = o.bytes.get(i);
        intern(b, 0, b.length);
      }
    }

    private void grow() {
      long[] oldHashes = hashes;
      int[] oldValues = values;
      hashes = new long[oldHashes.length * 2];
      values = new int[oldValues.length * 2];
      int mask = hashes.length - 1;
      for (int j = 0; j < oldHashes.length; j++) {
        if (oldValues[j] != 0) {
          int i = (int) oldHashes[j] & mask;
          while (values[i] != 0) {
            i = (i + 1) & mask;
          }
          hashes[i] = oldHashes[j];
          values[i] = oldValues[j];
        }
      }
    }
  }
}
