package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.batch.BatchApi;
import org.hipforge.io.llm.batch.BatchOutcome;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.CallLlm;

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
 * <p>Polling backs off from {@link BatchSettler#FIRST_POLL_MS} doubling to {@code pollMaxMs}, with
 * one status line per poll (batch ids, states, counts, age, ETA, the batch cost so far). Memory:
 * the dedup set of collected prompt hashes (8 bytes each) and one batch's task lines at a time
 * (bounded by the provider's batch limits), never every task.
 *
 * <pre>{@code
 * new BatchRun(BatchRun.Job.open(layout, step, provider, runId, api, out))
 *     .run((round, collectDir) -> runPipeline(collectDir));
 * }</pre>
 */
final class BatchRun {
  /** Rounds per run: a first batch, retries of errored/expired lines and repair rounds. */
  static final int MAX_ROUNDS = 10;

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

  /**
   * What a run's parts share: the work directory and step, the provider and its Batch API, the run,
   * the output, the step's batch ledger (open for writing) and response cache.
   */
  record Job(
      WorkLayout layout,
      WorkLayout.Step step,
      ProviderConfig provider,
      String runId,
      BatchApi api,
      PrintStream out,
      BatchLedger ledger,
      ResponseCache cache) {

    /** Opens {@code step}'s ledger ({@link BatchLedger#open}) and its response cache. */
    static Job open(
        WorkLayout layout,
        WorkLayout.Step step,
        ProviderConfig provider,
        String runId,
        BatchApi api,
        PrintStream out)
        throws IOException {
      BatchLedger ledger = BatchLedger.open(layout, step);
      ResponseCache cache = ResponseCache.forGlob(layout.journalGlob(step));
      return new Job(layout, step, provider, runId, api, out, ledger, cache);
    }
  }

  /** Waits between polls; tests pass one that does not sleep. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final Job job;
  private final String label;
  private int maxLines;
  private long pollMaxMs = 60_000;
  private Sleeper sleeper = Thread::sleep;

  /**
   * The batches' end (upload, create, poll, journal) and the run's counts; made when the run
   * starts.
   */
  private BatchSettler settler;

  private BatchPreparer preparer;

  BatchRun(Job job) {
    this.job = job;
    this.label = job.step().dir();
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

  /** True for {@code --mode=batch}, false for {@code sync}; anything else is a usage error. */
  static boolean batchMode(LlmOptions o) {
    return OptionChecks.oneOf("--mode", o.getMode(), "sync", "sync", "batch").equals("batch");
  }

  /**
   * {@code s}'s run in batch mode: rounds of its pipeline, each run like a synchronous one ({@link
   * StepRun#once}: the same stops), with the batches between them. Returns the last round's result.
   */
  static PipelineResult runRounds(StepRun s) throws IOException {
    LlmOptions o = s.o();
    String command = s.command();
    PipelineResult[] last = new PipelineResult[1];
    try (BatchApi api = BatchApi.forProvider(s.calls().provider())) {
      BatchRun run =
          new BatchRun(s.job(api))
              .withMaxLines(o.getBatchMaxLines() == null ? 0 : o.getBatchMaxLines())
              .withPollMaxMs(
                  1000L * (o.getBatchPollMaxS() == null ? 60 : Math.max(1, o.getBatchPollMaxS())));
      run.run(
          (round, collectDir) -> {
            s.out()
                .printf(
                    "%s: batch mode, round %d: journaled answers go through the pipeline, the other prompts are "
                        + "collected for a batch%n",
                    command, round);
            last[0] = s.once(new CallSpec.Round(collectDir, "-r" + round));
          });
      s.out().println(command + ": " + run.summary());
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
  static void finishEarlierBatches(StepRun s) throws IOException {
    WorkLayout layout = s.calls().layout();
    WorkLayout.Step step = s.calls().step();
    if (!layout.isLocal() || BatchLedger.read(layout, step).unfinished().isEmpty()) {
      return;
    }
    try (BatchApi api = BatchApi.forProvider(s.calls().provider())) {
      BatchRun run = new BatchRun(s.job(api));
      try (BatchSettler settler = run.open()) {
        List<BatchLedger.Entry> open = run.job.ledger().unfinished();
        s.out()
            .printf(
                "%s: %d batches of an earlier --mode=batch run are not finished: finishing them first, so "
                    + "their prompts are not bought again%n",
                step.dir(), open.size());
        settler.settle(open);
      }
      s.out().println(step.dir() + ": " + run.summary());
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
    BatchLedger ledger = job.ledger();
    if (ledger.tornLines() > 0) {
      job.out()
          .printf("%s: the batch ledger's last line was torn by a crash and is cut off%n", label);
    }
    try (BatchSettler s = open()) {
      List<BatchLedger.Entry> open = ledger.unfinished();
      if (!open.isEmpty()) {
        job.out()
            .printf(
                "%s: %d batches of an earlier run are not finished: resuming them (none is created again)%n",
                label, open.size());
        s.settle(open);
      }
      return rounds(round, ledger);
    }
  }

  /**
   * Rounds of the pipeline and the batches they collect, until one collects nothing; returns the
   * tasks left.
   */
  private long rounds(Round round, BatchLedger ledger) throws IOException, InterruptedException {
    for (int r = 1; ; r++) {
      String collectDir =
          BatchLedger.dir(job.layout(), job.step()) + "/collect/" + job.runId() + "-r" + r;
      round.run(r, collectDir);
      if (r > MAX_ROUNDS) {
        long leftPending = BatchPreparer.countLines(collectDir);
        if (leftPending > 0) {
          job.out()
              .printf(
                  "%s: stopping after %d rounds; %d prompts not answered stay pending (run again)%n",
                  label, MAX_ROUNDS, leftPending);
        }
        BatchPreparer.deleteDir(collectDir);
        return leftPending;
      }
      List<String> parts = preparer.prepare(r, collectDir);
      BatchPreparer.deleteDir(collectDir); // its tasks are in the ledger's task files now
      if (parts.isEmpty()) {
        return 0;
      }
      int prompts = 0;
      for (String key : parts) {
        prompts += ledger.get(key).requests;
      }
      long before = settler.answered();
      settler.settle(ledger.unfinished());
      if (settler.answered() == before) {
        job.out()
            .printf(
                "%s: round %d brought no answer (every line errored or expired: %s); %d tasks stay pending, "
                    + "run the same command again to retry them%n",
                label, r, settler.lineErrors(), prompts);
        return prompts;
      }
    }
  }

  /** The settler and preparer of this run. */
  BatchSettler open() {
    settler = new BatchSettler(job, sleeper, pollMaxMs);
    preparer = new BatchPreparer(job, maxLines, settler.finalErrors());
    return settler;
  }

  /** One line for the command's summary. */
  String summary() {
    return settler.summary(preparer.finalSkipped());
  }

  /** The test hook {@link #CRASH_AT}: halts the JVM at {@code point} when the property names it. */
  static void crashPoint(String point) {
    if (point.equals(System.getProperty(CRASH_AT))) {
      System.out.println(
          "hipforge: test hook " + CRASH_AT + "=" + point + ": halting now, as kill -9 would");
      System.out.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
