package org.hipforge.transforms;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The typed result of a stage that can fail: its output and its failures (like rrio's Result).
 *
 * @param <T> what the stage produces
 * @param <F> what a failed element becomes
 */
public class StageResult<T, F> implements POutput {
  private final PCollection<T> output;
  private final PCollection<F> failures;
  private final TupleTag<T> outputTag = new TupleTag<>("output");
  private final TupleTag<F> failuresTag = new TupleTag<>("failures");

  protected StageResult(PCollection<T> output, PCollection<F> failures) {
    this.output = output;
    this.failures = failures;
  }

  public PCollection<T> output() {
    return output;
  }

  public PCollection<F> failures() {
    return failures;
  }

  @Override
  public Pipeline getPipeline() {
    return output.getPipeline();
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(outputTag, output, failuresTag, failures);
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
