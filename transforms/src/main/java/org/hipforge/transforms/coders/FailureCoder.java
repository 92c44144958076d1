package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.hipforge.transforms.Failure;

/**
 * Compact binary coder for {@link Failure}: its stage, then its failed state record (through {@link
 * StateRecordCoder}); everything else a failure says follows from those two.
 */
public final class FailureCoder extends CompactCoder<Failure> {
  private static final FailureCoder INSTANCE = new FailureCoder();

  @Override
  public void encode(Failure f, OutputStream os) throws IOException {
    Wire.writeString(os, f.stage());
    StateRecordCoder.of().encode(f.record(), os);
  }

  @Override
  public Failure decode(InputStream is) throws IOException {
    String stage = Wire.readString(is);
    return Failure.of(StateRecordCoder.of().decode(is), stage);
  }

  public static FailureCoder of() {
    return INSTANCE;
  }
}
