package org.hipforge.pipeline;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.hip.HipCompiler;
import org.hipforge.io.hip.HipCompilerConfig;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StateShardWriter;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Hex;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.transforms.ValidateHip;

/**
 * {@code hipforge validate}: re-checks the existing {@code out/hip} files on their own (e.g. on a
 * machine with the ROCm toolchain after {@code generate --validate=none} elsewhere) and appends the
 * new verdicts as a generate run, so the latest record carries them.
 */
public final class ValidateCommand {
  private ValidateCommand() {}

  /**
   * Largest out/hip file validate reads: far above any generated kernel (answers are capped
   * smaller).
   */
  private static final long MAX_CODE_BYTES = 16L << 20;

  /** Returns how many files compiled. */
  public static long run(ValidateOptions o, PrintStream out) throws Exception {
    WorkLayout layout = CommandSupport.requireManifest(o);
    if (GenerateCommand.validateMode(o).equals("none")) {
      throw new UsageException("validate needs a compiler; --validate=none makes no sense here");
    }
    HipToolchain toolchain = OptionChecks.toolchain("");
    List<String> archs = OptionChecks.offloadArchs(o.getOffloadArch(), toolchain);
    return StepLocks.underLock(
        o, layout, "validate", out, runId -> runLocked(o, out, layout, toolchain, archs, runId));
  }

  /** The run itself, while it holds the generate lock (it writes generate state). */
  private static long runLocked(
      ValidateOptions o,
      PrintStream out,
      WorkLayout layout,
      HipToolchain toolchain,
      List<String> archs,
      String runId)
      throws Exception {
    RunLog.start(layout, runId);
    StatusReport.manifestSize(layout); // the strict manifest read: a bad line stops here, named
    StateIndex generated = StateIndex.generate(layout);
    List<StateRecord> todo = new ArrayList<>();
    try (StateIndex.Records records = generated.records()) {
      for (int slot = 0; slot < generated.size(); slot++) {
        StateRecord r = records.read(slot); // the latest generate record, whole
        if (r.outputPath() != null
            && FileNames.isSafe(r.fileName())
            && Files.exists(
                WorkLayout.localPath(layout.outHipDir()).resolve(r.fileName()),
                LinkOption.NOFOLLOW_LINKS)) {
          todo.add(r.response() == null ? r : r.toBuilder().response(null).build());
        }
      }
    }
    out.printf("validate: %d generated files to check with %s%n", todo.size(), toolchain);
    RunManifest manifest =
        RunManifest.start(
            layout, WorkLayout.Step.GENERATE, "validate", runId, o, null, null, todo.size());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long compiled = 0;
    long checked = 0;
    Path shard;
    HipCompilerConfig config =
        HipCompilerConfig.defaults()
            .with(
                c -> {
                  c.offloadArchs = archs;
                  c.resourceUsage = Boolean.TRUE.equals(o.getResources());
                });
    try (HipCompiler compiler = HipCompiler.create(toolchain, config);
        StateShardWriter w = StateShardWriter.open(layout, WorkLayout.Step.GENERATE, runId)) {
      shard = w.path();
      List<Future<StateRecord>> results = new ArrayList<>();
      Path outHip = WorkLayout.localPath(layout.outHipDir());
      List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
      for (StateRecord r : todo) {
        results.add(
            pool.submit(
                () -> {
                  byte[] bytes;
                  try {
                    // The one file rule: a symlink leaving out/hip (or a special file) is not
                    // compiled and
                    // gets no verdict. A file edited by hand is checked as it is now: the new
                    // record
                    // carries the hash of the code the verdict is about.
                    bytes = SafeFiles.read(outHip, r.fileName(), MAX_CODE_BYTES, null);
                  } catch (SafeFiles.Refused e) {
                    refused.add(e.category + ": " + e.getMessage());
                    return null;
                  }
                  CompileResult verdict =
                      compiler.compile(r.fileName(), new String(bytes, StandardCharsets.UTF_8));
                  // offload_arch: the targets this verdict is for (what "compiled" means in the
                  // export).
                  return ValidateHip.withVerdict(
                      r.toBuilder()
                          .runId(runId)
                          .codeSha256(Hex.sha256(bytes))
                          .offloadArch(String.join(",", archs))
                          .finishedAtMillis(System.currentTimeMillis())
                          .build(),
                      verdict);
                }));
      }
      for (Future<StateRecord> f : results) {
        StateRecord r = f.get();
        if (r == null) {
          continue;
        }
        checked++;
        if (Boolean.TRUE.equals(r.compiled())) {
          compiled++;
        }
        w.write(r);
      }
      if (!refused.isEmpty()) {
        java.util.Collections.sort(refused);
        out.printf(
            "validate: %d files not checked (no verdict recorded), e.g. %s%n",
            refused.size(), refused.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
    out.printf("validate: %d of %d compiled; verdicts in %s%n", compiled, checked, shard);
    manifest.end("done", Main.OK, null);
    return compiled;
  }
}
