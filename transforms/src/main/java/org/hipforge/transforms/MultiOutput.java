package org.hipforge.transforms;

import java.io.Serializable;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.hipforge.transforms.coders.FailureCoder;

/**
 * The two tagged outputs of a stage's DoFn, its output and its failures: one instance per {@code
 * expand()}, handed to the DoFn (which emits through {@link #output} and {@link #fail}) and used to
 * apply it, set both coders and build the stage's typed result.
 *
 * <pre>{@code
 * MultiOutput<SourceFile> tags = MultiOutput.of("out", "fail");
 * return tags.apply(
 *     pending, "ReadSource", new ReadFn(configuration, tags), SerializableCoder.of(SourceFile.class));
 * }</pre>
 *
 * @param <T> what the stage produces (a failed element becomes a {@link Failure})
 */
final class MultiOutput<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final TupleTag<T> outputTag;
  private final TupleTag<Failure> failuresTag;

  private MultiOutput(TupleTag<T> outputTag, TupleTag<Failure> failuresTag) {
    this.outputTag = outputTag;
    this.failuresTag = failuresTag;
  }

  /** New tags with these ids (they name the stage's output collections in the graph). */
  static <T> MultiOutput<T> of(String outputId, String failuresId) {
    return new MultiOutput<>(new TupleTag<>(outputId), new TupleTag<>(failuresId));
  }

  /**
   * Applies {@code fn} to {@code input} as step {@code name} with both tags, sets the coders
   * ({@code outputCoder}, {@link FailureCoder}) and returns the two outputs.
   */
  <I> StageResult<T, Failure> apply(
      PCollection<I> input, String name, DoFn<I, T> fn, Coder<T> outputCoder) {
    PCollectionTuple t =
        input.apply(name, ParDo.of(fn).withOutputTags(outputTag, TupleTagList.of(failuresTag)));
    return new StageResult<>(
        t.get(outputTag).setCoder(outputCoder), t.get(failuresTag).setCoder(FailureCoder.of()));
  }

  /** Emits {@code value} on the output. */
  void output(DoFn.MultiOutputReceiver out, T value) {
    out.get(outputTag).output(value);
  }

  /** Emits {@code failure} on the failures. */
  void fail(DoFn.MultiOutputReceiver out, Failure failure) {
    out.get(failuresTag).output(failure);
  }

  TupleTag<T> outputTag() {
    return outputTag;
  }

  TupleTag<Failure> failuresTag() {
    return failuresTag;
  }
}
