package org.hipforge.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.batch.BatchApi;
import org.hipforge.io.llm.batch.BatchApiException;
import org.hipforge.io.llm.batch.BatchLine;
import org.hipforge.io.llm.batch.BatchOutcome;
import org.hipforge.io.llm.batch.BatchStatus;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.TokenMath;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.LlmTask;

/**
 * {@code --mode=batch} of describe and generate: the step's own pipeline, run with {@link
 * CallLlm#withCollect} so answers already journaled pass through as always and every other prompt
 * is collected instead of sent; the collected prompts bought through the provider's Batch API
 * ({@link BatchApi}); every answer journaled like a synchronous one (same journal, same record,
 * same response cache key); then the pipeline again, until it collects nothing new.
 *
 * <p>Why one path: extraction, validation, records and (for generate) the repair rounds run
 * unchanged on cached answers, so batch mode adds no second copy of any of them; a repair round's
 * new prompts are simply collected by the next round and become the next, smaller batch.
 *
 * <p>The ledger ({@link BatchLedger}, {@code W/state/<step>/batches/}) is written before each step
 * and right after it: the tasks and the intent before the upload, the file id after it, the batch
 * id right after the create. A run first settles every batch the ledger has not seen end (it
 * uploads or creates the ones a kill left before that, and polls the created ones), so a kill at
 * any point creates no batch twice and pays no prompt twice; the one window left is between the
 * provider's answer to the create and the forced ledger line (milliseconds, like the calls in
 * flight at a {@code kill -9} in synchronous mode). An answer already in the journal (a kill while
 * results were being journaled) is not journaled again. Lines that errored or expired are not
 * journaled, so their tasks stay pending and the next round collects them again (unless the failure
 * is final, {@link BatchOutcome#retryable}: such a prompt is not sent again by this run); a round
 * that brings no answer at all ends the run with them left pending (at most {@link #MAX_ROUNDS}
 * rounds per run).
 *
 * <p>Polling backs off from {@link #FIRST_POLL_MS} doubling to {@code pollMaxMs}, with one status
 * line per poll (batch ids, states, counts, age, ETA, the batch cost so far). Memory: the dedup set
 * of collected prompt hashes (8 bytes each) and one batch's task lines at a time (bounded by the
 * provider's batch limits), never every task.
 *
 * <pre>{@code
 * new BatchRun(layout, step, provider, runId, api, out).run((round, collectDir) -> runPipeline(collectDir));
 * }</pre>
 */
final class BatchRun {
  /** Rounds per run: a first batch, retries of errored/expired lines and repair rounds. */
  static final int MAX_ROUNDS = 10;

  /**
   * The first pause between polls: a simulated batch may end in a second; real ones take minutes.
   */
  static final long FIRST_POLL_MS = 1000;

  /**
   * Batch API calls that fail in a row (429, 5xx, timeouts) before the run gives up: ~ the
   * backoff's minutes.
   */
  static final int MAX_POLL_FAILURES = 8;

  /**
   * A test hook naming the point at which the JVM halts at once, as {@code kill -9} would ({@code
   * after-intent}, {@code after-upload}, {@code after-create}, {@code while-polling}, {@code
   * while-journaling}): the crash-and-rerun tests use it to kill at each point of the ledger.
   */
  static final String CRASH_AT = "hipforge.batch.crashAt";

  /** Runs the step's pipeline once with CallLlm collecting into {@code collectDir}. */
  @FunctionalInterface
  interface Round {
    void run(int round, String collectDir) throws IOException;
  }

  /** Waits between polls; tests pass one that does not sleep. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final WorkLayout layout;
  private final WorkLayout.Step step;
  private final ProviderConfig provider;
  private final String runId;
  private final BatchApi api;
  private final PrintStream out;
  private final String label;
  private int maxLines;
  private long pollMaxMs = 60_000;
  private Sleeper sleeper = Thread::sleep;

  private BatchLedger ledger;
  private ResponseCache cache;
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

  private long finalSkipped;

  BatchRun(
      WorkLayout layout,
      WorkLayout.Step step,
      ProviderConfig provider,
      String runId,
      BatchApi api,
      PrintStream out) {
    this.layout = layout;
    this.step = step;
    this.provider = provider;
    this.runId = runId;
    this.api = api;
    this.out = out;
    this.label = step.dir();
  }

  /** At most {@code n} requests per batch (0: the provider's limit); more are split. */
  BatchRun withMaxLines(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("batch max lines must be >= 0, was " + n);
    }
    this.maxLines = n;
    return this;
  }

  /** The longest pause between two polls. */
  BatchRun withPollMaxMs(long ms) {
    if (ms < 1) {
      throw new IllegalArgumentException("poll max must be >= 1 ms, was " + ms);
    }
    this.pollMaxMs = ms;
    return this;
  }

  BatchRun withSleeper(Sleeper s) {
    this.sleeper = s;
    return this;
  }

  /** Answers this run journaled from batches. */
  long journaled() {
    return journaled;
  }

  /** Batches this run created at the provider. */
  long created() {
    return created;
  }

  /** Batch API requests this run made (uploads, creates, polls, result reads). */
  long apiRequests() {
    return apiCalls.values().stream().mapToLong(Long::longValue).sum();
  }

  /** True for {@code --mode=batch}, false for {@code sync}; anything else is a usage error. */
  static boolean batchMode(LlmOptions o) {
    String mode = o.getMode() == null ? "sync" : o.getMode();
    if (!mode.equals("sync") && !mode.equals("batch")) {
      throw new UsageException("--mode must be 'sync' or 'batch', was '" + mode + "'");
    }
    return mode.equals("batch");
  }

  /**
   * {@code command}'s run in batch mode: rounds of the pipeline {@code pipelineFor(collectDir,
   * shardSuffix)} builds, each run like a synchronous one ({@link CommandSupport#runCalls}: the
   * same stops), with the batches between them. Returns the last round's result.
   */
  static org.apache.beam.sdk.PipelineResult runRounds(
      LlmOptions o,
      PrintStream out,
      WorkLayout layout,
      WorkLayout.Step step,
      ProviderConfig provider,
      String runId,
      long todo,
      java.util.function.BiFunction<String, String, org.apache.beam.sdk.Pipeline> pipelineFor,
      java.util.concurrent.Callable<Long> pendingAfter)
      throws IOException {
    String command = step.dir();
    org.apache.beam.sdk.PipelineResult[] last = new org.apache.beam.sdk.PipelineResult[1];
    try (BatchApi api = BatchApi.forProvider(provider)) {
      BatchRun run =
          new BatchRun(layout, step, provider, runId, api, out)
              .withMaxLines(o.getBatchMaxLines() == null ? 0 : o.getBatchMaxLines())
              .withPollMaxMs(
                  1000L * (o.getBatchPollMaxS() == null ? 60 : Math.max(1, o.getBatchPollMaxS())));
      run.run(
          (round, collectDir) -> {
            out.printf(
                "%s: batch mode, round %d: journaled answers go through the pipeline, the other prompts are "
                    + "collected for a batch%n",
                command, round);
            CommandSupport.startProgress(o, command, todo, out, provider, layout, runId);
            last[0] =
                CommandSupport.runCalls(
                    pipelineFor.apply(collectDir, "-r" + round),
                    command,
                    layout,
                    step,
                    runId,
                    provider,
                    pendingAfter,
                    out);
          });
      out.println(command + ": " + run.summary());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          command
              + ": interrupted while waiting for batches; run the same command "
              + "again to resume them");
    }
    return last[0];
  }

  /**
   * Before a synchronous run: batches an earlier {@code --mode=batch} run left unfinished are
   * polled to their end and their answers journaled, so the synchronous run does not buy their
   * prompts a second time. Does nothing (and asks nothing) when the ledger has none.
   */
  static void finishEarlierBatches(
      PrintStream out,
      WorkLayout layout,
      WorkLayout.Step step,
      ProviderConfig provider,
      String runId)
      throws IOException {
    if (!layout.isLocal() || BatchLedger.read(layout, step).unfinished().isEmpty()) {
      return;
    }
    try (BatchApi api = BatchApi.forProvider(provider)) {
      BatchRun run = new BatchRun(layout, step, provider, runId, api, out);
      run.ledger = BatchLedger.open(layout, step);
      run.cache = ResponseCache.forGlob(layout.journalGlob(step));
      List<BatchLedger.Entry> open = run.ledger.unfinished();
      out.printf(
          "%s: %d batches of an earlier --mode=batch run are not finished: finishing them first, so "
              + "their prompts are not bought again%n",
          step.dir(), open.size());
      run.settle(open);
      if (run.journal != null) {
        run.journal.close();
      }
      out.println(step.dir() + ": " + run.summary());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(step.dir() + ": interrupted while waiting for batches");
    }
  }

  /**
   * Settles what the ledger left open, then runs rounds until one collects nothing.
   *
   * @return the tasks left pending because their lines came back without an answer (0: none)
   */
  long run(Round round) throws IOException, InterruptedException {
    ledger = BatchLedger.open(layout, step);
    if (ledger.tornLines() > 0) {
      out.printf("%s: the batch ledger's last line was torn by a crash and is cut off%n", label);
    }
    cache = ResponseCache.forGlob(layout.journalGlob(step));
    List<BatchLedger.Entry> open = ledger.unfinished();
    if (!open.isEmpty()) {
      out.printf(
          "%s: %d batches of an earlier run are not finished: resuming them (none is created again)%n",
          label, open.size());
      settle(open);
    }
    long leftPending = 0;
    for (int r = 1; ; r++) {
      String collectDir = BatchLedger.dir(layout, step) + "/collect/" + runId + "-r" + r;
      round.run(r, collectDir);
      if (r > MAX_ROUNDS) {
        leftPending = countLines(collectDir);
        if (leftPending > 0) {
          out.printf(
              "%s: stopping after %d rounds; %d prompts not answered stay pending (run again)%n",
              label, MAX_ROUNDS, leftPending);
        }
        deleteDir(collectDir);
        break;
      }
      List<String> parts = prepare(r, collectDir);
      deleteDir(collectDir); // its tasks are in the ledger's task files now
      if (parts.isEmpty()) {
        break;
      }
      int prompts = 0;
      for (String key : parts) {
        prompts += ledger.get(key).requests;
      }
      long before = journaled + alreadyJournaled;
      settle(ledger.unfinished());
      if (journaled + alreadyJournaled == before) {
        out.printf(
            "%s: round %d brought no answer (every line errored or expired: %s); %d tasks stay pending, "
                + "run the same command again to retry them%n",
            label, r, lineErrors, prompts);
        leftPending = prompts;
        break;
      }
    }
    if (journal != null) {
      journal.close();
    }
    return leftPending;
  }

  /** One line for the command's summary. */
  String summary() {
    long calls = apiRequests();
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
    if (RunLedger.priced(provider)) {
      s +=
          String.format(
              Locale.ROOT,
              ", batch cost $%.4f (%.0f%% of $%.4f at the synchronous price)",
              RunLedger.batchCost(provider, batchIn, batchOut),
              100 * provider.batchDiscount(),
              RunLedger.cost(provider, batchIn, batchOut));
    }
    return s;
  }

  /**
   * Reads round {@code r}'s collected tasks, drops those whose prompt is journaled or already
   * collected, and writes them as batches of at most the provider's limits: tasks file, then
   * intent. Returns the new batches' keys.
   */
  private List<String> prepare(int r, String collectDir) throws IOException {
    List<Path> files = collectFiles(collectDir);
    Set<Long> seen = new HashSet<>();
    cache.refresh();
    int limitLines = maxLines > 0 ? Math.min(maxLines, api.maxRequests()) : api.maxRequests();
    long limitBytes = api.maxBytes();
    List<String> keys = new ArrayList<>();
    List<String> part = new ArrayList<>();
    long partBytes = 0;
    long torn = 0;
    for (Path f : files) {
      try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
          lineNo++;
          LlmTask task;
          try {
            task = LlmTask.fromJson(line);
          } catch (MalformedLineException e) {
            torn++; // a collector killed mid-line: that task is collected again by a later round
            continue;
          }
          if (!seen.add(promptKey(task.promptSha256())) || cache.get(task.promptSha256()) != null) {
            continue;
          }
          if (finalErrors.contains(task.promptSha256())) {
            finalSkipped++; // its line failed for good this run: it stays pending, not bought again
            // now
            continue;
          }
          long size = api.encodedSize(line(task));
          if (!part.isEmpty() && (part.size() >= limitLines || partBytes + size > limitBytes)) {
            keys.add(intent(r, keys.size(), part, partBytes));
            part = new ArrayList<>();
            partBytes = 0;
          }
          part.add(task.toJson());
          partBytes += size;
        }
      }
    }
    if (!part.isEmpty()) {
      keys.add(intent(r, keys.size(), part, partBytes));
    }
    if (torn > 0) {
      out.printf("%s: %d unreadable collected lines skipped%n", label, torn);
    }
    return keys;
  }

  private String intent(int r, int partNo, List<String> taskLines, long bytes) throws IOException {
    String key = runId + "-r" + r + "-" + partNo;
    ledger.writeTasks(key, taskLines);
    ledger.intent(key, provider.name(), runId, taskLines.size(), bytes);
    out.printf(
        "%s: batch %s: %d prompts (%.1f MB) prepared%n", label, key, taskLines.size(), bytes / 1e6);
    crashPoint("after-intent");
    return key;
  }

  private static long countLines(String dir) throws IOException {
    long n = 0;
    for (Path f : collectFiles(dir)) {
      try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
        n += lines.count();
      }
    }
    return n;
  }

  private static void deleteDir(String dir) throws IOException {
    for (Path f : collectFiles(dir)) {
      Files.deleteIfExists(f);
    }
    Files.deleteIfExists(Paths.get(dir));
  }

  private static List<Path> collectFiles(String dir) throws IOException {
    Path d = Paths.get(dir);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  /** The batch line of a task: its custom id and the synchronous body. */
  private BatchLine line(LlmTask t) throws IOException {
    return new BatchLine(customId(t), api.body(t.request()));
  }

  /**
   * A line's custom id: the task id and the first 40 hex digits of its prompt hash ({@code
   * t17_3f1c...}, at most 61 characters of [A-Za-z0-9_], Anthropic's rule): unique within a batch,
   * which holds one line per prompt.
   */
  static String customId(LlmTask t) {
    String h = t.promptSha256();
    return "t"
        + t.id()
        + "_"
        + (h.length() > 40 ? h.substring(0, 40) : h).replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private static long promptKey(String sha) {
    if (sha.length() >= 16) {
      try {
        return Long.parseUnsignedLong(sha.substring(0, 16), 16);
      } catch (NumberFormatException notHex) {
        // fall through
      }
    }
    return sha.hashCode() * 0x9E3779B97F4A7C15L;
  }

  /**
   * Brings every batch of {@code entries} to its end: upload and create where needed, poll,
   * journal.
   */
  private void settle(List<BatchLedger.Entry> entries) throws IOException, InterruptedException {
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
          now.put(e.key, call("status", () -> api.status(e.batchId)));
        }
        failures = 0;
      } catch (BatchApiException ex) {
        if (!ex.retryable() || ++failures >= MAX_POLL_FAILURES) {
          throw stop(ex, "polling");
        }
        out.printf(
            "%s: batch poll failed (%s); trying again in %d s%n",
            label, ex.getMessage(), pause / 1000);
        sleeper.sleep(pause);
        pause = Math.min(pollMaxMs, pause * 2);
        continue;
      }
      crashPoint("while-polling");
      List<BatchLedger.Entry> still = new ArrayList<>();
      for (BatchLedger.Entry e : open) {
        BatchStatus s = now.get(e.key);
        if (s.state().terminal()) {
          finish(e, s);
        } else {
          still.add(e);
        }
      }
      out.println(
          statusLine(
              open, now)); // after the ended ones' answers are journaled: the line counts them
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
    if (e.provider != null && !e.provider.equals(provider.name())) {
      throw new UsageException(
          "batch "
              + e.key
              + (e.batchId == null ? "" : " (" + e.batchId + ")")
              + " in "
              + ledger.dir()
              + " belongs to provider '"
              + e.provider
              + "', this run uses '"
              + provider.name()
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
    List<String> taskLines = ledger.readTasks(e.key);
    List<BatchLine> lines = new ArrayList<>(taskLines.size());
    for (String t : taskLines) {
      LlmTask task = parseTask(e, t);
      if (e.phase != BatchLedger.Phase.CREATED
          && !Prompts.key(provider, task.request()).equals(task.promptSha256())) {
        throw new UsageException(
            "batch "
                + e.key
                + " was prepared with another model or settings of provider '"
                + provider.name()
                + "' (task "
                + task.id()
                + "'s prompt hash differs): run with the config it was "
                + "prepared with");
      }
      lines.add(line(task));
    }
    try {
      if (e.phase == BatchLedger.Phase.INTENT) {
        String fileId = call("upload", () -> api.uploadInput(lines));
        ledger.uploaded(e.key, fileId);
        crashPoint("after-upload");
      }
      String batchId = call("create", () -> api.create(e.fileId, lines));
      ledger.created(e.key, batchId);
      created++;
      out.printf("%s: batch %s created: %s (%d requests)%n", label, e.key, batchId, lines.size());
      crashPoint("after-create");
    } catch (BatchApiException ex) {
      throw stop(ex, "submitting batch " + e.key);
    }
  }

  private LlmTask parseTask(BatchLedger.Entry e, String line) throws IOException {
    try {
      return LlmTask.fromJson(line);
    } catch (MalformedLineException bad) {
      throw new IOException(ledger.tasksFile(e.key) + ": " + bad.getMessage());
    }
  }

  /**
   * Journals the answers of ended batch {@code e} that are not journaled yet, then records its end.
   */
  private void finish(BatchLedger.Entry e, BatchStatus s) throws IOException {
    int journaledHere = 0;
    if (s.state().hasResults()) {
      Map<String, LlmTask> byId = new HashMap<>();
      for (String t : ledger.readTasks(e.key)) {
        LlmTask task = parseTask(e, t);
        byId.put(customId(task), task);
      }
      cache.refresh(); // what a killed run journaled before us
      if (journal == null) {
        journal = JournalWriter.open(layout.journalDir(step, runId), RunLedger.BATCH_PREFIX);
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
              api.readResults(
                  e.batchId,
                  o -> {
                    try {
                      if (journal(o, byId, latency)) {
                        count[0]++;
                        if (count[0] == Math.max(1, e.requests / 2)) {
                          crashPoint("while-journaling");
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
      out.printf(
          "%s: batch %s (%s) ended %s%s: its tasks stay pending%n",
          label, e.key, e.batchId, s.state(), s.error() == null ? "" : " (" + s.error() + ")");
    }
    ledger.ended(
        e.key, s.state().name(), s.succeeded(), s.errored(), s.expiredOrCanceled(), journaledHere);
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
    if (cache.get(task.promptSha256()) != null) {
      alreadyJournaled++;
      return false;
    }
    StateRecord record =
        CallLlm.answerRecord(
            step,
            provider,
            runId,
            task,
            o.response(),
            o.errorCategory(),
            o.errorMessage(),
            latency,
            1);
    journal.append(StateRecordJson.toJson(record));
    cache.put(record);
    journaled++;
    batchIn = TokenMath.add(batchIn, record.inputTokens());
    batchOut = TokenMath.add(batchOut, record.outputTokens());
    return true;
  }

  private String statusLine(List<BatchLedger.Entry> open, Map<String, BatchStatus> now) {
    Map<String, Integer> states = new TreeMap<>();
    long total = 0;
    long done = 0;
    long ok = 0;
    long errored = 0;
    long expired = 0;
    Instant oldest = null;
    List<String> ids = new ArrayList<>();
    for (BatchLedger.Entry e : open) {
      BatchStatus s = now.get(e.key);
      states.merge(s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
      total += Math.max(s.total(), e.requests);
      ok += s.succeeded();
      errored += s.errored();
      expired += s.expiredOrCanceled();
      done += s.succeeded() + s.errored() + s.expiredOrCanceled();
      Instant c = s.createdAt() != null ? s.createdAt() : e.createdAt;
      if (c != null && (oldest == null || c.isBefore(oldest))) {
        oldest = c;
      }
      if (ids.size() < 3) {
        ids.add(e.batchId);
      }
    }
    long ageS =
        oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).getSeconds());
    String eta =
        done > 0 && total > done && ageS > 0
            ? formatSeconds((long) ((total - done) * (double) ageS / done))
            : done >= total ? "0s" : "unknown";
    String s =
        String.format(
            Locale.ROOT,
            "%s: batches %s%s %s; requests %d: succeeded %d, errored %d, "
                + "expired/canceled %d, processing %d; age %s, ETA %s; answers journaled %d",
            label,
            ids,
            open.size() > ids.size() ? " +" + (open.size() - ids.size()) : "",
            states,
            total,
            ok,
            errored,
            expired,
            Math.max(0, total - done),
            formatSeconds(ageS),
            eta,
            journaled);
    if (RunLedger.priced(provider)) {
      s +=
          String.format(
              Locale.ROOT,
              ", batch cost so far $%.4f",
              RunLedger.batchCost(provider, batchIn, batchOut));
    }
    return s;
  }

  private static String formatSeconds(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }

  @FunctionalInterface
  private interface ApiCall<T> {
    T call() throws IOException;
  }

  private <T> T call(String what, ApiCall<T> c) throws IOException {
    apiCalls.merge(what, 1L, Long::sum);
    return c.call();
  }

  /**
   * A Batch API failure as the run's stop: the exit codes of the synchronous stops (auth 3, quota
   * 4, endpoint 5).
   */
  private RuntimeException stop(BatchApiException ex, String doing) {
    String tail =
        " while "
            + doing
            + "; the ledger "
            + ledger.dir()
            + " keeps every batch, run the same command "
            + "again to resume (nothing is created or paid twice)";
    CallGate.Kind kind = ex.category().runStop(true);
    if (kind == CallGate.Kind.AUTH) {
      return new CommandSupport.AuthStop(
          "auth: provider "
              + provider.name()
              + " rejected the Batch API request: "
              + ex.getMessage()
              + ". Set a valid key in the environment variable "
              + provider.apiKeyEnv()
              + tail);
    }
    if (kind == CallGate.Kind.QUOTA) {
      return new CommandSupport.ProviderStop("quota: " + ex.getMessage() + tail, Main.QUOTA);
    }
    if (kind == CallGate.Kind.ENDPOINT) {
      return new CommandSupport.ProviderStop(
          "endpoint: provider "
              + provider.name()
              + " has no usable Batch API "
              + "at base_url "
              + provider.baseUrl()
              + ": "
              + ex.getMessage()
              + tail,
          Main.ENDPOINT);
    }
    return new IllegalStateException(ex.getMessage() + tail);
  }

  private static void crashPoint(String point) {
    if (point.equals(System.getProperty(CRASH_AT))) {
      System.out.println(
          "hipforge: test hook " + CRASH_AT + "=" + point + ": halting now, as kill -9 would");
      System.out.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
