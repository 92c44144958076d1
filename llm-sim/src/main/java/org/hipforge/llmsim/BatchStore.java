package org.hipforge.llmsim;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The simulator's batches and their state machine, in one vocabulary for both wire formats.
 *
 * <p>A batch's {@code n} lines finish evenly over {@link BatchSettings#delayMs}: line {@code i} at
 * {@code created + delay * (i + 1) / n}. A line is answered once its time has come, by the same
 * {@link Answerer} as a synchronous call, and billed then, once: by a background ticker (every
 * {@value #TICK_MS} ms, {@value #TICK_LINES} lines per lock hold, so a status request never waits
 * for a big batch's answers) or, at the latest, by the next look at the batch (every endpoint
 * looks, so what a client sees is always up to date). Lines drawn to expire stay in progress until
 * the batch ends, then count as expired. A cancel stops answering at once; the batch ends {@link
 * #CANCEL_MS} later (or at its own end, if sooner) and its unanswered lines are cancelled.
 * Thread-safe: one lock, as batch calls are few.
 */
final class BatchStore {
  /**
   * How long cancelling lasts (the real APIs take up to minutes; a test wants to see the state).
   */
  static final long CANCEL_MS = 100;

  /** How often the ticker answers due lines, and how many it answers per hold of the lock. */
  static final long TICK_MS = 20;

  static final int TICK_LINES = 256;

  /** What became of one line. */
  enum Outcome {
    ANSWERED,
    ERRORED,
    EXPIRED,
    CANCELED
  }

  /** One line's result: for ANSWERED and ERRORED the HTTP status and the wire's JSON body. */
  record LineResult(Outcome outcome, int status, byte[] body) {}

  /** Answers one line's body as the synchronous endpoint of {@code wire} would (and bills it). */
  interface Answerer {
    LineResult answer(WireFormat wire, byte[] body, String presentedKey) throws IOException;
  }

  /** One request of a batch: its custom id and its body exactly as the client sent it. */
  static final class Line {
    final String customId;
    final byte[] body;
    LineResult result;

    Line(String customId, byte[] body) {
      this.customId = customId;
      this.body = body;
    }
  }

  /** An uploaded JSONL input file: its raw bytes, its lines, and what is wrong with them. */
  record InputFile(
      String id, byte[] raw, List<Line> lines, List<String> errors, long createdAtMillis) {}

  /**
   * One batch: what it was created with, and how far it got ({@code progress}, guarded by the
   * store's lock).
   *
   * @param errors why the batch failed as a whole (OpenAI validation); empty when it runs
   */
  record Batch(
      String id,
      WireFormat wire,
      String inputFileId,
      List<Line> lines,
      String presentedKey,
      long createdAt,
      long delay,
      List<String> errors,
      Progress progress) {

    boolean failed() {
      return !errors.isEmpty();
    }

    boolean ended() {
      return progress.endedAt >= 0;
    }

    long finishAt(int i) {
      return createdAt + delay * (i + 1) / lines.size();
    }

    /** Lines with {@code outcome} (expired ones only once the batch ended). */
    int count(Outcome outcome) {
      int c = 0;
      for (Line l : lines) {
        if (l.result != null
            && l.result.outcome() == outcome
            && (outcome != Outcome.EXPIRED || ended())) {
          c++;
        }
      }
      return c;
    }

    int processing() {
      return lines.size()
          - count(Outcome.ANSWERED)
          - count(Outcome.ERRORED)
          - count(Outcome.EXPIRED)
          - count(Outcome.CANCELED);
    }
  }

  /** How far a batch got; guarded by the store's lock. */
  static final class Progress {
    long cancelAt = -1;

    /** When it ended (a failed batch: when it was created); -1 while it runs. */
    long endedAt = -1;

    /** How many of its lines are answered (in order). */
    int done;
  }

  private final BatchSettings settings;
  private final Answerer answerer;
  private final LongSupplier clock;
  private final Map<String, InputFile> files = new LinkedHashMap<>();
  private final Map<String, Batch> batches = new LinkedHashMap<>();
  private ScheduledExecutorService ticker;

  BatchStore(BatchSettings settings, Answerer answerer, LongSupplier clockMillis) {
    this.settings = settings;
    this.answerer = answerer;
    this.clock = clockMillis;
  }

  /** Starts the background ticker (a daemon thread); {@link #close} stops it. */
  synchronized void start() {
    if (ticker == null) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "simulated-batches");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }
  }

  synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }

  /** Answers due lines of every batch, a few at a time, letting requests in between. */
  private void tick() {
    List<Batch> open;
    synchronized (this) {
      open = new ArrayList<>();
      for (Batch b : batches.values()) {
        if (!b.ended()) {
          open.add(b);
        }
      }
    }
    try {
      for (Batch b : open) {
        boolean more = true;
        while (more && !Thread.currentThread().isInterrupted()) {
          synchronized (this) {
            int before = b.progress().done;
            advance(b, now(), TICK_LINES);
            more = b.progress().done > before && !b.ended();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // The ticker only runs ahead of the requests; a request's own look answers the line again
      // and reports what fails. Never let one failure stop the ticker.
    }
  }

  long now() {
    return clock.getAsLong();
  }

  synchronized InputFile addFile(byte[] raw, List<Line> lines, List<String> errors) {
    String id = "file-" + WireFormat.randomId(24);
    InputFile f = new InputFile(id, raw, Collections.unmodifiableList(lines), errors, now());
    files.put(id, f);
    return f;
  }

  synchronized InputFile file(String id) {
    return files.get(id);
  }

  synchronized Batch create(
      String idPrefix,
      WireFormat wire,
      String inputFileId,
      List<Line> lines,
      String presentedKey,
      List<String> errors) {
    String id = idPrefix + WireFormat.randomId(24);
    List<Line> copy = new ArrayList<>(lines.size());
    for (Line l : lines) {
      copy.add(
          new Line(l.customId, l.body)); // a file may feed several batches: results are per batch
    }
    long now = now();
    Progress progress = new Progress();
    if (!errors.isEmpty()) {
      progress.endedAt = now; // failed as a whole: ended as it was created
    }
    Batch b =
        new Batch(
            id, wire, inputFileId, copy, presentedKey, now, settings.delayMs(), errors, progress);
    batches.put(id, b);
    return b;
  }

  /** The batch, brought up to now (lines answered, ended); null when unknown. */
  synchronized Batch get(String id) throws IOException {
    Batch b = batches.get(id);
    if (b != null) {
      advance(b, now(), Integer.MAX_VALUE);
    }
    return b;
  }

  /** The lines' bodies as sent, by custom_id, in the batch's order; empty for an unknown batch. */
  synchronized Map<String, byte[]> lineBodies(String batchId) {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    Batch b = batches.get(batchId);
    if (b != null) {
      for (Line l : b.lines()) {
        bodies.put(l.customId, l.body.clone());
      }
    }
    return bodies;
  }

  /** Asks to cancel; a batch that has ended stays as it is. Returns the batch brought up to now. */
  synchronized Batch cancel(String id) throws IOException {
    Batch b = get(id);
    if (b != null && !b.ended() && b.progress().cancelAt < 0) {
      b.progress().cancelAt = now();
    }
    return b;
  }

  /** Brings every batch up to now (so what they bill is counted even if nobody looks again). */
  synchronized void advanceAll() throws IOException {
    long now = now();
    for (Batch b : batches.values()) {
      advance(b, now, Integer.MAX_VALUE);
    }
  }

  /** Answers up to {@code maxLines} due lines of {@code b} and ends it when its time has come. */
  private void advance(Batch b, long now, int maxLines) throws IOException {
    if (b.ended()) {
      return;
    }
    Progress p = b.progress();
    List<Line> lines = b.lines();
    long cutoff = p.cancelAt >= 0 ? Math.min(now, p.cancelAt) : now;
    int budget = maxLines;
    while (budget-- > 0 && p.done < lines.size() && b.finishAt(p.done) <= cutoff) {
      Line line = lines.get(p.done);
      line.result = answerer.answer(b.wire(), line.body, b.presentedKey());
      p.done++;
    }
    long end = b.createdAt() + b.delay();
    if (p.cancelAt >= 0) {
      end = Math.min(end, p.cancelAt + CANCEL_MS);
    }
    // Every line due before the end (or the cancel) must have its answer first.
    boolean answeredAllDue = p.done == lines.size() || b.finishAt(p.done) > cutoff;
    if (now >= end && answeredAllDue && (p.cancelAt >= 0 || p.done == lines.size())) {
      for (int i = p.done; i < lines.size(); i++) {
        lines.get(i).result = new LineResult(Outcome.CANCELED, 0, null);
      }
      p.endedAt = end;
    }
  }
}
