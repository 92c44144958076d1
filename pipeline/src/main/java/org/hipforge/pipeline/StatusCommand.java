package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.manifest.ManifestScanner;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;

/**
 * {@code hipforge status}: prints the totals of every step's state, decided by the same rule the
 * step's next run uses ({@link org.hipforge.io.state.PendingRule}).
 */
public final class StatusCommand {
  private StatusCommand() {}

  public static StatusReport run(StatusOptions o, PrintStream out) throws IOException {
    StatusReport describe = run(o.getWorkDir(), PromptSet.fromDir(o.getPromptDir()), out);
    if (o.getSourceDir() != null) {
      out.print(sourcesOnDisk(new WorkLayout(o.getWorkDir()), Paths.get(o.getSourceDir())));
    }
    return describe;
  }

  /**
   * With {@code --sourceDir}: each manifest file on disk checked by {@link SafeFiles}' rule against
   * the manifest's sha256, so a source edited since the manifest (its describe record made from the
   * old bytes) shows as stale before export pairs it with the wrong instruction.
   */
  static String sourcesOnDisk(WorkLayout layout, Path sourceDir) throws IOException {
    long[] counts = new long[4]; // checked, changed, refused, missing
    String[] example = new String[1];
    ManifestScan.forEach(
        layout.manifest(),
        e -> {
          counts[0]++;
          try {
            Path real = SafeFiles.resolve(sourceDir, e.fileName());
            if (e.sha256() != null && !e.sha256().equals(ManifestScanner.sha256(real))) {
              counts[1]++;
              example[0] = example[0] == null ? e.fileName() : example[0];
            }
          } catch (SafeFiles.Refused r) {
            counts[SafeFiles.MISSING.equals(r.category) ? 3 : 2]++;
          }
        });
    return String.format(
        "== sources (%s)%n%-28s %10d%n%-28s %10d%n%-28s %10d%n%-28s %10d%n%s",
        sourceDir,
        "checked against manifest",
        counts[0],
        "stale (changed on disk)",
        counts[1],
        "refused (symlink/special)",
        counts[2],
        "missing",
        counts[3],
        counts[1] == 0
            ? ""
            : "stale sources, e.g. "
                + example[0]
                + ": run 'hipforge manifest', then "
                + "'describe' again (export leaves their rows out until then)\n");
  }

  /**
   * The same without Beam's options: {@code Main} calls this when {@code --workDir} is the only
   * flag, because starting {@code PipelineOptionsFactory} (it validates every registered options
   * interface) costs ~3 s of CPU, more than the status of a million tasks.
   */
  public static StatusReport run(String workDir, PrintStream out) throws IOException {
    return run(workDir, PromptSet.defaults(), out);
  }

  /**
   * Passed records made with other templates than {@code prompts} (each step's {@code
   * prompt_version}) are counted apart: their tasks would be asked differently today.
   */
  public static StatusReport run(String workDir, PromptSet prompts, PrintStream out)
      throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(workDir);
    boolean generated =
        Files.isDirectory(WorkLayout.localPath(layout.stepDir(WorkLayout.Step.GENERATE)));
    // One describe index for both tables; instructions are hashed only when generate needs them.
    StateIndex described = StateIndex.describe(layout, generated);
    StatusReport describe = StatusReport.describe(layout, described);
    describe.currentPromptVersion = prompts.version(PromptSet.Kind.DESCRIBE);
    out.println("== describe (" + layout.stepDir(WorkLayout.Step.DESCRIBE) + ")");
    out.print(describe.table());
    if (generated) {
      StatusReport generate =
          StatusReport.generate(
              describe.manifestSize, described, StateIndex.generate(layout), null);
      generate.currentPromptVersion = prompts.version(PromptSet.Kind.GENERATE);
      out.println("== generate (" + layout.stepDir(WorkLayout.Step.GENERATE) + ")");
      out.print(generate.table());
    }
    return describe;
  }
}
