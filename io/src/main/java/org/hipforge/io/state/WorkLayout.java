package org.hipforge.io.state;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Where everything lives in a work directory (DESIGN.md "One work directory per dataset").
 *
 * <p>Paths are strings joined with '/', so a work directory may be a local path or any Beam
 * filesystem URI (hdfs://, s3://, gs://). Every path under the work directory is made here; code
 * that needs a {@code java.nio} path converts one with {@link #localPath}.
 */
public final class WorkLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Beam's shard name template, as {@link #shardFile} spells it: {@code -00000-of-00004}. */
  public static final String SHARD_TEMPLATE = "-SSSSS-of-NNNNN";

  /** The file suffix of every state shard and journal. */
  public static final String JSONL = ".jsonl";

  /**
   * {@link #outHipDir} relative to the work directory: what generate records as {@code
   * output_path}.
   */
  public static final String OUT_HIP = "out/hip";

  /** The two steps that keep state. */
  public enum Step {
    DESCRIBE,
    GENERATE;

    /** The step's directory name under {@code state/}: {@code describe}, {@code generate}. */
    public String dir() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String root;

  public WorkLayout(String workDir) {
    if (workDir == null || workDir.isBlank()) {
      throw new IllegalArgumentException("workDir must be set, was '" + workDir + "'");
    }
    this.root =
        workDir.endsWith("/") && workDir.length() > 1
            ? workDir.substring(0, workDir.length() - 1)
            : workDir;
  }

  public String root() {
    return root;
  }

  public String manifest() {
    return root + "/manifest.jsonl";
  }

  /**
   * Where {@code manifest} records the source root it scanned ({@code {"source_root": ...}}, {@link
   * org.hipforge.io.manifest.ManifestStore#writeSourceRoot}), so later commands (export) find the
   * sources without {@code --sourceDir}. Manifests written before it existed have none.
   */
  public String manifestSource() {
    return root + "/manifest.source.json";
  }

  public String stepDir(Step step) {
    return root + "/state/" + step.dir();
  }

  /** Glob of the sharded state files of every finished run of {@code step}. */
  public String shardGlob(Step step) {
    return stepDir(step) + "/*/part-*.jsonl";
  }

  /** Glob of every journal of every run of {@code step}. */
  public String journalGlob(Step step) {
    return stepDir(step) + "/journal/*/*.jsonl";
  }

  /** Directory of one run's journals: one file per worker, appended as calls return. */
  public String journalDir(Step step, String runId) {
    return stepDir(step) + "/journal/" + runId;
  }

  /** Glob of one run's journals. */
  public String runJournalGlob(Step step, String runId) {
    return journalDir(step, runId) + "/*" + JSONL;
  }

  /**
   * Where each worker sets aside disk for the answers in flight when the disk fills (see {@link
   * JournalWriter}): in the work directory (its filesystem), outside the state tree.
   */
  public String journalReserveDir(Step step) {
    return root + "/tmp/journal-reserve/" + step.dir();
  }

  /** Directory of a finished run's state shards. */
  public String runDir(Step step, String runId) {
    return stepDir(step) + "/" + runId;
  }

  /** Shard prefix for a finished run's state: {@code <prefix>-00000-of-00004.jsonl}. */
  public String shardPrefix(Step step, String runId) {
    return runDir(step, runId) + "/part";
  }

  /** Glob of one finished run's state shards. */
  public String runShardGlob(Step step, String runId) {
    return shardPrefix(step, runId) + "-*" + JSONL;
  }

  /**
   * Shard {@code shard} of {@code count} of a run's state, named as {@link #SHARD_TEMPLATE} names
   * it.
   */
  public String shardFile(Step step, String runId, int shard, int count) {
    return String.format("%s-%05d-of-%05d%s", shardPrefix(step, runId), shard, count, JSONL);
  }

  /** The batch-mode ledger of {@code step} ({@link BatchLedger}). */
  public String batchesDir(Step step) {
    return stepDir(step) + "/batches";
  }

  /**
   * The one-writer lock of {@code step} ({@link WorkLock}): held by the describe, generate or
   * validate run that writes the step's state; not matched by the shard or journal globs.
   */
  public String lockFile(Step step) {
    return stepDir(step) + "/LOCK";
  }

  /** The run manifests' directory ({@code pipeline}'s RunManifest). */
  public String runsDir() {
    return root + "/runs";
  }

  /**
   * The run manifest of run {@code runId}: what it was asked, what it did ({@code pipeline}'s
   * RunManifest).
   */
  public String runManifest(String runId) {
    return runsDir() + "/" + runId + ".json";
  }

  /** Where a run's debug log goes ({@code pipeline}'s RunLog). */
  public String runLog(String runId) {
    return root + "/logs/" + runId + ".log";
  }

  /** Where a run's dead letters (records the state could not take) go. */
  public String deadLetterDir(Step step, String runId) {
    return root + "/deadletter/" + step.dir() + "/" + runId;
  }

  public String outHipDir() {
    return root + "/" + OUT_HIP;
  }

  /** The default file of an export in format file {@code fileName}. */
  public String exportFile(String fileName) {
    return root + "/export/" + fileName;
  }

  /** The default file of {@code hipforge report}. */
  public String reportFile() {
    return root + "/report/index.html";
  }

  /** The simulated provider's config that {@code hipforge demo} writes. */
  public String demoLlmConfig() {
    return root + "/simulated-llm-config.json";
  }

  /** Whether the work directory is on this machine's filesystem ({@link #isLocal(String)}). */
  public boolean isLocal() {
    return isLocal(root);
  }

  /**
   * Whether {@code path} is a plain path or a {@code file://} URI, not another Beam filesystem's.
   */
  public static boolean isLocal(String path) {
    return !path.contains("://") || path.startsWith("file://");
  }

  /** A local {@code path} (plain or {@code file://}) as a {@code java.nio} path. */
  public static Path localPath(String path) {
    return path.startsWith("file://") ? Paths.get(java.net.URI.create(path)) : Paths.get(path);
  }
}
