package org.hipforge.io.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.JsonStrings;
import org.hipforge.io.record.StateRecord;

/**
 * What one run recorded, by outcome: its records counted as {@code pass} or by error category (the
 * {@code error_msg} prefix), and how many compiled; for the run manifest and the report.
 *
 * <p>Reads the run's state shards; a run stopped before writing them (Ctrl-C, SIGTERM, a provider
 * stop) is counted from its journal instead (every answer it paid for, by the verdict journaled
 * with it). Torn or unreadable lines are skipped, never fatal.
 *
 * <pre>{@code
 * RunCounts c = RunCounts.read(layout, WorkLayout.Step.GENERATE, runId);
 * c.categories(); // {pass=93, compile_error=4, truncated=2, no_code=1}
 * }</pre>
 *
 * @param compiled records with {@code compiled: true}
 * @param categories "pass" or the error category → records
 * @param fromJournal counted from the journal (the run wrote no shards)
 */
public record RunCounts(
    long records, long passed, long compiled, Map<String, Long> categories, boolean fromJournal) {

  /** Counts run {@code runId}'s records of {@code step}: its shards, else its journal. */
  public static RunCounts read(WorkLayout layout, WorkLayout.Step step, String runId)
      throws IOException {
    Path shardDir = layout.isLocal() ? WorkLayout.localPath(layout.runDir(step, runId)) : null;
    boolean shards = false;
    if (shardDir != null && Files.isDirectory(shardDir)) {
      try (var files = Files.list(shardDir)) {
        shards = files.anyMatch(f -> f.getFileName().toString().startsWith("part-"));
      }
    }
    String glob = shards ? layout.runShardGlob(step, runId) : layout.runJournalGlob(step, runId);
    Map<String, Long> categories = new TreeMap<>();
    long[] sums = new long[3]; // records, passed, compiled
    StateLineFeed feed = new StateLineFeed(List.of(glob), StateLineFeed.LastLine.READ);
    feed.refresh(
        new StateLineFeed.Lines() {
          @Override
          public void fields(FlatLineScanner.StateFields f, int file, long offset) {
            String msg =
                f.pass || f.errorMsgFrom < 0
                    ? null
                    : JsonStrings.decode(f.line, f.errorMsgFrom, f.errorMsgTo, f.errorMsgHasEscape);
            add(f.pass, msg, f.compiled == FlatLineScanner.COMPILED_TRUE);
          }

          @Override
          public void record(StateRecord r, int file, long offset) {
            add(r.pass(), r.errorMsg(), Boolean.TRUE.equals(r.compiled()));
          }

          private void add(boolean pass, String errorMsg, boolean compiled) {
            sums[0]++;
            if (pass) {
              sums[1]++;
            }
            if (compiled) {
              sums[2]++;
            }
            String category = pass ? "pass" : StateRecord.errorCategoryOf(errorMsg);
            categories.merge(category == null ? "unknown" : category, 1L, Long::sum);
          }
        });
    return new RunCounts(sums[0], sums[1], sums[2], categories, !shards);
  }
}
