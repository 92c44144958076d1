package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.BucketBatch;

/** Coder for {@link BucketBatch}: two counted lists of compactly coded records. */
public final class BucketBatchCoder extends CustomCoder<BucketBatch> {
  private static final BucketBatchCoder INSTANCE = new BucketBatchCoder();

  public static BucketBatchCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(BucketBatch b, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    Wire.writeVarInt(out, b.entries().size());
    for (ManifestEntry e : b.entries()) {
      ManifestEntryCoder.of().encode(e, out);
    }
    Wire.writeVarInt(out, b.records().size());
    for (StateRecord r : b.records()) {
      StateRecordCoder.of().encode(r, out);
    }
    out.flush();
  }

  @Override
  public BucketBatch decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    int n = Wire.readVarInt(in);
    List<ManifestEntry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(ManifestEntryCoder.of().decode(in));
    }
    int m = Wire.readVarInt(in);
    List<StateRecord> records = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      records.add(StateRecordCoder.of().decode(in));
    }
    return new BucketBatch(entries, records);
  }

  @Override
  public void verifyDeterministic() {}
}
