package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.ReadSources;
import org.hipforge.transforms.ValidateHip;

/** {@code hipforge generate}: HIP code from the instructions, compiled, written to out/hip. */
public final class GenerateCommand {
  private GenerateCommand() {}

  public static StatusReport run(GenerateOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    PromptSet prompts =
        PromptSet.fromDir(o.getPromptDir()); // a bad template stops here, before any call
    ProviderConfig provider = CommandSupport.loadProvider(o);
    ValidateHip validate = validation(o, out);
    repairRounds(o); // a bad value stops here, before the lock and any call
    repairSync(o);
    Set<Long> ids = parseIds(o.getIds(), layout);
    return StepLocks.underLock(
        o,
        layout,
        "generate",
        out,
        runId -> runLocked(o, out, layout, provider, prompts, validate, ids, runId));
  }

  /** The run itself, while it holds the generate lock of the work directory. */
  private static StatusReport runLocked(
      GenerateOptions o,
      PrintStream out,
      WorkLayout layout,
      ProviderConfig provider,
      PromptSet prompts,
      ValidateHip validate,
      Set<Long> ids,
      String runId)
      throws IOException {
    RunLog.start(layout, runId);
    String promptVersion = prompts.version(PromptSet.Kind.GENERATE);
    long manifestSize = StatusReport.manifestSize(layout);
    StateIndex described = StateIndex.describe(layout, true);
    StateIndex generated = StateIndex.generate(layout);
    long todo = plan(manifestSize, described, generated, ids).pending();
    out.printf("generate: run %s, %d tasks to do, provider %s%n", runId, todo, provider);
    CommandSupport.announcePrompts("generate", o.getPromptDir(), promptVersion, out);
    o.setJobName(CommandSupport.jobName("generate", runId));
    RunManifest manifest =
        RunManifest.start(
            layout, WorkLayout.Step.GENERATE, "generate", runId, o, provider, promptVersion, todo);
    if (todo == 0) {
      out.println(
          "generate: nothing to do (no described task without a current pass:true generation)");
      StatusReport report = StatusReport.generate(manifestSize, described, generated, null);
      report.currentPromptVersion = promptVersion;
      return CommandSupport.nothingToDo(o, report, manifest, out);
    }
    WorkLayout.Step step = WorkLayout.Step.GENERATE;
    boolean batch = BatchRun.batchMode(o);
    CallSpec calls = CommandSupport.calls(o, out, layout, step, runId, provider, prompts);
    int repairs = repairRounds(o);
    boolean repairSync = repairSync(o);
    long maxSourceBytes =
        o.getMaxSourceBytes() == null ? ReadSources.DEFAULT_MAX_BYTES : o.getMaxSourceBytes();
    GeneratePipeline.Spec spec =
        new GeneratePipeline.Spec(
            calls,
            ids,
            validate,
            o.getOffloadArch(),
            o.getSourceDir(),
            maxSourceBytes,
            repairs,
            repairSync);
    // Left pending after a stop: generate records are written when the job ends, but the answers
    // already journaled are reused from the response cache by the next run, without paying.
    java.util.concurrent.Callable<Long> pendingAfter =
        () -> {
          generated.refresh(); // only what this run wrote so far
          return plan(manifestSize, described, generated, ids).pending();
        };
    StepRun.Builder pipeline = (p, round) -> GeneratePipeline.build(p, spec, round);
    new StepRun(o, out, calls, todo, pipeline, pendingAfter).run(batch, manifest);
    generated.refresh(); // only this run's new shards are read
    StatusReport report = StatusReport.generate(manifestSize, described, generated, null);
    report.currentPromptVersion = promptVersion;
    if (!Boolean.TRUE.equals(o.getQuiet())) {
      out.print(report.table());
    }
    out.printf(
        "generate: %d of %d tasks have compiled HIP code in %s%n",
        report.compiled, report.manifestSize, layout.outHipDir());
    manifest.end("done", Main.OK, null);
    return report;
  }

  /**
   * {@code --repairMode}: true for 'sync', false for 'batch' (the default); anything else is a
   * usage error.
   */
  static boolean repairSync(GenerateOptions o) {
    return OptionChecks.oneOf("--repairMode", o.getRepairMode(), "batch", "batch", "sync")
        .equals("sync");
  }

  /** {@code --repairRounds}, checked: 0 to {@link GeneratePipeline#MAX_REPAIR_ROUNDS}. */
  static int repairRounds(GenerateOptions o) {
    Integer n = o.getRepairRounds();
    if (n == null || n < 0 || n > GeneratePipeline.MAX_REPAIR_ROUNDS) {
      throw new UsageException(
          "--repairRounds must be an integer from 0 to "
              + GeneratePipeline.MAX_REPAIR_ROUNDS
              + " (0: no repair), was "
              + n);
    }
    return n;
  }

  static ValidateHip validation(CompileOptions o, PrintStream out) {
    if (validateMode(o).equals("none")) {
      out.println(
          "generate: --validate=none: code is written without compiling (compiled stays unknown)");
      return ValidateHip.skip();
    }
    HipToolchain toolchain = OptionChecks.toolchain(", or pass --validate=none to skip validation");
    return ValidateHip.forArchs(OptionChecks.offloadArchs(o.getOffloadArch(), toolchain))
        .withResources(o.getResources());
  }

  /** {@code --validate}: 'hipcc' (the default) or 'none'; anything else is a usage error. */
  static String validateMode(CompileOptions o) {
    return OptionChecks.oneOf("--validate", o.getValidate(), "hipcc", "hipcc", "none");
  }

  /** Parses --ids; ids the manifest does not know stop the command with their list. */
  static Set<Long> parseIds(String text, WorkLayout layout) throws IOException {
    if (text == null || text.isBlank()) {
      return null;
    }
    Set<Long> ids = new TreeSet<>();
    for (String part : text.split(",")) {
      String t = part.trim();
      if (t.isEmpty()) {
        continue;
      }
      try {
        ids.add(Long.parseLong(t));
      } catch (NumberFormatException e) {
        throw new UsageException("--ids must be comma-separated integers, got '" + t + "'");
      }
    }
    Set<Long> known = new TreeSet<>();
    ManifestScan.forEach(
        layout.manifest(),
        e -> {
          if (ids.contains(e.id)) {
            known.add(e.id);
          }
        });
    List<Long> unknown = new ArrayList<>();
    for (Long id : ids) {
      if (!known.contains(id)) {
        unknown.add(id);
      }
    }
    if (!unknown.isEmpty()) {
      throw new UsageException(
          "unknown ids in --ids (not in "
              + layout.manifest()
              + "): "
              + Arrays.toString(unknown.toArray()));
    }
    return ids;
  }

  /**
   * What this run will work on ("N tasks to do"): the generate rule on the indexes, for the tasks
   * --ids selects ({@code ids} null: all).
   */
  static StatusReport plan(
      long manifestSize, StateIndex described, StateIndex generated, Set<Long> ids) {
    return StatusReport.generate(manifestSize, described, generated, ids);
  }
}
