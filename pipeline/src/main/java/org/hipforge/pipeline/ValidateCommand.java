package org.hipforge.pipeline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.hip.HipCompiler;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.state.WorkLock;
import org.hipforge.transforms.ValidateHip;

/**
 * {@code hipforge validate}: re-checks the existing {@code out/hip} files on their own (e.g. on a
 * machine with the ROCm toolchain after {@code generate --validate=none} elsewhere) and appends
 * the new verdicts as a generate run, so the latest record carries them.
 */
public final class ValidateCommand {
  private ValidateCommand() {}

  /** Returns how many files compiled. */
  @SuppressWarnings("try") // the lock is held by the try, not used in it
  public static long run(HipforgeOptions o, PrintStream out) throws Exception {
    WorkLayout layout = CommandSupport.requireManifest(o);
    if ("none".equals(o.getValidate())) {
      throw new UsageException("validate needs a compiler; --validate=none makes no sense here");
    }
    HipToolchain toolchain = HipToolchain.detect().orElseThrow(() -> new UsageException(
        "no HIP compiler found (hipcc): install it with '" + HipToolchain.INSTALL_HINT + "'"));
    List<String> archs = List.of(o.getOffloadArch().split(","));
    String runId = RunIds.orNew(o.getRunId());
    try (WorkLock lock = CommandSupport.lockStep(o, layout, WorkLayout.Step.GENERATE, "validate", runId, out)) {
      return runLocked(out, layout, toolchain, archs, runId);
    }
  }

  /** The run itself, while it holds the generate lock (it writes generate state). */
  private static long runLocked(PrintStream out, WorkLayout layout, HipToolchain toolchain,
      List<String> archs, String runId) throws Exception {
    RunLog.start(layout, runId);
    StatusReport.manifestSize(layout); // the strict manifest read: a bad line stops here, named
    StateIndex generated = StateIndex.generate(layout);
    List<StateRecord> todo = new ArrayList<>();
    try (StateIndex.Records records = generated.records()) {
      for (int slot = 0; slot < generated.size(); slot++) {
        StateRecord r = records.read(slot); // the latest generate record, whole
        if (r.outputPath() != null && FileNames.isSafe(r.fileName())
            && Files.isRegularFile(Paths.get(layout.outHipDir()).resolve(r.fileName()))) {
          todo.add(r.response() == null ? r : r.toBuilder().response(null).build());
        }
      }
    }
    out.printf("validate: %d generated files to check with %s%n", todo.size(), toolchain);
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long compiled = 0;
    Path shard = Paths.get(layout.shardPrefix(WorkLayout.Step.GENERATE, runId) + "-00000-of-00001.jsonl");
    Files.createDirectories(shard.getParent());
    try (HipCompiler compiler = HipCompiler.create(toolchain).withOffloadArchs(archs);
        BufferedWriter w = Files.newBufferedWriter(shard, StandardCharsets.UTF_8)) {
      List<Future<StateRecord>> results = new ArrayList<>();
      for (StateRecord r : todo) {
        results.add(pool.submit(() -> {
          String code = Files.readString(Paths.get(layout.outHipDir()).resolve(r.fileName()));
          CompileResult verdict = compiler.compile(r.fileName(), code);
          return ValidateHip.withVerdict(r.toBuilder().runId(runId)
              .finishedAtMillis(System.currentTimeMillis()).build(), verdict);
        }));
      }
      for (Future<StateRecord> f : results) {
        StateRecord r = f.get();
        if (Boolean.TRUE.equals(r.compiled())) {
          compiled++;
        }
        w.write(StateRecordJson.toJson(r));
        w.write('\n');
      }
    } finally {
      pool.shutdownNow();
    }
    out.printf("validate: %d of %d compiled; verdicts in %s%n", compiled, todo.size(), shard);
    return compiled;
  }
}
