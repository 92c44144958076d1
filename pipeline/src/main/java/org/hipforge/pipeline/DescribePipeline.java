package org.hipforge.pipeline;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.BuildPrompts;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.Failure;
import org.hipforge.transforms.ReadSources;
import org.hipforge.transforms.RecordFailures;
import org.hipforge.transforms.SourceFile;
import org.hipforge.transforms.StageResult;
import org.hipforge.transforms.WriteDeadLetters;
import org.hipforge.transforms.WriteState;
import org.hipforge.transforms.pending.FindPending;
import org.hipforge.transforms.pending.PendingResult;

/** Builds the describe pipeline: pending HIP sources to instructions, journaled as they arrive. */
public final class DescribePipeline {
  private DescribePipeline() {}

  /** What one describe run needs, fixed before the pipeline is built. */
  public static final class Spec {
    final WorkLayout layout;
    final String sourceDir;
    final ProviderConfig provider;
    final String runId;
    final long maxSourceBytes;
    final int maxInFlight;
    final double rateShare;
    final int numShards;
    PromptSet prompts = PromptSet.defaults();
    boolean kernelsOnly = true;
    String collectDir;
    String shardSuffix = "";

    public Spec(
        WorkLayout layout,
        String sourceDir,
        ProviderConfig provider,
        String runId,
        long maxSourceBytes,
        int maxInFlight,
        double rateShare,
        int numShards) {
      this.layout = layout;
      this.sourceDir = sourceDir;
      this.provider = provider;
      this.runId = runId;
      this.maxSourceBytes = maxSourceBytes;
      this.maxInFlight = maxInFlight;
      this.rateShare = rateShare;
      this.numShards = numShards;
    }

    /** {@code call}, collecting instead of sending when this is a batch round. */
    CallLlm collecting(CallLlm call) {
      return collectDir == null ? call : call.withCollect(collectDir);
    }

    /**
     * Batch mode's round: prompts not answered yet are collected into {@code dir} instead of sent
     * ({@link CallLlm#withCollect}), and the state shards are named {@code part<shardSuffix>-*} so
     * the rounds of one run do not overwrite each other's.
     */
    public Spec withCollect(String dir, String shardSuffix) {
      this.collectDir = dir;
      this.shardSuffix = java.util.Objects.requireNonNull(shardSuffix, "shardSuffix");
      return this;
    }

    /**
     * Whether sources without a HIP kernel are recorded {@code no_kernel} without a call (default
     * true).
     */
    public Spec withKernelsOnly(boolean only) {
      this.kernelsOnly = only;
      return this;
    }

    /** The prompt templates (default: the built-in ones). */
    public Spec withPrompts(PromptSet prompts) {
      this.prompts = java.util.Objects.requireNonNull(prompts, "prompts");
      return this;
    }
  }

  public static void build(Pipeline p, Spec s) {
    WorkLayout.Step step = WorkLayout.Step.DESCRIBE;
    WorkLayout layout = s.layout;
    PendingResult<ManifestEntry> pending = p.apply("FindPending", FindPending.in(layout, step));
    StageResult<SourceFile, Failure> sources =
        pending
            .pending()
            .apply(
                "ReadSources",
                ReadSources.from(s.sourceDir)
                    .withMaxBytes(s.maxSourceBytes)
                    .withKernelsOnly(s.kernelsOnly));
    StageResult<StateRecord, Failure> answers =
        sources
            .output()
            .apply("BuildPrompts", BuildPrompts.describe(s.provider).withPrompts(s.prompts))
            .apply(
                "CallLlm",
                s.collecting(
                    CallLlm.to(s.provider, step)
                        .withJournal(
                            layout.journalDir(step, s.runId),
                            layout.journalGlob(step),
                            layout.journalReserveDir(step))
                        .withRunId(s.runId)
                        .withConcurrency(s.maxInFlight, s.rateShare)));
    PCollection<StateRecord> failed =
        PCollectionList.of(sources.failures())
            .and(answers.failures())
            .apply(
                "RecordFailures",
                RecordFailures.asRun(s.runId, s.provider.name(), s.provider.model()));
    PCollectionList.of(answers.output())
        .and(failed)
        .apply("AllRecords", org.apache.beam.sdk.transforms.Flatten.pCollections())
        .apply(
            "WriteState",
            WriteState.to(layout.shardPrefix(step, s.runId) + s.shardSuffix)
                .withShards(s.numShards));
    pending
        .malformed()
        .apply("WriteDeadLetters", WriteDeadLetters.to(layout.deadLetterDir(step, s.runId)));
  }
}
