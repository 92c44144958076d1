package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.pipeline.report.ReportData;
import org.hipforge.pipeline.report.ReportPage;

/**
 * {@code hipforge report}: one self-contained HTML page about a work directory (task states, error
 * categories, compile yield per repair round, tokens per run, latency, fidelity and kernel
 * resources, and a table of the pairs), written to {@code --out} or {@code W/report/index.html}. It
 * reads state only (no lock, no Beam pipeline) and writes the page atomically.
 *
 * <pre>{@code
 * hipforge report --workDir=W --sourceDir=DIR   # W/report/index.html, sources shown in the table
 * }</pre>
 */
public final class ReportCommand {
  private ReportCommand() {}

  /** Returns the page written. */
  public static Path run(ReportOptions o, PrintStream out) throws IOException {
    WorkLayout layout = CommandSupport.requireManifest(o);
    int maxPairs = o.getMaxPairs();
    if (maxPairs < 0) {
      throw new UsageException("--maxPairs must be >= 0, was " + maxPairs);
    }
    Path target =
        o.getOut() != null ? Paths.get(o.getOut()) : WorkLayout.localPath(layout.reportFile());
    Path sources = o.getSourceDir() == null ? null : Paths.get(o.getSourceDir());
    if (sources != null && !Files.isDirectory(sources)) {
      throw new UsageException("--sourceDir=" + o.getSourceDir() + " is not a directory");
    }
    ReportData data = ReportData.gather(layout, sources, maxPairs);
    byte[] page = ReportPage.render(data.json()).getBytes(StandardCharsets.UTF_8);
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // Not createTempFile: its 0600 would stay on the page, which is made to be shared (umask
    // applies).
    Path tmp =
        dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.write(tmp, page, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    out.printf("report: %s (%d KB; %s)%n", target, (page.length + 1023) / 1024, data.summary());
    return target;
  }
}
