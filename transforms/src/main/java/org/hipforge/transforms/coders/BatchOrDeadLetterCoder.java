package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.transforms.BatchOrDeadLetter;
import org.hipforge.transforms.MalformedLine;

/** Coder for {@link BatchOrDeadLetter}: a tag byte, then the bucket and batch, or the dead letter. */
public final class BatchOrDeadLetterCoder extends CustomCoder<BatchOrDeadLetter> {
  private static final BatchOrDeadLetterCoder INSTANCE = new BatchOrDeadLetterCoder();
  private static final int BATCH = 0;
  private static final int DEAD_LETTER = 1;

  public static BatchOrDeadLetterCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(BatchOrDeadLetter v, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    if (v.isBatch()) {
      out.writeByte(BATCH);
      Wire.writeVarInt(out, v.bucket());
      out.flush();
      BucketBatchCoder.of().encode(v.batch(), os);
    } else {
      MalformedLine m = v.deadLetter();
      out.writeByte(DEAD_LETTER);
      Wire.writeString(out, m.file());
      Wire.writeVarLong(out, m.line());
      Wire.writeString(out, m.reason());
      out.writeBoolean(m.torn());
      out.flush();
    }
  }

  @Override
  public BatchOrDeadLetter decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    int tag = in.readUnsignedByte();
    if (tag == BATCH) {
      int bucket = Wire.readVarInt(in);
      return BatchOrDeadLetter.batch(bucket, BucketBatchCoder.of().decode(is));
    }
    if (tag != DEAD_LETTER) {
      throw new IOException("corrupt element: tag " + tag);
    }
    String file = Wire.readString(in);
    long line = Wire.readVarLong(in);
    String reason = Wire.readString(in);
    boolean torn = in.readBoolean();
    return BatchOrDeadLetter.deadLetter(new MalformedLine(file, line, reason, torn));
  }

  @Override
  public void verifyDeterministic() {}
}
