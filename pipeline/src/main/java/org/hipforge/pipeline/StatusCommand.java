package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;

/**
 * {@code hipforge status}: prints the totals of every step's state, decided by the same rule the
 * step's next run uses ({@link org.hipforge.io.state.PendingRule}).
 */
public final class StatusCommand {
  private StatusCommand() {}

  public static StatusReport run(HipforgeOptions o, PrintStream out) throws IOException {
    return run(o.getWorkDir(), PromptSet.fromDir(o.getPromptDir()), out);
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
  public static StatusReport run(String workDir, PromptSet prompts, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(workDir);
    boolean generated = Files.isDirectory(Paths.get(layout.stepDir(WorkLayout.Step.GENERATE)));
    // One describe index for both tables; instructions are hashed only when generate needs them.
    StateIndex described = StateIndex.describe(layout, generated);
    StatusReport describe = StatusReport.describe(layout, described);
    describe.currentPromptVersion = prompts.version(PromptSet.Kind.DESCRIBE);
    out.println("== describe (" + layout.stepDir(WorkLayout.Step.DESCRIBE) + ")");
    out.print(describe.table());
    if (generated) {
      StatusReport generate = StatusReport.generate(describe.manifestSize, described,
          StateIndex.generate(layout), null);
      generate.currentPromptVersion = prompts.version(PromptSet.Kind.GENERATE);
      out.println("== generate (" + layout.stepDir(WorkLayout.Step.GENERATE) + ")");
      out.print(generate.table());
    }
    return describe;
  }
}
