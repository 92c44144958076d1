package org.hipforge.transforms;

import org.apache.beam.sdk.transforms.DoFn;

/**
 * The DoFn of a stage that can fail: what it starts with, its transform's configuration handed
 * whole ({@code c}) and the tags it emits its output and failures on ({@link MultiOutput}).
 *
 * @param <C> the transform's configuration record
 * @param <I> what the stage reads
 * @param <T> what the stage produces
 */
abstract class StageFn<C, I, T> extends DoFn<I, T> {
  final C c;
  final MultiOutput<T> tags;

  StageFn(C c, MultiOutput<T> tags) {
    this.c = c;
    this.tags = tags;
  }
}
