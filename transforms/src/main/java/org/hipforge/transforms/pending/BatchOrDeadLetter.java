package org.hipforge.transforms.pending;

import org.hipforge.transforms.MalformedLine;

/**
 * What reading a manifest or state file yields: a bucket's batch, or a line that could not be read
 * (then {@code bucket} is -1 and {@code batch} null).
 *
 * <p>One type, because a source has one output; {@link FindPending} splits the two right after the
 * read, in the same chained step.
 */
record BatchOrDeadLetter(int bucket, BucketBatch batch, MalformedLine deadLetter) {
  static BatchOrDeadLetter ofBatch(int bucket, BucketBatch batch) {
    return new BatchOrDeadLetter(bucket, batch, null);
  }

  static BatchOrDeadLetter ofDeadLetter(MalformedLine line) {
    return new BatchOrDeadLetter(-1, null, line);
  }

  boolean isBatch() {
    return batch != null;
  }
}
