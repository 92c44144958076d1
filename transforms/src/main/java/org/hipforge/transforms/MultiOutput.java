package org.hipforge.transforms;

import java.io.Serializable;
import java.util.function.BiFunction;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The two tagged outputs of a stage's DoFn, its output and its failures: one instance per {@code
 * expand()}, handed to the DoFn (which emits through {@link #output} and {@link #fail}) and used to
 * apply it, set both coders and build the stage's typed result.
 *
 * <pre>{@code
 * MultiOutput<SourceFile, Failure> tags = MultiOutput.of("out", "fail");
 * return tags.apply(pending, "ReadSource", new ReadFn(configuration, tags),
 *     SerializableCoder.of(SourceFile.class), FailureCoder.of(), Result::new);
 * }</pre>
 *
 * @param <T> what the stage produces
 * @param <F> what a failed element becomes
 */
final class MultiOutput<T, F> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final TupleTag<T> outputTag;
  private final TupleTag<F> failuresTag;

  private MultiOutput(TupleTag<T> outputTag, TupleTag<F> failuresTag) {
    this.outputTag = outputTag;
    this.failuresTag = failuresTag;
  }

  /** New tags with these ids (they name the stage's output collections in the graph). */
  static <T, F> MultiOutput<T, F> of(String outputId, String failuresId) {
    return new MultiOutput<>(new TupleTag<>(outputId), new TupleTag<>(failuresId));
  }

  /**
   * Applies {@code fn} to {@code input} as step {@code name} with both tags, sets the coders and
   * returns {@code result} of the two outputs.
   */
  <I, R> R apply(
      PCollection<I> input,
      String name,
      DoFn<I, T> fn,
      Coder<T> outputCoder,
      Coder<F> failureCoder,
      BiFunction<PCollection<T>, PCollection<F>, R> result) {
    PCollectionTuple t =
        input.apply(name, ParDo.of(fn).withOutputTags(outputTag, TupleTagList.of(failuresTag)));
    return result.apply(
        t.get(outputTag).setCoder(outputCoder), t.get(failuresTag).setCoder(failureCoder));
  }

  /** Emits {@code value} on the output. */
  void output(DoFn.MultiOutputReceiver out, T value) {
    out.get(outputTag).output(value);
  }

  /** Emits {@code failure} on the failures. */
  void fail(DoFn.MultiOutputReceiver out, F failure) {
    out.get(failuresTag).output(failure);
  }

  TupleTag<T> outputTag() {
    return outputTag;
  }

  TupleTag<F> failuresTag() {
    return failuresTag;
  }
}
