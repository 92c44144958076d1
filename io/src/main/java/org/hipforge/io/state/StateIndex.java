package org.hipforge.io.state;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;

/**
 * The latest record per id of one step's state files ({@link PendingRule#compareLatest}), kept as a
 * few primitive fields per id instead of records ({@link StateSlots}): what status, the commands'
 * counts, export and validate need, at tens of millions of ids in one JVM.
 *
 * <p>Per id: finished_at, attempts, run id (interned), pass, compiled (true/false/unknown), the
 * file name as a 64-bit hash, source_sha256 exactly (32 bytes, or its text when it is not 64
 * lowercase hex digits), the instruction as a hash and a blank flag (only {@code withInstructions}:
 * hashing every instruction costs time), the error category (interned), the tokens, the prompt
 * version (interned; {@code status} counts passed records of another one), and where the line is
 * (file, byte offset), so a whole record is read only on demand ({@link Records}). About 100 bytes
 * an id.
 *
 * <p>Lines come from a {@link StateLineFeed} ({@link StateLineFeed.LastLine#READ}): scanner fields,
 * or a Jackson record for a line the scanner leaves; malformed and torn last lines are counted
 * there (never fatal). Files are read on two threads when there is enough to read, each into its
 * own index, merged by the latest rule. {@link #refresh} reads only what appeared since (new files,
 * appended lines, a torn last line again), so a command adds its own run's output without reading
 * everything twice. Not thread-safe.
 *
 * <pre>{@code
 * StateIndex describe = StateIndex.read(List.of(layout.shardGlob(DESCRIBE), layout.journalGlob(DESCRIBE)), false);
 * int slot = describe.slotOf(42);
 * }</pre>
 */
public final class StateIndex extends StateSlots {
  /**
   * A second reading thread pays from about this much state: below it, starting a thread and
   * merging cost more than the few milliseconds of reading they save.
   */
  static final long PARALLEL_BYTES = 8L << 20;

  private final StateLineFeed feed;
  private final long parallelBytes;

  private StateIndex(StateLineFeed feed, boolean withInstructions, long parallelBytes) {
    super(withInstructions);
    this.feed = feed;
    this.parallelBytes = parallelBytes;
  }

  /**
   * Reads every file matching {@code globs} (any Beam filesystem); {@code withInstructions} keeps
   * each instruction's hash and blank flag (the generate rule needs them).
   */
  public static StateIndex read(List<String> globs, boolean withInstructions) throws IOException {
    return read(globs, withInstructions, PARALLEL_BYTES);
  }

  /** {@link #read(List, boolean)} on two threads from {@code parallelBytes} of state (tests: 0). */
  static StateIndex read(List<String> globs, boolean withInstructions, long parallelBytes)
      throws IOException {
    StateIndex index =
        new StateIndex(
            new StateLineFeed(globs, StateLineFeed.LastLine.READ), withInstructions, parallelBytes);
    index.refresh();
    return index;
  }

  /**
   * The describe state of a work directory: shards and journals (a describe answer is a record).
   */
  public static StateIndex describe(WorkLayout layout, boolean withInstructions)
      throws IOException {
    return read(
        List.of(
            layout.shardGlob(WorkLayout.Step.DESCRIBE),
            layout.journalGlob(WorkLayout.Step.DESCRIBE)),
        withInstructions);
  }

  /**
   * The generate state of a work directory: its shards (generate journals are the response cache).
   */
  public static StateIndex generate(WorkLayout layout) throws IOException {
    return read(List.of(layout.shardGlob(WorkLayout.Step.GENERATE)), true);
  }

  /**
   * Reads what appeared since the last read: new files matching the globs, lines appended to known
   * files, and a torn last line again (it may be whole now). Returns the lines read.
   */
  public long refresh() throws IOException {
    List<StateLineFeed.Part> parts = feed.pending();
    long before = feed.lines();
    StateSlots a = new StateSlots(withInstructions());
    if (!TwoReaders.worthIt(parts, parallelBytes)) {
      feed.read(parts, a.sink);
      mergeFrom(a);
      return feed.lines() - before;
    }
    StateSlots b = new StateSlots(withInstructions());
    TwoReaders.read(feed, parts, a.sink, b.sink);
    // The bigger part is taken over (when this index is empty) and the smaller merged into it.
    StateSlots big = a.size() >= b.size() ? a : b;
    mergeFrom(big);
    mergeFrom(big == a ? b : a);
    return feed.lines() - before;
  }

  // ---- what callers read (also the slots' fields, from StateSlots) ----

  /** What was read: lines, files, malformed and torn lines (the feed's counts). */
  StateLineFeed feed() {
    return feed;
  }

  // ---- the rule, on the index ----

  /** The describe outcome of manifest entry {@code e} ({@link PendingRule#describe}). */
  public PendingRule.Outcome describe(ManifestScan.Entry e) {
    return describe(e, slotOf(e.id));
  }

  /**
   * {@link #describe(ManifestScan.Entry)} when the caller has looked up {@code s = slotOf(e.id)}.
   */
  public PendingRule.Outcome describe(ManifestScan.Entry e, int s) {
    if (s < 0) {
      return PendingRule.Outcome.NEW;
    }
    return PendingRule.describe(
        true,
        nameHash(s) == e.nameHash,
        PendingRule.sourceChanged(e.sha.kind != Sha256.NULL, hasSha(s), sameSha(s, e.sha)),
        pass(s));
  }

  /**
   * The generate outcome ({@link PendingRule#generate}) of the task in slot {@code d} of the
   * describe index, {@code selected} by --ids, against the generate index; both must keep
   * instructions.
   */
  public static PendingRule.Outcome generate(
      StateIndex described, int d, boolean selected, StateIndex generated) {
    StateIndex ds = described;
    StateIndex gs = generated;
    if (!ds.withInstructions() || !gs.withInstructions()) {
      throw new IllegalStateException(
          "the generate rule needs both indexes built withInstructions");
    }
    boolean ready =
        PendingRule.ready(ds.pass(d), !ds.hasInstruction(d) || ds.instructionBlank(d), selected);
    int g = ready ? gs.slotOf(ds.id(d)) : -1;
    if (g < 0) {
      return PendingRule.generate(ready, false, false, false, false, false);
    }
    return PendingRule.generate(
        true,
        true,
        ds.nameHash(d) == gs.nameHash(g),
        PendingRule.sourceChanged(ds.hasSha(d), gs.hasSha(g), sameSha(ds, d, gs, g)),
        PendingRule.instructionChanged(
            gs.hasInstruction(g), gs.instructionHash(g) == ds.instructionHash(d)),
        gs.pass(g));
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
        throw new IOException(
            feed.file(file(slot))
                + " at byte "
                + offset(slot)
                + ": the record read before is not "
                + "there any more (was the file rewritten?): "
                + e.getMessage(),
            e);
      }
    }

    /**
     * The JSON line of {@code slot}'s latest record as it is in its file: for readers that show
     * keys {@link StateRecord} does not carry (the HTML report shows a neighbour's new keys by
     * name).
     */
    public String line(int slot) throws IOException {
      int file = file(slot);
      SeekableByteChannel ch = open.get(file);
      if (ch == null) {
        ReadableByteChannel c = FileSystems.open(feed.file(file));
        if (!(c instanceof SeekableByteChannel)) {
          c.close();
          throw new IOException(
              feed.file(file) + ": the filesystem cannot seek; cannot read a record by offset");
        }
        ch = (SeekableByteChannel) c;
        open.put(file, ch);
      }
      return lines.read(ch, offset(slot));
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
}
