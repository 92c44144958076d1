package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;

/** {@code hipforge status}: prints the totals of every step's state against the manifest. */
public final class StatusCommand {
  private StatusCommand() {}

  public static StatusReport run(HipforgeOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    StatusReport describe = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);
    out.println("== describe (" + layout.stepDir(WorkLayout.Step.DESCRIBE) + ")");
    out.print(describe.table());
    if (Files.isDirectory(Paths.get(layout.stepDir(WorkLayout.Step.GENERATE)))) {
      StatusReport generate = StatusReport.compute(layout, WorkLayout.Step.GENERATE);
      out.println("== generate (" + layout.stepDir(WorkLayout.Step.GENERATE) + ")");
      out.print(generate.table());
    }
    return describe;
  }
}
