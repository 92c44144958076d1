package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.util.VarInt;
import org.hipforge.transforms.MalformedLine;

/** Compact binary coder for {@link MalformedLine}: file, line number, reason, torn. */
public final class MalformedLineCoder extends CompactCoder<MalformedLine> {
  private static final MalformedLineCoder INSTANCE = new MalformedLineCoder();

  @Override
  public void encode(MalformedLine m, OutputStream os) throws IOException {
    Wire.writeString(os, m.file());
    VarInt.encode(m.line(), os);
    Wire.writeString(os, m.reason());
    Wire.writeBoolean(os, m.torn());
  }

  @Override
  public MalformedLine decode(InputStream is) throws IOException {
    return new MalformedLine(
        Wire.readString(is), VarInt.decodeLong(is), Wire.readString(is), Wire.readBoolean(is));
  }

  public static MalformedLineCoder of() {
    return INSTANCE;
  }
}
