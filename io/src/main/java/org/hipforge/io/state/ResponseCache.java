package org.hipforge.io.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hash64;
import org.hipforge.io.util.LongTable;

/**
 * Answers already paid for, by prompt hash: an index from the prompt hash of every journaled answer
 * to where its line is (journal file, byte offset); on a hit that one line is read from disk and
 * parsed.
 *
 * <p>A journal line is a paid answer: {@code pass: true}, or {@code pass: false} with a category of
 * a billed but unusable answer (refused, filtered, truncated, empty_answer, bad_instruction; {@code
 * ErrorCategory.paidAnswer}). Both are hits, so a rerun replays the verdict instead of paying for
 * the same prompt again; when one prompt has both, the usable answer wins.
 *
 * <p>Why an index: the cache used to hold every journaled record in memory, i.e. memory grew with
 * the journals. Here an answer costs one slot of two {@code long}s (the first 8 bytes of its prompt
 * hash, and file number + offset) in a table kept between 1/3 and 2/3 full: 24 to 48 bytes, 24–48
 * MB per million answers. Two prompts whose hashes share their first 8 bytes share a key; the full
 * {@code prompt_sha256} of the line read is compared before it counts as a hit.
 *
 * <p>Why {@link #refresh}: answers keep arriving from other workers and from earlier attempts of a
 * restarted job. A refresh reads only new files and new bytes through a {@link StateLineFeed}; a
 * last line without its '\n' may still be being written, so it is left for a later refresh ({@link
 * StateLineFeed.LastLine#WAIT}). Malformed lines are skipped and counted. Answers {@link #put} by
 * this JVM are hits at once: such a record is held only until a refresh has indexed its journal
 * line (on a local disk the next refresh; on an object store, where a journal part becomes visible
 * when it is closed, at most {@link JournalWriter#ROLL_LINES} per journal).
 *
 * <p>One instance per glob per JVM ({@link #forGlob}), shared by every DoFn instance. Thread-safe.
 */
public final class ResponseCache {
  /**
   * How old the index may be before {@link #refreshIfOlderThan} reads the journals again just
   * before a paid call: the window in which an answer another worker journaled can be paid for
   * again. 2 s is a fraction of one LLM call; a refresh that finds nothing new costs a glob match
   * and no file reads (benchmarks/README.md "Response cache").
   */
  public static final long REFRESH_MILLIS = 2_000;

  private static final ConcurrentHashMap<String, ResponseCache> BY_GLOB = new ConcurrentHashMap<>();

  /** Offsets up to 2^40 bytes (1 TiB) per journal file; file numbers up to 2^23 above them. */
  static final int OFFSET_BITS = 40;

  private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;
  private static final int MAX_FILES = (1 << (63 - OFFSET_BITS)) - 1;

  /** Enough for a typical journal line (a few KB); a longer one grows the buffer. */
  private static final int LINE_BUFFER = 16 << 10;

  private final String glob;
  private final LongSupplier clockMillis;
  private final ReentrantLock refreshing = new ReentrantLock();
  private volatile long lastRefreshMillis;
  private volatile boolean everRefreshed;

  // The index (guarded by this): key -> place, a multimap (hashes sharing their first 8 bytes, or
  // one prompt answered twice); a place is never 0: file numbers start at 1.
  private final LongTable index = new LongTable(2, 3);

  // Read state (guarded by refreshing); feed.file(n) may be read on any thread.
  private final StateLineFeed feed;
  private final StateLineFeed.Lines sink =
      new StateLineFeed.Lines() {
        @Override
        public void fields(FlatLineScanner.StateFields f, int file, long offset) {
          if (f.promptSha256From < 0) {
            return;
          }
          String hash =
              notYetIndexed.isEmpty()
                  ? null
                  : new String(
                      f.line,
                      f.promptSha256From,
                      f.promptSha256To - f.promptSha256From,
                      StandardCharsets.UTF_8);
          index(key(f.line, f.promptSha256From, f.promptSha256To), hash, file, offset);
        }

        @Override
        public void record(StateRecord r, int file, long offset) {
          if (r.promptSha256() != null) {
            index(key(r.promptSha256()), r.promptSha256(), file, offset);
          }
        }
      };
  private volatile long malformedLines;
  private volatile String firstProblem;

  /** Answers put by this JVM whose journal line no refresh has indexed yet. */
  private final ConcurrentHashMap<String, StateRecord> notYetIndexed = new ConcurrentHashMap<>();

  ResponseCache(String glob, LongSupplier clockMillis) {
    this.glob = glob;
    this.clockMillis = clockMillis;
    this.feed = glob == null ? null : new StateLineFeed(List.of(glob), StateLineFeed.LastLine.WAIT);
  }

  /**
   * The JVM's cache of the journals matching {@code glob}, brought up to date with them: every
   * caller (each new DoFn instance, so each attempt of a restarted job) sees every answer any
   * worker journaled before the call.
   */
  public static ResponseCache forGlob(String glob) throws IOException {
    if (glob == null || glob.isBlank()) {
      throw new IllegalArgumentException("glob must be set, was '" + glob + "'");
    }
    ResponseCache cache =
        BY_GLOB.computeIfAbsent(glob, g -> new ResponseCache(g, System::currentTimeMillis));
    cache.refresh();
    return cache;
  }

  /** An empty cache that reads no journal; it still remembers what is {@link #put}. */
  public static ResponseCache empty() {
    return new ResponseCache(null, System::currentTimeMillis);
  }

  /** Drops every loaded cache (tests that run many pipelines in one JVM over new directories). */
  public static void clearLoaded() {
    BY_GLOB.clear();
  }

  /**
   * Matches the glob again and indexes what is new: new files, and the bytes appended to known
   * files since the last refresh, up to their last complete line.
   */
  public void refresh() throws IOException {
    if (glob == null) {
      return;
    }
    refreshing.lock();
    try {
      // Taken before the match: whatever is journaled after this instant is left to the next one.
      long now = clockMillis.getAsLong();
      feed.refresh(sink);
      malformedLines = feed.malformedLines();
      List<String> problems = feed.malformedExamples();
      firstProblem = problems.isEmpty() ? null : problems.get(0);
      forgetHeldAnswersAlreadyIndexed();
      lastRefreshMillis = now;
      everRefreshed = true;
    } finally {
      refreshing.unlock();
    }
  }

  /**
   * Refreshes when the last refresh started {@code millis} or more ago and no other thread is
   * refreshing right now (that one's result is as good); returns whether it did.
   */
  public boolean refreshIfOlderThan(long millis) throws IOException {
    if (glob == null || (everRefreshed && clockMillis.getAsLong() - lastRefreshMillis < millis)) {
      return false;
    }
    if (!refreshing.tryLock()) {
      return false;
    }
    try {
      if (everRefreshed && clockMillis.getAsLong() - lastRefreshMillis < millis) {
        return false;
      }
      refresh();
      return true;
    } finally {
      refreshing.unlock();
    }
  }

  /**
   * A refresh may index a line between its journal append and the {@link #put} that follows; such a
   * held answer is dropped here (rare: only a held answer whose key is in the index is read).
   */
  private void forgetHeldAnswersAlreadyIndexed() {
    if (notYetIndexed.isEmpty()) {
      return;
    }
    for (String hash : notYetIndexed.keySet()) {
      if (fromIndex(hash) != null) {
        notYetIndexed.remove(hash);
      }
    }
  }

  private void index(long key, String hash, int file, long offset) {
    if (file >= MAX_FILES) {
      throw new IllegalStateException(
          "more than " + MAX_FILES + " journal files match " + glob + ": compact the state first");
    }
    if (offset > OFFSET_MASK) {
      throw new IllegalStateException(
          "journal "
              + feed.file(file)
              + " is larger than "
              + OFFSET_MASK
              + " bytes: the response cache cannot point into it");
    }
    insert(key, ((long) (file + 1) << OFFSET_BITS) | offset);
    if (hash != null) {
      notYetIndexed.remove(hash);
    }
  }

  private synchronized void insert(long key, long place) {
    index.add(key, place);
  }

  /** Remembers an answer this JVM just journaled, until a refresh has indexed its line. */
  public void put(StateRecord r) {
    if (r.promptSha256() != null) {
      notYetIndexed.merge(r.promptSha256(), r, StateRecord::latest);
    }
  }

  /**
   * The journaled answer to this prompt (a usable one when there is one, else a paid verdict), or
   * null: read from its journal line.
   *
   * @throws UncheckedIOException when an indexed journal cannot be read any more (it was deleted
   *     during the run): not a miss, because a miss would pay for the answer again
   */
  public StateRecord get(String promptSha256) {
    if (promptSha256 == null) {
      return null;
    }
    StateRecord held = notYetIndexed.get(promptSha256);
    return held != null ? held : fromIndex(promptSha256);
  }

  private StateRecord fromIndex(String promptSha256) {
    long key = key(promptSha256);
    long[] candidates = candidates(key);
    StateRecord verdict = null;
    for (long place : candidates) {
      StateRecord r = readAt(place);
      if (r != null && promptSha256.equals(r.promptSha256())) {
        if (r.pass()) {
          return r;
        }
        verdict = verdict == null ? r : verdict; // a paid unusable answer: a usable one wins
      }
    }
    return verdict;
  }

  /** The places of every entry of {@code key} (usually none or one). */
  private synchronized long[] candidates(long key) {
    return index.all(key);
  }

  private StateRecord readAt(long place) {
    int fileNo = (int) (place >>> OFFSET_BITS);
    long offset = place & OFFSET_MASK;
    ResourceId id = feed.file(fileNo - 1);
    try (ReadableByteChannel ch = FileSystems.open(id)) {
      return StateRecordJson.parse(new StateLineFeed.LineAt(LINE_BUFFER).read(ch, offset));
    } catch (MalformedLineException e) {
      return null; // the file was replaced (by a shorter one): this offset is not our line's start
    } catch (IOException e) {
      throw new UncheckedIOException(
          "the response cache cannot read the journaled answer at "
              + id
              + ", byte "
              + offset
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * The index key of a prompt hash: its first 8 bytes (16 hex digits) when it starts with them, as
   * every {@code prompt_sha256} hipforge writes does; else a 64-bit hash of the whole text.
   */
  static long key(String promptSha256) {
    if (promptSha256.length() >= 16) {
      long k = 0;
      int i = 0;
      for (; i < 16; i++) {
        int d = hexDigit(promptSha256.charAt(i));
        if (d < 0) {
          break;
        }
        k = (k << 4) | d;
      }
      if (i == 16) {
        return k;
      }
    }
    return Hash64.of(promptSha256);
  }

  private static long key(byte[] b, int from, int to) {
    if (to - from >= 16) {
      long k = 0;
      int i = 0;
      for (; i < 16; i++) {
        int d = hexDigit(b[from + i]);
        if (d < 0) {
          break;
        }
        k = (k << 4) | d;
      }
      if (i == 16) {
        return k;
      }
    }
    return Hash64.of(b, from, to);
  }

  private static int hexDigit(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Answers in the index (a prompt answered twice counts twice). */
  public synchronized int size() {
    return index.size();
  }

  /** Answers held in memory because no refresh has indexed their journal line yet. */
  int heldAnswers() {
    return notYetIndexed.size();
  }

  /** Complete journal lines that could not be read (they are skipped). */
  public long malformedLines() {
    return malformedLines;
  }

  /** The first malformed line as {@code file:line: reason}, or null. */
  public String firstProblem() {
    return firstProblem;
  }
}
