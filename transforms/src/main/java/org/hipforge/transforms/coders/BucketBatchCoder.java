package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.transforms.BucketBatch;

/**
 * Coder for {@link BucketBatch}: kind, count and the already encoded entries as one
 * length-prefixed block (runners wrap the stream in layers that are slow per byte: Flink's view
 * wrapper topped the profile before the batches were written in one piece).
 */
public final class BucketBatchCoder extends CustomCoder<BucketBatch> {
  private static final BucketBatchCoder INSTANCE = new BucketBatchCoder();

  public static BucketBatchCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(BucketBatch b, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    out.writeBoolean(b.isManifest());
    Wire.writeVarInt(out, b.count());
    Wire.writeVarInt(out, b.length());
    out.write(b.bytes(), 0, b.length());
    out.flush();
  }

  @Override
  public BucketBatch decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    boolean manifest = in.readBoolean();
    int count = Wire.readVarInt(in);
    int length = Wire.readVarInt(in);
    if (count < 0 || length < 0) {
      throw new IOException("corrupt batch: count " + count + ", length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new BucketBatch(manifest, count, bytes, length);
  }

  @Override
  public void verifyDeterministic() {}
}
