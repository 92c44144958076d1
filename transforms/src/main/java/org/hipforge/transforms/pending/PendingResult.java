package org.hipforge.transforms.pending;

import org.apache.beam.sdk.values.PCollection;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.StageResult;

/**
 * What an anti-join yields ({@link FindPending}, {@link PendingGenerations}): the tasks still to
 * do, and the state lines that could not be read (the dead letters).
 *
 * @param <T> what a pending task is: a manifest entry to describe, a describe record to generate
 *     from
 */
public final class PendingResult<T> extends StageResult<T, MalformedLine> {
  PendingResult(PCollection<T> pending, PCollection<MalformedLine> malformed) {
    super(pending, malformed);
  }

  public PCollection<T> pending() {
    return output();
  }

  public PCollection<MalformedLine> malformed() {
    return failures();
  }
}
