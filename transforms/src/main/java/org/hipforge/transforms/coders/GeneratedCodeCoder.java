package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.hipforge.transforms.GeneratedCode;

/**
 * Compact binary coder for {@link GeneratedCode}: its state record ({@link StateRecordCoder}), then
 * the code.
 */
public final class GeneratedCodeCoder extends CompactCoder<GeneratedCode> {
  private static final GeneratedCodeCoder INSTANCE = new GeneratedCodeCoder();

  @Override
  public void encode(GeneratedCode g, OutputStream os) throws IOException {
    StateRecordCoder.of().encode(g.record(), os);
    Wire.writeString(os, g.code());
  }

  @Override
  public GeneratedCode decode(InputStream is) throws IOException {
    return new GeneratedCode(StateRecordCoder.of().decode(is), Wire.readString(is));
  }

  public static GeneratedCodeCoder of() {
    return INSTANCE;
  }
}
