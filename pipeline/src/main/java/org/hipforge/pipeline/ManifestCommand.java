package org.hipforge.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.manifest.ManifestScanner;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateShardWriter;
import org.hipforge.io.state.WorkLayout;

/**
 * {@code hipforge manifest}: scans the source directory into {@code manifest.jsonl}, keeping ids.
 *
 * <p>Plain Java, not a Beam pipeline: a directory walk is one machine's job and the manifest is
 * small (metadata only, never code).
 */
public final class ManifestCommand {
  /** The run id (and run directory) of the records imported from the older scripts' results. */
  static final String IMPORTED_RUN = "imported";

  private ManifestCommand() {}

  public static ManifestScanner.Result run(ManifestOptions options, PrintStream out)
      throws IOException {
    if (options.getSourceDir() == null) {
      throw new UsageException("manifest needs --sourceDir=DIR (the directory of HIP sources)");
    }
    if (options.getWorkDir() == null) {
      throw new UsageException(
          "manifest needs --workDir=DIR (where manifest.jsonl and state/ live)");
    }
    WorkLayout layout = new WorkLayout(options.getWorkDir());
    Path manifestPath = WorkLayout.localPath(layout.manifest());
    List<ManifestEntry> previous = new ArrayList<>();
    if (Files.exists(manifestPath)) {
      previous.addAll(ManifestStore.read(manifestPath));
    } else if (options.getFromManifestJson() != null) {
      previous.addAll(ManifestStore.readLegacyArray(Paths.get(options.getFromManifestJson())));
      out.println(
          "manifest: importing ids of "
              + previous.size()
              + " files from "
              + options.getFromManifestJson());
    }
    List<String> patterns = Arrays.asList(options.getPatterns().split(","));
    ManifestScanner.Result result =
        new ManifestScanner(patterns).scan(Paths.get(options.getSourceDir()), previous);
    for (String s : result.skipped()) {
      out.println("manifest: skipped " + s);
    }
    if (result.entries().isEmpty()) {
      // Most likely wrong --patterns or --sourceDir: writing an empty manifest would drop every
      // id, and the next scan would renumber them all.
      throw new UsageException(
          "no file under "
              + options.getSourceDir()
              + " matches --patterns="
              + options.getPatterns()
              + (result.skipped().isEmpty()
                  ? ""
                  : " (" + result.skipped().size() + " skipped, listed above)")
              + "; "
              + (Files.exists(manifestPath)
                  ? manifestPath + " is left as it was"
                  : "no manifest was written"));
    }
    ManifestStore.write(manifestPath, result.entries());
    // The root the hashes came from, so export reads the sources without --sourceDir.
    ManifestStore.writeSourceRoot(
        WorkLayout.localPath(layout.manifestSource()), Paths.get(options.getSourceDir()));
    if (!result.removed().isEmpty()) {
      out.println(
          "manifest: "
              + result.removed().size()
              + " files are gone from the source directory "
              + "and left the manifest (their state is kept), e.g. "
              + result.removed().get(0));
    }
    out.printf(
        "manifest: %d files (%d new, %d changed, %d skipped) -> %s%n",
        result.entries().size(),
        result.added(),
        result.changed(),
        result.skipped().size(),
        manifestPath);
    if (options.getImportResults() != null) {
      importResults(Paths.get(options.getImportResults()), layout, result.entries(), out);
    }
    return result;
  }

  /**
   * Copies the older scripts' results.jsonl into describe state, matching ids by file_name where
   * the ids differ, so their paid answers count and are not asked again.
   */
  static void importResults(
      Path results, WorkLayout layout, List<ManifestEntry> manifest, PrintStream out)
      throws IOException {
    Map<String, ManifestEntry> byName = new HashMap<>();
    for (ManifestEntry e : manifest) {
      byName.put(e.fileName(), e);
    }
    Path target;
    long imported;
    int skipped = 0;
    try (BufferedReader r = Files.newBufferedReader(results, StandardCharsets.UTF_8);
        StateShardWriter w =
            StateShardWriter.open(layout, WorkLayout.Step.DESCRIBE, IMPORTED_RUN)) {
      target = w.path();
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        StateRecord rec;
        try {
          rec = StateRecordJson.parse(line);
        } catch (MalformedLineException e) {
          out.println("import: " + results + ":" + lineNo + ": skipped (" + e.getMessage() + ")");
          skipped++;
          continue;
        }
        ManifestEntry e = byName.get(rec.fileName());
        if (e == null) {
          out.println(
              "import: "
                  + results
                  + ":"
                  + lineNo
                  + ": skipped, '"
                  + rec.fileName()
                  + "' is not in the manifest");
          skipped++;
          continue;
        }
        StateRecord.Builder b = rec.toBuilder().id(e.id());
        if (rec.sourceSha256() == null) {
          b.sourceSha256(e.sha256()); // the old scripts kept no hash: trust the current file
        }
        if (rec.runId() == null) {
          b.runId(IMPORTED_RUN);
        }
        w.write(b.build());
      }
      imported = w.records();
    }
    out.printf(
        "import: %d records from %s -> %s (%d skipped)%n", imported, results, target, skipped);
  }
}
