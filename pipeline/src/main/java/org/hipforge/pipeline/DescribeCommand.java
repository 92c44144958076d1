package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;

/** {@code hipforge describe}: asks the LLM for an instruction for every pending HIP source. */
public final class DescribeCommand {
  private DescribeCommand() {}

  public static StatusReport run(DescribeOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    if (o.getSourceDir() == null) {
      throw new UsageException(
          "describe needs --sourceDir=DIR (the directory the manifest was scanned from)");
    }
    PromptSet prompts =
        PromptSet.fromDir(o.getPromptDir()); // a bad template stops here, before any call
    ProviderConfig provider = CommandSupport.loadProvider(o);
    return StepLocks.underLock(
        o, layout, "describe", out, runId -> runLocked(o, out, layout, provider, prompts, runId));
  }

  /** The run itself, while it holds the describe lock of the work directory. */
  private static StatusReport runLocked(
      DescribeOptions o,
      PrintStream out,
      WorkLayout layout,
      ProviderConfig provider,
      PromptSet prompts,
      String runId)
      throws IOException {
    RunLog.start(layout, runId);
    StateIndex described = StateIndex.describe(layout, false);
    StatusReport before = plan(layout, described);
    String promptVersion = prompts.version(PromptSet.Kind.DESCRIBE);
    before.currentPromptVersion = promptVersion;
    out.printf(
        "describe: run %s, %d of %d tasks to do, provider %s%n",
        runId, before.pending(), before.manifestSize, provider);
    CommandSupport.announcePrompts("describe", o.getPromptDir(), promptVersion, out);
    o.setJobName(CommandSupport.jobName("describe", runId));
    RunManifest manifest =
        RunManifest.start(
            layout,
            WorkLayout.Step.DESCRIBE,
            "describe",
            runId,
            o,
            provider,
            promptVersion,
            before.pending());
    if (before.pending() == 0) {
      out.println("describe: nothing to do, every task has a current pass:true record");
      return CommandSupport.nothingToDo(o, before, manifest, out);
    }
    WorkLayout.Step step = WorkLayout.Step.DESCRIBE;
    boolean batch = BatchRun.batchMode(o);
    CallSpec calls = CommandSupport.calls(o, out, layout, step, runId, provider, prompts);
    boolean kernelsOnly = !Boolean.FALSE.equals(o.getKernelsOnly());
    DescribePipeline.Spec spec =
        new DescribePipeline.Spec(calls, o.getSourceDir(), o.getMaxSourceBytes(), kernelsOnly);
    java.util.concurrent.Callable<Long> pendingAfter =
        () -> {
          described.refresh(); // only this run's journals so far
          return plan(layout, described).pending();
        };
    StepRun.Builder pipeline = (p, round) -> DescribePipeline.build(p, spec, round);
    new StepRun(o, out, calls, before.pending(), pipeline, pendingAfter).run(batch, manifest);
    manifest.end("done", Main.OK, null);
    described.refresh(); // only this run's new shards and journals are read
    StatusReport after = StatusReport.describe(layout, described);
    after.currentPromptVersion = promptVersion;
    if (!Boolean.TRUE.equals(o.getQuiet())) {
      out.print(after.table());
      out.println("state: " + layout.stepDir(WorkLayout.Step.DESCRIBE));
    }
    return after;
  }

  /** What the run will work on ("N of M tasks to do"): the describe rule on the index. */
  static StatusReport plan(WorkLayout layout, StateIndex described) throws IOException {
    return StatusReport.describe(layout, described);
  }
}
