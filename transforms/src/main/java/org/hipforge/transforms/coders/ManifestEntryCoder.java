package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.util.VarInt;
import org.hipforge.io.record.ManifestEntry;

/** Compact binary coder for {@link ManifestEntry} (var-ints and UTF-8, no field names). */
public final class ManifestEntryCoder extends CompactCoder<ManifestEntry> {
  private static final ManifestEntryCoder INSTANCE = new ManifestEntryCoder();

  @Override
  public void encode(ManifestEntry e, OutputStream os) throws IOException {
    VarInt.encode(e.id(), os);
    Wire.writeString(os, e.fileName());
    VarInt.encode(e.bytes() + 1, os); // -1 (unknown) as 0
    Wire.writeString(os, e.sha256());
  }

  @Override
  public ManifestEntry decode(InputStream is) throws IOException {
    long id = VarInt.decodeLong(is);
    String name = Wire.readString(is);
    long bytes = VarInt.decodeLong(is) - 1;
    return new ManifestEntry(id, name, bytes, Wire.readString(is));
  }

  public static ManifestEntryCoder of() {
    return INSTANCE;
  }
}
