package org.hipforge.pipeline;

import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.BuildPrompts;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.ExtractCode;
import org.hipforge.transforms.Failure;
import org.hipforge.transforms.GeneratedCode;
import org.hipforge.transforms.LlmTask;
import org.hipforge.transforms.MeasureFidelity;
import org.hipforge.transforms.StageResult;
import org.hipforge.transforms.ValidateHip;
import org.hipforge.transforms.WriteHipFiles;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.hipforge.transforms.pending.PendingGenerations;
import org.hipforge.transforms.pending.PendingResult;

/** Builds the generate pipeline: instructions to HIP code, compiled, written as .hip files. */
public final class GeneratePipeline {
  private GeneratePipeline() {}

  /**
   * What one generate run needs, fixed before the pipeline is built.
   *
   * @param calls the calls ({@link CallSpec}); their prompt templates render {@code
   *     {{offload_arch}}} as {@code offloadArch}
   * @param ids the tasks to generate; null means every described task
   * @param sourceDir where the described sources are, so each extracted file gets a {@code
   *     fidelity} against its source ({@link MeasureFidelity}); null records no fidelity
   * @param repairRounds {@code --repairRounds}: a {@code compile_error} or {@code no_code} answer
   *     gets up to this many follow-ups with the compiler's errors; 0 asks once
   * @param repairSync batch mode only ({@code --repairMode=sync}): the repair rounds call the
   *     provider synchronously (journaled like any call) instead of waiting for another batch; the
   *     first answers still go through the Batch API
   */
  public record Spec(
      CallSpec calls,
      Set<Long> ids,
      ValidateHip validate,
      String offloadArch,
      String sourceDir,
      long maxSourceBytes,
      int repairRounds,
      boolean repairSync) {
    public Spec {
      if (calls.step() != WorkLayout.Step.GENERATE) {
        throw new IllegalArgumentException("a generate pipeline's calls are generate's");
      }
      java.util.Objects.requireNonNull(offloadArch, "offloadArch");
      if (repairRounds < 0 || repairRounds > MAX_REPAIR_ROUNDS) {
        throw new IllegalArgumentException(
            "repairRounds must be in [0, " + MAX_REPAIR_ROUNDS + "], was " + repairRounds);
      }
    }

    /**
     * Repair round {@code n}'s call (0: the first answers) in a batch {@code round}: a repair round
     * sent at once ({@code repairSync}) collects nothing.
     */
    CallLlm callLlm(CallSpec.Round round, int n) {
      return calls.callLlm(round, n == 0 || !repairSync);
    }
  }

  /**
   * The most repair rounds a run may ask: each round is a step of the pipeline (a Beam graph has no
   * loops, so rounds are unrolled), and past a few rounds a model that has not fixed a file rarely
   * does.
   */
  public static final int MAX_REPAIR_ROUNDS = 10;

  /** One round's stages: the answers, the code extracted from them, and its verdicts. */
  private static final class Round {
    StageResult<StateRecord, Failure> answers;
    StageResult<GeneratedCode, Failure> code;
    ValidateHip.Result checked;
  }

  /**
   * The generate pipeline. With repair rounds it is unrolled: round 0 asks the generate prompt;
   * each answer that is {@code compile_error} or {@code no_code} and has rounds left gets a repair
   * prompt (the same journal and response cache, so a rerun replays every round unpaid and resumes
   * at the first one not journaled); every other outcome of a round goes to the state. The records
   * then close their last round ({@code round_verdicts}). Tokens of a repaired generation are the
   * sum over its rounds (what was billed for it). {@code batchRound} is the round of batch mode
   * this pipeline is ({@link CallSpec.Round#SYNC} for a synchronous run), not a repair round.
   */
  public static void build(Pipeline p, Spec s, CallSpec.Round batchRound) {
    CallSpec calls = s.calls();
    WorkLayout layout = calls.layout();
    WorkLayout.Step describe = WorkLayout.Step.DESCRIBE;
    WorkLayout.Step generate = calls.step();
    // Generate journals hold raw answers (the response cache), not verdicts: only shards are state.
    PendingResult<StateRecord> front =
        p.apply(
            "FindPendingGenerations",
            PendingGenerations.of(
                    List.of(layout.shardGlob(describe), layout.journalGlob(describe)),
                    List.of(layout.shardGlob(generate)))
                .withIds(s.ids()));
    PCollection<StateRecord> pending = front.pending();
    PCollection<LlmTask> tasks =
        pending.apply(
            "BuildPrompts",
            BuildPrompts.generate(calls.provider())
                .withPrompts(calls.prompts())
                .withOffloadArch(s.offloadArch()));
    PCollectionList<GeneratedCode> passed = PCollectionList.empty(p);
    PCollectionList<Failure> failures = PCollectionList.empty(p);
    for (int n = 0; ; n++) {
      Round round = round(tasks, s, batchRound, n);
      passed = passed.and(round.checked.output());
      failures = failures.and(round.answers.failures());
      if (n == s.repairRounds()) {
        failures = failures.and(round.code.failures()).and(round.checked.failures());
        break;
      }
      String next = "Repair" + (n + 1);
      failures =
          failures
              .and(
                  round
                      .code
                      .failures()
                      .apply(
                          next + "KeepNoRepair",
                          Filter.by(f -> !ErrorCategory.repairable(f.category()))))
              .and(
                  round
                      .checked
                      .failures()
                      .apply(
                          next + "KeepFinal",
                          Filter.by(f -> !ErrorCategory.repairable(f.category()))));
      PCollection<GeneratedCode> noCode =
          round
              .code
              .failures()
              .apply(next + "NoCode", Filter.by(f -> ErrorCategory.repairable(f.category())))
              .apply(
                  next + "AnswerAsCode",
                  MapElements.into(TypeDescriptor.of(GeneratedCode.class))
                      .via(GeneratedCode::ofNoCode))
              .setCoder(GeneratedCodeCoder.of());
      PCollection<GeneratedCode> notCompiled =
          round
              .checked
              .notCompiled()
              .apply(
                  next + "CompileErrors",
                  Filter.by(g -> ErrorCategory.repairable(g.record().errorCategory())));
      tasks =
          PCollectionList.of(notCompiled)
              .and(noCode)
              .apply(next + "ToRepair", Flatten.pCollections())
              .apply(
                  "BuildRepairPrompts" + (n + 1),
                  BuildPrompts.repair(calls.provider())
                      .withPrompts(calls.prompts())
                      .withOffloadArch(s.offloadArch()));
    }
    StageResult<StateRecord, Failure> written =
        passed
            .apply("AllPassed", Flatten.pCollections())
            .apply("WriteHipFiles", WriteHipFiles.to(layout.outHipDir(), WorkLayout.OUT_HIP));
    PCollection<StateRecord> failed =
        failures.and(written.failures()).apply("RecordFailures", calls.recordFailures());
    PCollection<StateRecord> records =
        PCollectionList.of(written.output())
            .and(failed)
            .apply("AllRecords", Flatten.pCollections())
            .apply("StampOffloadArch", stampOffloadArch(s.offloadArch()))
            .setCoder(StateRecordCoder.of());
    if (s.repairRounds() > 0) {
      records =
          records
              .apply(
                  "CloseRounds",
                  MapElements.into(TypeDescriptor.of(StateRecord.class))
                      .via(StateRecord::closeRound))
              .setCoder(StateRecordCoder.of());
    }
    records.apply("WriteState", calls.writeState(batchRound));
    front.malformed().apply("WriteDeadLetters", calls.writeDeadLetters());
  }

  /**
   * Sets {@code offload_arch} on every generate record (passed or failed): the {@code
   * --offloadArch} value its prompt's {@code {{offload_arch}}} was rendered with and its code
   * compiled for, so the export can say what "compiled" means and render the prompt that was really
   * asked.
   */
  private static MapElements<StateRecord, StateRecord> stampOffloadArch(String offloadArch) {
    String arch = offloadArch == null || offloadArch.isBlank() ? null : offloadArch.strip();
    return MapElements.into(TypeDescriptor.of(StateRecord.class))
        .via((StateRecord r) -> r.toBuilder().offloadArch(arch).build());
  }

  /**
   * Round {@code n}: call (journaled, cached), extract, measure fidelity, compile. Round 0's steps
   * keep the names they had before the repair loop existed.
   */
  private static Round round(PCollection<LlmTask> tasks, Spec s, CallSpec.Round batchRound, int n) {
    String suffix = n == 0 ? "" : "Repair" + n;
    Round r = new Round();
    // In batch mode every round collects what the journal cannot answer: a repair round's new
    // prompts become the next, smaller batch.
    r.answers = tasks.apply("CallLlm" + suffix, s.callLlm(batchRound, n));
    r.code = r.answers.output().apply("ExtractCode" + suffix, ExtractCode.create());
    r.checked =
        withFidelity(r.code.output(), s, suffix).apply("ValidateHip" + suffix, s.validate());
    return r;
  }

  /**
   * Extracted code with its fidelity against the source, when the spec knows the source directory.
   */
  private static PCollection<GeneratedCode> withFidelity(
      PCollection<GeneratedCode> code, Spec s, String suffix) {
    return s.sourceDir() == null
        ? code
        : code.apply(
            "MeasureFidelity" + suffix,
            MeasureFidelity.against(s.sourceDir()).withMaxBytes(s.maxSourceBytes()));
  }
}
