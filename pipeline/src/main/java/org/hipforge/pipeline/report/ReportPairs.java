package org.hipforge.pipeline.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;

/**
 * The report's pairs table, by the rule {@code export} uses: a described task whose describe record
 * is current, with its source (when a source root is given), and its generation only while that is
 * current; passed code from {@code W/out/hip}, a failed generation's code from the generate journal
 * ({@link ResponseCache} + {@link CodeExtractor}). Cells are cut at {@link #MAX_CELL_CHARS}.
 */
final class ReportPairs {
  /**
   * A cell's text is cut after this many characters: a page of 1000 pairs stays tens of MB at most.
   */
  static final int MAX_CELL_CHARS = 64 * 1024;

  /** Described pairs, and how many of them the table holds. */
  long total;

  long shown;

  private ReportPairs() {}

  /**
   * Adds {@code pairs} (at most {@code maxPairs}, by manifest order), {@code pairs_total}, {@code
   * pairs_shown} and {@code sources_shown} to {@code root}.
   */
  static ReportPairs add(
      ObjectNode root,
      WorkLayout layout,
      StateIndex described,
      StateIndex generated,
      Path sourceDir,
      int maxPairs)
      throws IOException {
    ReportPairs counts = new ReportPairs();
    ArrayNode pairs = root.putArray("pairs");
    Path outHip = WorkLayout.localPath(layout.outHipDir());
    ResponseCache[] answers = {null}; // generate journals, opened when a failed generation is shown
    try (StateIndex.Records describeRecords = described.records();
        StateIndex.Records generateRecords = generated.records()) {
      ManifestScan.forEach(
          layout.manifest(),
          e -> {
            int ds = described.slotOf(e.id);
            if (described.describe(e, ds) != PendingRule.Outcome.DONE) {
              return;
            }
            counts.total++;
            if (counts.shown >= maxPairs) {
              return;
            }
            counts.shown++;
            ObjectNode p = pairs.addObject();
            p.put("id", e.id);
            p.put("file", e.fileName());
            p.put("instruction", cut(describeRecords.read(ds).instruction()));
            p.put(
                "source", sourceDir == null ? null : readText(sourceDir, e.fileName(), e.sha256()));
            PendingRule.Outcome o = StateIndex.generate(described, ds, true, generated);
            if (o == PendingRule.Outcome.NEW) {
              p.put("verdict", ReportData.VERDICT_NOT_GENERATED);
              return;
            }
            if (o == PendingRule.Outcome.STALE) {
              p.put("verdict", ReportData.VERDICT_STALE);
              return;
            }
            StateRecord g = generateRecords.read(generated.slotOf(e.id));
            p.put("verdict", ReportData.verdict(g));
            String detail = g.compileError() != null ? g.compileError() : g.errorMsg();
            p.put("detail", detail == null ? null : cut(detail));
            if (g.fidelity() != null) {
              p.put("fidelity", g.fidelity().score());
            }
            if (g.codeSha256() != null && g.pass()) {
              p.put("generated", readText(outHip, e.fileName(), g.codeSha256()));
            } else if (g.promptSha256() != null) {
              if (answers[0] == null) {
                answers[0] = ResponseCache.forGlob(layout.journalGlob(WorkLayout.Step.GENERATE));
              }
              StateRecord answer = answers[0].get(g.promptSha256());
              ExtractedCode code =
                  answer == null || answer.response() == null
                      ? null
                      : CodeExtractor.extract(answer.response());
              p.put("generated", code != null && code.isPresent() ? cut(code.code()) : null);
            }
          });
    }
    root.put("pairs_total", counts.total);
    root.put("pairs_shown", counts.shown);
    root.put("sources_shown", sourceDir != null);
    return counts;
  }

  /** A file's text by {@link SourceFiles}' rule, cut to a cell; a refusal says why. */
  private static String readText(Path root, String fileName, String sha256) throws IOException {
    try {
      return cut(SourceFiles.readText(root, fileName, sha256));
    } catch (SafeFiles.Refused r) {
      return "(not shown: " + r.getMessage() + ")";
    }
  }

  static String cut(String s) {
    if (s == null || s.length() <= MAX_CELL_CHARS) {
      return s;
    }
    return s.substring(0, MAX_CELL_CHARS)
        + "\n… ("
        + (s.length() - MAX_CELL_CHARS)
        + " more characters)";
  }
}
