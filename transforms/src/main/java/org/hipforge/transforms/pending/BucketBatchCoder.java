package org.hipforge.transforms.pending;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * Coder for {@link BucketBatch}: kind, count and the already encoded entries as one length-prefixed
 * block (runners wrap the stream in layers that are slow per byte: Flink's view wrapper topped the
 * profile before the batches were written in one piece).
 */
final class BucketBatchCoder extends CustomCoder<BucketBatch> {
  private static final BucketBatchCoder INSTANCE = new BucketBatchCoder();

  static BucketBatchCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(BucketBatch b, OutputStream os) throws IOException {
    os.write(b.manifest() ? 1 : 0);
    VarInt.encode(b.count(), os);
    VarInt.encode(b.bytes().length, os);
    os.write(b.bytes());
  }

  @Override
  public BucketBatch decode(InputStream is) throws IOException {
    int manifest = is.read();
    if (manifest < 0) {
      throw new EOFException();
    }
    int count = VarInt.decodeInt(is);
    int length = VarInt.decodeInt(is);
    if (count < 0 || length < 0) {
      throw new IOException("corrupt batch: count " + count + ", length " + length);
    }
    byte[] bytes = is.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException("batch cut short: " + bytes.length + " of " + length + " bytes");
    }
    return new BucketBatch(manifest != 0, count, bytes);
  }

  @Override
  public void verifyDeterministic() {}
}
