package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.PendingCheck;
import org.hipforge.transforms.PendingChecks;

/** Compact coder for {@link PendingCheck}: a presence byte, then the present parts. */
public final class PendingCheckCoder extends CustomCoder<PendingCheck> {
  private static final PendingCheckCoder INSTANCE = new PendingCheckCoder();

  public static PendingCheckCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(PendingCheck c, OutputStream out) throws IOException {
    int flags = (c.entry() != null ? 1 : 0) | (c.latest() != null ? 2 : 0);
    out.write(flags);
    if (c.entry() != null) {
      ManifestEntryCoder.of().encode(c.entry(), out);
    }
    if (c.latest() != null) {
      StateRecordCoder.of().encode(c.latest(), out);
    }
  }

  @Override
  public PendingCheck decode(InputStream in) throws IOException {
    int flags = in.read();
    if (flags < 0) {
      throw new java.io.EOFException();
    }
    ManifestEntry e = (flags & 1) != 0 ? ManifestEntryCoder.of().decode(in) : null;
    StateRecord r = (flags & 2) != 0 ? StateRecordCoder.of().decode(in) : null;
    return PendingChecks.of(e, r);
  }

  @Override
  public void verifyDeterministic() {}
}
