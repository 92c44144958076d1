package org.hipforge.transforms;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hex;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.hipforge.transforms.coders.FailureCoder;
import org.hipforge.io.util.Progress;

/**
 * Pulls the HIP source out of each generate answer (markdown fences and all, see {@link
 * CodeExtractor}); an answer with no code becomes a {@code no_code} failure.
 *
 * <pre>{@code ExtractCode.Result code = answers.apply("ExtractCode", ExtractCode.create());}</pre>
 */
public final class ExtractCode extends PTransform<PCollection<StateRecord>, ExtractCode.Result> {
  private ExtractCode() {}

  public static ExtractCode create() {
    return new ExtractCode();
  }

  /** Extracted code and the answers without any. */
  public static final class Result extends StageResult<GeneratedCode, Failure> {
    Result(PCollection<GeneratedCode> output, PCollection<Failure> failures) {
      super(output, failures);
    }
  }

  @Override
  public Result expand(PCollection<StateRecord> answers) {
    TupleTag<GeneratedCode> outTag = new TupleTag<>("code");
    TupleTag<Failure> failTag = new TupleTag<>("no_code");
    PCollectionTuple t = answers.apply("Extract",
        ParDo.of(new ExtractFn(outTag, failTag)).withOutputTags(outTag, TupleTagList.of(failTag)));
    return new Result(t.get(outTag).setCoder(GeneratedCodeCoder.of()),
        t.get(failTag).setCoder(FailureCoder.of()));
  }

  private static final class ExtractFn extends DoFn<StateRecord, GeneratedCode> {
    private final TupleTag<GeneratedCode> outTag;
    private final TupleTag<Failure> failTag;
    /** Code handed to the compile step: the cluster client's progress line counts compiles against it. */
    private final Counter extracted = Metrics.counter(ExtractCode.class, "extracted");

    ExtractFn(TupleTag<GeneratedCode> outTag, TupleTag<Failure> failTag) {
      this.outTag = outTag;
      this.failTag = failTag;
    }

    @ProcessElement
    public void process(@Element StateRecord answer, MultiOutputReceiver out) {
      ExtractedCode code = CodeExtractor.extract(answer.response());
      if (!code.isPresent()) {
        // The answer's record (its billed tokens, prompt hash), failed; it keeps the raw answer
        // for the repair loop's follow-up, and RecordFailures drops it from the state.
        out.get(failTag).output(Failure.of(answer.toBuilder().failure(code.failureCategory(), code.reason())
            .finishedAtMillis(System.currentTimeMillis()).build(), "extract_code"));
        return;
      }
      StateRecord r = answer.toBuilder().response(null).codeSha256(Hex.sha256(code.code())).build();
      extracted.inc();
      Progress.compileQueued();
      out.get(outTag).output(new GeneratedCode(r, code.code()));
    }
  }
}
