package org.hipforge.pipeline;

import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.BuildGeneratePrompts;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.ExtractCode;
import org.hipforge.transforms.GeneratedCode;
import org.hipforge.transforms.MeasureFidelity;
import org.hipforge.transforms.PendingGenerations;
import org.hipforge.transforms.ReadSources;
import org.hipforge.transforms.RecordFailures;
import org.hipforge.transforms.ValidateHip;
import org.hipforge.transforms.WriteDeadLetters;
import org.hipforge.transforms.WriteHipFiles;
import org.hipforge.transforms.WriteState;

/** Builds the generate pipeline: instructions to HIP code, compiled, written as .hip files. */
public final class GeneratePipeline {
  private GeneratePipeline() {}

  /** What one generate run needs, fixed before the pipeline is built. */
  public static final class Spec {
    final WorkLayout layout;
    final ProviderConfig provider;
    final String runId;
    final Set<Long> ids;
    final ValidateHip validate;
    final int maxInFlight;
    final double rateShare;
    final int numShards;
    PromptSet prompts = PromptSet.defaults();
    String offloadArch = "gfx90a";
    String sourceDir;
    long maxSourceBytes = ReadSources.DEFAULT_MAX_BYTES;
    String collectDir;
    String shardSuffix = "";

    /** {@code ids} null means every described task. */
    public Spec(WorkLayout layout, ProviderConfig provider, String runId, Set<Long> ids,
        ValidateHip validate, int maxInFlight, double rateShare, int numShards) {
      this.layout = layout;
      this.provider = provider;
      this.runId = runId;
      this.ids = ids;
      this.validate = validate;
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

    /** The prompt templates (default: the built-in ones) and the value of {@code {{offload_arch}}}. */
    public Spec withPrompts(PromptSet prompts, String offloadArch) {
      this.prompts = java.util.Objects.requireNonNull(prompts, "prompts");
      this.offloadArch = java.util.Objects.requireNonNull(offloadArch, "offloadArch");
      return this;
    }

    /**
     * Where the described sources are, so each extracted file gets a {@code fidelity} against its
     * source ({@link MeasureFidelity}); null (the default) records no fidelity.
     */
    public Spec withSourceDir(String sourceDir, Long maxSourceBytes) {
      this.sourceDir = sourceDir;
      this.maxSourceBytes = maxSourceBytes == null ? ReadSources.DEFAULT_MAX_BYTES : maxSourceBytes;
      return this;
    }
  }

  public static void build(Pipeline p, Spec s) {
    WorkLayout layout = s.layout;
    WorkLayout.Step describe = WorkLayout.Step.DESCRIBE;
    WorkLayout.Step generate = WorkLayout.Step.GENERATE;
    // Generate journals hold raw answers (the response cache), not verdicts: only shards are state.
    PendingGenerations.Result front = p.apply("FindPendingGenerations", PendingGenerations.of(
        List.of(layout.shardGlob(describe), layout.journalGlob(describe)),
        List.of(layout.shardGlob(generate))).withIds(s.ids));
    PCollection<StateRecord> pending = front.pending();
    CallLlm.Result answers = pending
        .apply("BuildPrompts", BuildGeneratePrompts.forProvider(s.provider)
            .withPrompts(s.prompts).withOffloadArch(s.offloadArch))
        .apply("CallLlm", s.collecting(CallLlm.to(s.provider, generate)
            .withJournal(layout.journalDir(generate, s.runId), layout.journalGlob(generate))
            .withJournalReserve(layout.journalReserveDir(generate))
            .withRunId(s.runId)
            .withMaxInFlight(s.maxInFlight)
            .withRateShare(s.rateShare)));
    ExtractCode.Result code = answers.output().apply("ExtractCode", ExtractCode.create());
    WriteHipFiles.Result written = withFidelity(code.output(), s)
        .apply("ValidateHip", s.validate)
        .apply("WriteHipFiles", WriteHipFiles.to(layout.outHipDir(), "out/hip"));
    PCollection<StateRecord> failed = PCollectionList.of(answers.failures()).and(code.failures())
        .and(written.failures())
        .apply("RecordFailures", RecordFailures.asRun(s.runId, s.provider.name(), s.provider.model()));
    PCollectionList.of(written.output()).and(failed)
        .apply("AllRecords", Flatten.pCollections())
        .apply("WriteState", WriteState.to(layout.shardPrefix(generate, s.runId) + s.shardSuffix).withShards(s.numShards));
    front.malformed()
        .apply("WriteDeadLetters", WriteDeadLetters.to(layout.root() + "/deadletter/" + generate.dir() + "/" + s.runId));
  }

  /** Extracted code with its fidelity against the source, when the spec knows the source directory. */
  private static PCollection<GeneratedCode> withFidelity(PCollection<GeneratedCode> code, Spec s) {
    return s.sourceDir == null ? code
        : code.apply("MeasureFidelity", MeasureFidelity.against(s.sourceDir).withMaxBytes(s.maxSourceBytes));
  }
}
