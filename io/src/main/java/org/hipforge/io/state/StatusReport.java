package org.hipforge.io.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/**
 * Totals of one step's state against the manifest, computed the same way the pipeline decides
 * what is pending (latest record wins; a changed source makes a record stale).
 *
 * <p>Plain Java in one JVM, holding one small summary per manifest id: fine for the millions of
 * tasks one machine can hold; it is a report, not a pipeline.
 */
public final class StatusReport {
  public final WorkLayout.Step step;
  public long manifestSize;
  public long passed;
  public long failed;
  public final Map<String, Long> failedByCategory = new TreeMap<>();
  public long neverTried;
  public long stale;
  public long malformedLines;
  public long tornLines;
  public long stateLines;
  public long stateFiles;
  public long inputTokens;
  public long outputTokens;
  public long compiled;
  public long notInScope;

  private StatusReport(WorkLayout.Step step) {
    this.step = step;
  }

  /** Tasks the next run of this step will work on: never tried, stale, or failed. */
  public long pending() {
    return neverTried + stale + failed;
  }

  /** Reads the manifest and every shard and journal of {@code step}. */
  public static StatusReport compute(WorkLayout layout, WorkLayout.Step step) throws IOException {
    StatusReport s = new StatusReport(step);
    Path manifestPath = Paths.get(layout.manifest());
    List<ManifestEntry> manifest = Files.exists(manifestPath) ? ManifestStore.read(manifestPath) : List.of();
    s.manifestSize = manifest.size();
    Map<Long, StateRecord> latest = new HashMap<>();
    List<String> globs = step == WorkLayout.Step.DESCRIBE
        ? List.of(layout.shardGlob(step), layout.journalGlob(step))
        : List.of(layout.shardGlob(step));
    final long[] lines = {0};
    s.stateFiles = StateFiles.readAll(globs, new StateFileReader.Sink() {
      @Override
      public void record(StateRecord r) {
        lines[0]++;
        // Keep only what the report needs: the large text fields would hold the whole dataset.
        StateRecord slim = r.toBuilder().instruction(null).response(null).compileError(null).build();
        latest.merge(r.id(), slim, StateRecord::latest);
      }

      @Override
      public void malformed(String file, long line, String reason, boolean torn) {
        lines[0]++;
        if (torn) {
          s.tornLines++;
        } else {
          s.malformedLines++;
        }
      }
    });
    s.stateLines = lines[0];
    for (ManifestEntry e : manifest) {
      StateRecord r = latest.get(e.id());
      if (r == null) {
        s.neverTried++;
      } else if (!e.fileName().equals(r.fileName())
          || (e.sha256() != null && r.sourceSha256() != null && !e.sha256().equals(r.sourceSha256()))) {
        s.stale++;
      } else if (r.pass()) {
        s.passed++;
        s.inputTokens += Math.max(0, r.inputTokens());
        s.outputTokens += Math.max(0, r.outputTokens());
        if (Boolean.TRUE.equals(r.compiled())) {
          s.compiled++;
        }
      } else {
        s.failed++;
        s.failedByCategory.merge(r.errorCategory(), 1L, Long::sum);
      }
    }
    return s;
  }

  /** The table people read at the end of a run and from {@code hipforge status}. */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-28s %10d%n", "manifest tasks", manifestSize));
    b.append(String.format("%-28s %10d%n", step.dir() + " passed", passed));
    if (step == WorkLayout.Step.GENERATE) {
      b.append(String.format("%-28s %10d%n", "  of which compiled", compiled));
    }
    b.append(String.format("%-28s %10d%n", step.dir() + " failed", failed));
    for (Map.Entry<String, Long> e : failedByCategory.entrySet()) {
      b.append(String.format("  %-26s %10d%n", e.getKey(), e.getValue()));
    }
    b.append(String.format("%-28s %10d%n", "pending (never tried)", neverTried));
    b.append(String.format("%-28s %10d%n", "stale (source changed)", stale));
    b.append(String.format("%-28s %10d%n", "next run will work on", pending()));
    b.append(String.format("%-28s %10d%n", "malformed state lines", malformedLines));
    b.append(String.format("%-28s %10d%n", "torn last lines (crash)", tornLines));
    b.append(String.format("%-28s %10d / %d%n", "tokens in / out (passed)", inputTokens, outputTokens));
    return b.toString();
  }
}
