package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.Failure;

/**
 * Compact binary coder for {@link Failure}: a flag byte, then its fields; a paid answer's failure
 * is its state record (through {@link StateRecordCoder}) and its stage, from which the rest follows.
 */
public final class FailureCoder extends CustomCoder<Failure> {
  private static final FailureCoder INSTANCE = new FailureCoder();
  private static final int PAID_ANSWER = 1;

  public static FailureCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(Failure f, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    StateRecord answer = f.answer();
    out.writeByte(answer != null ? PAID_ANSWER : 0);
    Wire.writeString(out, f.stage());
    if (answer != null) {
      out.flush();
      StateRecordCoder.of().encode(answer, os);
      return;
    }
    out.writeLong(f.id());
    Wire.writeString(out, f.fileName());
    Wire.writeString(out, f.sourceSha256());
    Wire.writeString(out, f.category());
    Wire.writeString(out, f.message());
    out.writeLong(f.atMillis());
    Wire.writeVarInt(out, f.attempts());
    Wire.writeString(out, f.instruction());
    out.flush();
  }

  @Override
  public Failure decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    int flags = in.readUnsignedByte();
    String stage = Wire.readString(in);
    if ((flags & PAID_ANSWER) != 0) {
      return Failure.ofPaidAnswer(StateRecordCoder.of().decode(is), stage);
    }
    long id = in.readLong();
    String fileName = Wire.readString(in);
    String sourceSha256 = Wire.readString(in);
    String category = Wire.readString(in);
    String message = Wire.readString(in);
    long atMillis = in.readLong();
    int attempts = Wire.readVarInt(in);
    String instruction = Wire.readString(in);
    return new Failure(id, fileName, sourceSha256, stage, category, message, atMillis, attempts, instruction);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
