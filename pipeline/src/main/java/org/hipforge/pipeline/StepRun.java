package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.hipforge.io.llm.batch.BatchApi;

/**
 * A describe or generate step as its command runs it, in the mode asked: its options and output,
 * its calls ({@link CallSpec}: work directory, step, run, provider), the tasks it has to do, the
 * pipeline it runs and what a stop leaves pending.
 *
 * @param pipeline builds the step's pipeline for a synchronous run or a batch round
 * @param pendingAfter counts the tasks left pending after a stop
 */
record StepRun(
    LlmOptions o,
    PrintStream out,
    CallSpec calls,
    long todo,
    Builder pipeline,
    Callable<Long> pendingAfter) {

  /** Builds the step's pipeline on {@code p} for {@code round}. */
  @FunctionalInterface
  interface Builder {
    void build(Pipeline p, CallSpec.Round round);
  }

  /**
   * Runs the step: {@link BatchRun#runRounds} in batch mode, else once with the stops of {@link
   * CommandSupport#runCalls} after finishing the batches an earlier batch run left open ({@link
   * BatchRun#finishEarlierBatches}); then prints {@code <step>: finished in N s; <calls>} and
   * records the request counts in {@code manifest}.
   */
  void run(boolean batch, RunManifest manifest) throws IOException {
    long start = System.nanoTime();
    PipelineResult result;
    if (batch) {
      result = BatchRun.runRounds(this);
    } else {
      BatchRun.finishEarlierBatches(this);
      result = once(CallSpec.Round.SYNC);
    }
    CallStats.CallCounts counts = CallStats.callCounts(result);
    out.printf(
        "%s: finished in %.1f s; %s%n",
        command(),
        (System.nanoTime() - start) / 1e9,
        CallStats.callSummary(
            calls.provider(), counts, calls.layout(), calls.step(), calls.runId()));
    manifest.requests(
        counts.requests(), counts.retries(), counts.rateLimited(), counts.cacheHits());
  }

  /** The pipeline for {@code round} (a batch round, or {@code SYNC}), run once to its end. */
  PipelineResult once(CallSpec.Round round) {
    CommandSupport.startProgress(
        o, command(), todo, out, calls.provider(), calls.layout(), calls.runId());
    Pipeline p = Pipeline.create(o);
    pipeline.build(p, round);
    return CommandSupport.runCalls(
        p,
        command(),
        calls.layout(),
        calls.step(),
        calls.runId(),
        calls.provider(),
        pendingAfter,
        out);
  }

  /** The command's name in its output: the step's ({@code describe}, {@code generate}). */
  String command() {
    return calls.step().dir();
  }

  /** What the parts of a batch run share, with the Batch API {@code api} (opens the ledger). */
  BatchRun.Job job(BatchApi api) throws IOException {
    return BatchRun.Job.open(
        calls.layout(), calls.step(), calls.provider(), calls.runId(), api, out);
  }
}
