package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.io.record.ManifestEntry;

/** Compact binary coder for {@link ManifestEntry} (var-ints and UTF-8, no field names). */
public final class ManifestEntryCoder extends CustomCoder<ManifestEntry> {
  private static final ManifestEntryCoder INSTANCE = new ManifestEntryCoder();

  public static ManifestEntryCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(ManifestEntry e, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    Wire.writeVarLong(out, e.id());
    Wire.writeString(out, e.fileName());
    Wire.writeVarLong(out, e.bytes() + 1);
    Wire.writeString(out, e.sha256());
    out.flush();
  }

  @Override
  public ManifestEntry decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    long id = Wire.readVarLong(in);
    String name = Wire.readString(in);
    long bytes = Wire.readVarLong(in) - 1;
    String sha = Wire.readString(in);
    return new ManifestEntry(id, name, bytes, sha);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
