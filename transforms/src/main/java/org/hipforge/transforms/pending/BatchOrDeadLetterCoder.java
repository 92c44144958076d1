package org.hipforge.transforms.pending;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;
import org.hipforge.transforms.coders.MalformedLineCoder;

/**
 * Coder for {@link BatchOrDeadLetter}: a tag byte, then the bucket and batch, or the dead letter.
 */
final class BatchOrDeadLetterCoder extends CustomCoder<BatchOrDeadLetter> {
  private static final BatchOrDeadLetterCoder INSTANCE = new BatchOrDeadLetterCoder();
  private static final int BATCH = 0;
  private static final int DEAD_LETTER = 1;

  static BatchOrDeadLetterCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(BatchOrDeadLetter v, OutputStream os) throws IOException {
    if (v.isBatch()) {
      os.write(BATCH);
      VarInt.encode(v.bucket(), os);
      BucketBatchCoder.of().encode(v.batch(), os);
    } else {
      os.write(DEAD_LETTER);
      MalformedLineCoder.of().encode(v.deadLetter(), os);
    }
  }

  @Override
  public BatchOrDeadLetter decode(InputStream is) throws IOException {
    int tag = is.read();
    if (tag == BATCH) {
      int bucket = VarInt.decodeInt(is);
      return BatchOrDeadLetter.ofBatch(bucket, BucketBatchCoder.of().decode(is));
    }
    if (tag != DEAD_LETTER) {
      throw new IOException("corrupt element: tag " + tag);
    }
    return BatchOrDeadLetter.ofDeadLetter(MalformedLineCoder.of().decode(is));
  }

  @Override
  public void verifyDeterministic() {}
}
