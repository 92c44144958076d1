package org.hipforge.io.state;

import java.io.Serializable;

/**
 * Where everything lives in a work directory (DESIGN.md "One work directory per dataset").
 *
 * <p>Paths are strings joined with '/', so a work directory may be a local path or any Beam
 * filesystem URI (hdfs://, s3://, gs://).
 */
public final class WorkLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The two steps that keep state. */
  public enum Step {
    DESCRIBE("describe"),
    GENERATE("generate");

    private final String dir;

    Step(String dir) {
      this.dir = dir;
    }

    public String dir() {
      return dir;
    }
  }

  private final String root;

  public WorkLayout(String workDir) {
    if (workDir == null || workDir.isBlank()) {
      throw new IllegalArgumentException("workDir must be set, was '" + workDir + "'");
    }
    this.root = workDir.endsWith("/") && workDir.length() > 1
        ? workDir.substring(0, workDir.length() - 1) : workDir;
  }

  public String root() {
    return root;
  }

  public String manifest() {
    return root + "/manifest.jsonl";
  }

  /**
   * Where {@code manifest} records the source root it scanned ({@code {"source_root": ...}},
   * {@link org.hipforge.io.manifest.ManifestStore#writeSourceRoot}), so later commands (export) find
   * the sources without {@code --sourceDir}. Manifests written before it existed have none.
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

  /**
   * Where each worker sets aside disk for the answers in flight when the disk fills (see {@link
   * JournalWriter}): in the work directory (its filesystem), outside the state tree.
   */
  public String journalReserveDir(Step step) {
    return root + "/tmp/journal-reserve/" + step.dir();
  }

  /** Shard prefix for a finished run's state: {@code <prefix>-00000-of-00004.jsonl}. */
  public String shardPrefix(Step step, String runId) {
    return stepDir(step) + "/" + runId + "/part";
  }

  /**
   * The one-writer lock of {@code step} ({@link WorkLock}): held by the describe, generate or
   * validate run that writes the step's state; not matched by the shard or journal globs.
   */
  public String lockFile(Step step) {
    return stepDir(step) + "/LOCK";
  }

  /** The run manifest of run {@code runId}: what it was asked, what it did ({@code pipeline}'s RunManifest). */
  public String runManifest(String runId) {
    return root + "/runs/" + runId + ".json";
  }

  public String outHipDir() {
    return root + "/out/hip";
  }
}
