package org.hipforge.transforms;

/**
 * What reading a manifest or state file yields: a bucket's batch or a line that could not be read.
 *
 * <p>One type, because a source has one output; {@code FindPending} splits the two right after
 * the read, in the same chained step.
 */
public final class BatchOrDeadLetter {
  private final int bucket;
  private final BucketBatch batch;
  private final MalformedLine deadLetter;

  private BatchOrDeadLetter(int bucket, BucketBatch batch, MalformedLine deadLetter) {
    this.bucket = bucket;
    this.batch = batch;
    this.deadLetter = deadLetter;
  }

  public static BatchOrDeadLetter batch(int bucket, BucketBatch batch) {
    return new BatchOrDeadLetter(bucket, batch, null);
  }

  public static BatchOrDeadLetter deadLetter(MalformedLine line) {
    return new BatchOrDeadLetter(-1, null, line);
  }

  public boolean isBatch() {
    return batch != null;
  }

  /** The bucket of a batch; -1 for a dead letter. */
  public int bucket() {
    return bucket;
  }

  /** The batch, or null for a dead letter. */
  public BucketBatch batch() {
    return batch;
  }

  /** The dead letter, or null for a batch. */
  public MalformedLine deadLetter() {
    return deadLetter;
  }
}
