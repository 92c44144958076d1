package org.hipforge.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.batch.BatchApiException;
import org.hipforge.io.llm.batch.BatchLine;
import org.hipforge.io.llm.batch.BatchOutcome;
import org.hipforge.io.llm.batch.BatchStatus;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.util.TokenMath;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.LlmTask;

/**
 * Brings the batches of a {@link BatchRun} to their end, writing each step to the {@link
 * BatchLedger} as soon as it is known: uploads and creates the ones not created yet, polls the
 * created ones (backing off from {@link #FIRST_POLL_MS} doubling to the run's poll max, one status
 * line per poll) and journals every paid answer not journaled yet through {@link
 * CallLlm#answerRecord}, the one rule for synchronous and batch answers. Keeps the run's counts
 * (batches created, Batch API requests by kind, answers journaled, lines without an answer, batch
 * tokens) for its summary.
 */
final class BatchSettler implements AutoCloseable {
  /**
   * The first pause between polls: a simulated batch may end in a second; real ones take minutes.
   */
  static final long FIRST_POLL_MS = 1000;

  /**
   * Batch API calls that fail in a row (429, 5xx, timeouts) before the run gives up: ~ the
   * backoff's minutes.
   */
  static final int MAX_POLL_FAILURES = 8;

  private final BatchRun.Job job;
  private final String label;
  private final BatchRun.Sleeper sleeper;
  private final long pollMaxMs;

  private JournalWriter journal;
  private long journaled;
  private long batchIn;
  private long batchOut;
  private long alreadyJournaled;
  private long created;
  private final Map<String, Long> apiCalls = new TreeMap<>();
  private final Map<String, Long> lineErrors = new TreeMap<>();

  /**
   * Prompts whose line failed in a way a resend fails again (bad_request, ...): not resent by this
   * run.
   */
  private final Set<String> finalErrors = new HashSet<>();

  BatchSettler(BatchRun.Job job, BatchRun.Sleeper sleeper, long pollMaxMs) {
    this.job = job;
    this.label = job.step().dir();
    this.sleeper = sleeper;
    this.pollMaxMs = pollMaxMs;
  }

  /** The prompts this run does not send again (shared with its {@link BatchPreparer}). */
  Set<String> finalErrors() {
    return finalErrors;
  }

  /** Answers journaled from batches, also those found already journaled: what a round brought. */
  long answered() {
    return journaled + alreadyJournaled;
  }

  /** Lines without an answer so far, by category. */
  Map<String, Long> lineErrors() {
    return lineErrors;
  }

  /**
   * One line for the command's summary; {@code finalSkipped}: prompts not resent ({@link
   * BatchPreparer}).
   */
  String summary(long finalSkipped) {
    long calls = apiCalls.values().stream().mapToLong(Long::longValue).sum();
    String s =
        String.format(
            Locale.ROOT,
            "batches created %d, Batch API requests %d %s, answers journaled " + "from batches %d",
            created,
            calls,
            apiCalls,
            journaled);
    if (alreadyJournaled > 0) {
      s += " (" + alreadyJournaled + " found already journaled, not journaled again)";
    }
    if (!lineErrors.isEmpty()) {
      s += ", lines without an answer " + lineErrors;
    }
    if (finalSkipped > 0) {
      s +=
          ", "
              + finalSkipped
              + " prompts whose line failed for good not sent again in this run (they stay pending)";
    }
    if (RunLedger.priced(job.provider())) {
      s +=
          String.format(
              Locale.ROOT,
              ", batch cost $%.4f (%.0f%% of $%.4f at the synchronous price)",
              RunLedger.batchCost(job.provider(), batchIn, batchOut),
              100 * job.provider().batchDiscount(),
              RunLedger.cost(job.provider(), batchIn, batchOut));
    }
    return s;
  }

  /**
   * Brings every batch of {@code entries} to its end: upload and create where needed, poll,
   * journal.
   */
  void settle(List<BatchLedger.Entry> entries) throws IOException, InterruptedException {
    for (BatchLedger.Entry e : entries) {
      checkProvider(e);
      if (e.phase == BatchLedger.Phase.INTENT || e.phase == BatchLedger.Phase.UPLOADED) {
        submit(e);
      }
    }
    List<BatchLedger.Entry> open = new ArrayList<>();
    for (BatchLedger.Entry e : entries) {
      if (e.phase == BatchLedger.Phase.CREATED) {
        open.add(e);
      }
    }
    long pause = FIRST_POLL_MS;
    int failures = 0;
    while (!open.isEmpty()) {
      Map<String, BatchStatus> now = new LinkedHashMap<>();
      try {
        for (BatchLedger.Entry e : open) {
          now.put(e.key, call("status", () -> job.api().status(e.batchId)));
        }
        failures = 0;
      } catch (BatchApiException ex) {
        if (!ex.getCause().retryable() || ++failures >= MAX_POLL_FAILURES) {
          throw stop(ex, "polling");
        }
        job.out()
            .printf(
                "%s: batch poll failed (%s); trying again in %d s%n",
                label, ex.getMessage(), pause / 1000);
        sleeper.sleep(pause);
        pause = Math.min(pollMaxMs, pause * 2);
        continue;
      }
      BatchRun.crashPoint("while-polling");
      List<BatchLedger.Entry> still = new ArrayList<>();
      for (BatchLedger.Entry e : open) {
        BatchStatus s = now.get(e.key);
        if (s.state().terminal()) {
          finish(e, s);
        } else {
          still.add(e);
        }
      }
      job.out()
          .println(
              BatchMessages.statusLine(
                  label,
                  open,
                  now,
                  journaled,
                  job.provider(),
                  batchIn,
                  batchOut)); // after the ended ones' answers are journaled: the line counts them
      open = still;
      if (!open.isEmpty()) {
        sleeper.sleep(pause);
        pause = Math.min(pollMaxMs, pause * 2);
      }
    }
  }

  /**
   * A batch prepared by another provider must be finished with that one (its prompt hashes are
   * its).
   */
  private void checkProvider(BatchLedger.Entry e) {
    if (e.provider != null && !e.provider.equals(job.provider().name())) {
      throw new UsageException(
          "batch "
              + e.key
              + (e.batchId == null ? "" : " (" + e.batchId + ")")
              + " in "
              + job.ledger().dir()
              + " belongs to provider '"
              + e.provider
              + "', this run uses '"
              + job.provider().name()
              + "': run with --modelName="
              + e.provider
              + " to finish it first");
    }
  }

  /**
   * Uploads (if not done) and creates batch {@code e}, writing each id to the ledger as soon as it
   * is known.
   */
  private void submit(BatchLedger.Entry e) throws IOException {
    List<String> taskLines = job.ledger().readTasks(e.key);
    List<BatchLine> lines = new ArrayList<>(taskLines.size());
    for (String t : taskLines) {
      LlmTask task = parseTask(e, t);
      if (e.phase != BatchLedger.Phase.CREATED
          && !Prompts.key(job.provider(), task.request()).equals(task.promptSha256())) {
        throw new UsageException(
            "batch "
                + e.key
                + " was prepared with another model or settings of provider '"
                + job.provider().name()
                + "' (task "
                + task.id()
                + "'s prompt hash differs): run with the config it was "
                + "prepared with");
      }
      lines.add(BatchPreparer.line(job.api(), task));
    }
    try {
      if (e.phase == BatchLedger.Phase.INTENT) {
        String fileId = call("upload", () -> job.api().uploadInput(lines));
        job.ledger().uploaded(e.key, fileId);
        BatchRun.crashPoint("after-upload");
      }
      String batchId = call("create", () -> job.api().create(e.fileId, lines));
      job.ledger().created(e.key, batchId);
      created++;
      job.out()
          .printf("%s: batch %s created: %s (%d requests)%n", label, e.key, batchId, lines.size());
      BatchRun.crashPoint("after-create");
    } catch (BatchApiException ex) {
      throw stop(ex, "submitting batch " + e.key);
    }
  }

  private LlmTask parseTask(BatchLedger.Entry e, String line) throws IOException {
    try {
      return LlmTask.fromJson(line);
    } catch (MalformedLineException bad) {
      throw new IOException(job.ledger().tasksFile(e.key) + ": " + bad.getMessage());
    }
  }

  /**
   * Journals the answers of ended batch {@code e} that are not journaled yet, then records its end.
   */
  private void finish(BatchLedger.Entry e, BatchStatus s) throws IOException {
    int journaledHere = 0;
    if (s.state().hasResults()) {
      Map<String, LlmTask> byId = new HashMap<>();
      for (String t : job.ledger().readTasks(e.key)) {
        LlmTask task = parseTask(e, t);
        byId.put(BatchPreparer.customId(task), task);
      }
      job.cache().refresh(); // what a killed run journaled before us
      if (journal == null) {
        journal =
            JournalWriter.open(
                job.layout().journalDir(job.step(), job.runId()), RunLedger.BATCH_PREFIX);
      }
      long latency =
          s.createdAt() != null && s.endedAt() != null
              ? Math.max(0, Duration.between(s.createdAt(), s.endedAt()).toMillis())
              : 0;
      int[] count = new int[1];
      try {
        call(
            "results",
            () -> {
              job.api()
                  .readResults(
                      e.batchId,
                      o -> {
                        try {
                          if (journal(o, byId, latency)) {
                            count[0]++;
                            if (count[0] == Math.max(1, e.requests / 2)) {
                              BatchRun.crashPoint("while-journaling");
                            }
                          }
                        } catch (IOException io) {
                          throw new UncheckedIOException(io);
                        }
                      });
              return null;
            });
      } catch (UncheckedIOException io) {
        throw new CommandSupport.JournalStop(
            "journal write failed at "
                + JournalWriter.describe(journal.dir(), io.getCause())
                + " while journaling batch "
                + e.batchId
                + "; the batch stays in the ledger: run the same command "
                + "again to journal its answers (they are paid, not bought again)");
      } catch (BatchApiException ex) {
        throw stop(ex, "reading the results of batch " + e.batchId);
      }
      journaledHere = count[0];
    } else {
      job.out()
          .printf(
              "%s: batch %s (%s) ended %s%s: its tasks stay pending%n",
              label, e.key, e.batchId, s.state(), s.error() == null ? "" : " (" + s.error() + ")");
    }
    job.ledger()
        .ended(
            e.key,
            s.state().name(),
            s.succeeded(),
            s.errored(),
            s.expiredOrCanceled(),
            journaledHere);
  }

  /** Journals one outcome when it is a paid answer not journaled yet; true when it did. */
  private boolean journal(BatchOutcome o, Map<String, LlmTask> byId, long latency)
      throws IOException {
    LlmTask task = byId.get(o.customId());
    if (task == null) {
      lineErrors.merge("unknown_custom_id", 1L, Long::sum);
      return false;
    }
    if (!o.paid()) {
      lineErrors.merge(o.errorCategory() == null ? "error" : o.errorCategory(), 1L, Long::sum);
      if (!o.retryable()) {
        finalErrors.add(
            task.promptSha256()); // the same line would fail the same way: not in this run's next
        // batch
      }
      return false; // nothing billed: no record, the task stays pending
    }
    if (job.cache().get(task.promptSha256()) != null) {
      alreadyJournaled++;
      return false;
    }
    StateRecord record =
        CallLlm.answerRecord(
            job.step(),
            job.provider(),
            job.runId(),
            task,
            o.response(),
            o.errorCategory(),
            o.errorMessage(),
            latency,
            1);
    journal.append(StateRecordJson.toJson(record));
    job.cache().put(record);
    journaled++;
    batchIn = TokenMath.add(batchIn, record.inputTokens());
    batchOut = TokenMath.add(batchOut, record.outputTokens());
    return true;
  }

  @FunctionalInterface
  private interface ApiCall<T> {
    T call() throws IOException;
  }

  private <T> T call(String what, ApiCall<T> c) throws IOException {
    apiCalls.merge(what, 1L, Long::sum);
    return c.call();
  }

  /** A Batch API failure as the run's stop ({@link BatchMessages#stop}). */
  private RuntimeException stop(BatchApiException ex, String doing) {
    return BatchMessages.stop(ex, doing, job.ledger().dir(), job.provider());
  }

  @Override
  public void close() throws IOException {
    if (journal != null) {
      journal.close();
    }
  }
}
