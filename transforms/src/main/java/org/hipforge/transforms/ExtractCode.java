package org.hipforge.transforms;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hex;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.coders.GeneratedCodeCoder;

/**
 * Pulls the HIP source out of each generate answer (markdown fences and all, see {@link
 * CodeExtractor}); an answer with no code becomes a {@code no_code} failure.
 *
 * <pre>
 * {@code StageResult<GeneratedCode, Failure> code = answers.apply("ExtractCode", ExtractCode.create());}
 * </pre>
 */
public final class ExtractCode
    extends PTransform<PCollection<StateRecord>, StageResult<GeneratedCode, Failure>> {
  private ExtractCode() {}

  public static ExtractCode create() {
    return new ExtractCode();
  }

  @Override
  public StageResult<GeneratedCode, Failure> expand(PCollection<StateRecord> answers) {
    MultiOutput<GeneratedCode> tags = MultiOutput.of("code", "no_code");
    return tags.apply(answers, "Extract", new ExtractFn(tags), GeneratedCodeCoder.of());
  }

  private static final class ExtractFn extends DoFn<StateRecord, GeneratedCode> {
    private final MultiOutput<GeneratedCode> tags;

    /**
     * Code handed to the compile step: the cluster client's progress line counts compiles against
     * it.
     */
    private final Counter extracted = Metrics.counter(ExtractCode.class, "extracted");

    ExtractFn(MultiOutput<GeneratedCode> tags) {
      this.tags = tags;
    }

    @ProcessElement
    public void process(@Element StateRecord answer, MultiOutputReceiver out) {
      ExtractedCode code = CodeExtractor.extract(answer.response());
      if (!code.isPresent()) {
        // The answer's record (its billed tokens, prompt hash), failed; it keeps the raw answer
        // for the repair loop's follow-up, and RecordFailures drops it from the state.
        tags.fail(
            out,
            Failure.of(
                answer.toBuilder()
                    .failure(code.failureCategory(), code.reason())
                    .finishedAtMillis(System.currentTimeMillis())
                    .build(),
                "extract_code"));
        return;
      }
      StateRecord r = answer.toBuilder().response(null).codeSha256(Hex.sha256(code.code())).build();
      extracted.inc();
      Progress.compileQueued();
      tags.output(out, new GeneratedCode(r, code.code()));
    }
  }
}
