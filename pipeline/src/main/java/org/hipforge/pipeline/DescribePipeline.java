package org.hipforge.pipeline;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.BuildPrompts;
import org.hipforge.transforms.Failure;
import org.hipforge.transforms.ReadSources;
import org.hipforge.transforms.SourceFile;
import org.hipforge.transforms.StageResult;
import org.hipforge.transforms.pending.FindPending;
import org.hipforge.transforms.pending.PendingResult;

/** Builds the describe pipeline: pending HIP sources to instructions, journaled as they arrive. */
public final class DescribePipeline {
  private DescribePipeline() {}

  /**
   * What one describe run needs, fixed before the pipeline is built: the calls ({@link CallSpec})
   * and where the sources are; {@code kernelsOnly}: sources without a HIP kernel are recorded
   * {@code no_kernel} without a call.
   */
  public record Spec(CallSpec calls, String sourceDir, long maxSourceBytes, boolean kernelsOnly) {
    public Spec {
      if (calls.step() != WorkLayout.Step.DESCRIBE) {
        throw new IllegalArgumentException("a describe pipeline's calls are describe's");
      }
    }
  }

  /** The pipeline of {@code s}'s run, or of its batch {@code round}. */
  public static void build(Pipeline p, Spec s, CallSpec.Round round) {
    CallSpec calls = s.calls();
    PendingResult<ManifestEntry> pending =
        p.apply("FindPending", FindPending.in(calls.layout(), calls.step()));
    StageResult<SourceFile, Failure> sources =
        pending
            .pending()
            .apply(
                "ReadSources",
                ReadSources.from(s.sourceDir())
                    .withMaxBytes(s.maxSourceBytes())
                    .withKernelsOnly(s.kernelsOnly()));
    StageResult<StateRecord, Failure> answers =
        sources
            .output()
            .apply(
                "BuildPrompts",
                BuildPrompts.describe(calls.provider()).withPrompts(calls.prompts()))
            .apply("CallLlm", calls.callLlm(round, true));
    PCollection<StateRecord> failed =
        PCollectionList.of(sources.failures())
            .and(answers.failures())
            .apply("RecordFailures", calls.recordFailures());
    PCollectionList.of(answers.output())
        .and(failed)
        .apply("AllRecords", org.apache.beam.sdk.transforms.Flatten.pCollections())
        .apply("WriteState", calls.writeState(round));
    pending.malformed().apply("WriteDeadLetters", calls.writeDeadLetters());
  }
}
