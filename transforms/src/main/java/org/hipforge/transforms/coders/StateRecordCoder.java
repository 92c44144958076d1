package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.hipforge.io.record.StateRecord;

/** Compact binary coder for {@link StateRecord}: a flag word for optional fields, then values. */
public final class StateRecordCoder extends CustomCoder<StateRecord> {
  private static final StateRecordCoder INSTANCE = new StateRecordCoder();
  private static final int PASS = 1;
  private static final int CACHED = 2;
  private static final int HAS_COMPILED = 4;
  private static final int COMPILED = 8;

  public static StateRecordCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(StateRecord r, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    int flags = (r.pass() ? PASS : 0) | (r.cached() ? CACHED : 0)
        | (r.compiled() != null ? HAS_COMPILED : 0)
        | (Boolean.TRUE.equals(r.compiled()) ? COMPILED : 0);
    out.writeByte(flags);
    Wire.writeVarLong(out, r.id());
    Wire.writeString(out, r.fileName());
    Wire.writeString(out, r.instruction());
    Wire.writeString(out, r.errorMsg());
    Wire.writeString(out, r.sourceSha256());
    Wire.writeString(out, r.provider());
    Wire.writeString(out, r.model());
    Wire.writeVarLong(out, r.inputTokens() + 1);
    Wire.writeVarLong(out, r.outputTokens() + 1);
    Wire.writeVarLong(out, r.latencyMs() + 1);
    Wire.writeVarInt(out, r.attempts());
    out.writeLong(r.finishedAtMillis());
    Wire.writeString(out, r.runId());
    Wire.writeString(out, r.promptSha256());
    Wire.writeString(out, r.codeSha256());
    Wire.writeString(out, r.compileError());
    Wire.writeString(out, r.outputPath());
    Wire.writeString(out, r.toolchain());
    Wire.writeString(out, r.response());
    out.flush();
  }

  @Override
  public StateRecord decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    int flags = in.readUnsignedByte();
    return StateRecord.builder()
        .pass((flags & PASS) != 0)
        .cached((flags & CACHED) != 0)
        .compiled((flags & HAS_COMPILED) != 0 ? (flags & COMPILED) != 0 : null)
        .id(Wire.readVarLong(in))
        .fileName(Wire.readString(in))
        .instruction(Wire.readString(in))
        .errorMsg(Wire.readString(in))
        .sourceSha256(Wire.readString(in))
        .provider(Wire.readString(in))
        .model(Wire.readString(in))
        .inputTokens(Wire.readVarLong(in) - 1)
        .outputTokens(Wire.readVarLong(in) - 1)
        .latencyMs(Wire.readVarLong(in) - 1)
        .attempts(Wire.readVarInt(in))
        .finishedAtMillis(in.readLong())
        .runId(Wire.readString(in))
        .promptSha256(Wire.readString(in))
        .codeSha256(Wire.readString(in))
        .compileError(Wire.readString(in))
        .outputPath(Wire.readString(in))
        .toolchain(Wire.readString(in))
        .response(Wire.readString(in))
        .build();
  }

  static void encodeTo(StateRecord r, ByteSink sink) {
    int flags = (r.pass() ? PASS : 0) | (r.cached() ? CACHED : 0)
        | (r.compiled() != null ? HAS_COMPILED : 0)
        | (Boolean.TRUE.equals(r.compiled()) ? COMPILED : 0);
    sink.writeByte(flags);
    sink.writeVarLong(r.id());
    sink.writeString(r.fileName());
    sink.writeString(r.instruction());
    sink.writeString(r.errorMsg());
    sink.writeString(r.sourceSha256());
    sink.writeString(r.provider());
    sink.writeString(r.model());
    sink.writeVarLong(r.inputTokens() + 1);
    sink.writeVarLong(r.outputTokens() + 1);
    sink.writeVarLong(r.latencyMs() + 1);
    sink.writeVarInt(r.attempts());
    sink.writeLong(r.finishedAtMillis());
    sink.writeString(r.runId());
    sink.writeString(r.promptSha256());
    sink.writeString(r.codeSha256());
    sink.writeString(r.compileError());
    sink.writeString(r.outputPath());
    sink.writeString(r.toolchain());
    sink.writeString(r.response());
  }

  static StateRecord decodeFrom(ByteSource in) throws IOException {
    int flags = in.readUnsignedByte();
    return StateRecord.builder()
        .pass((flags & PASS) != 0)
        .cached((flags & CACHED) != 0)
        .compiled((flags & HAS_COMPILED) != 0 ? (flags & COMPILED) != 0 : null)
        .id(in.readVarLong())
        .fileName(in.readString())
        .instruction(in.readString())
        .errorMsg(in.readString())
        .sourceSha256(in.readString())
        .provider(in.readString())
        .model(in.readString())
        .inputTokens(in.readVarLong() - 1)
        .outputTokens(in.readVarLong() - 1)
        .latencyMs(in.readVarLong() - 1)
        .attempts(in.readVarInt())
        .finishedAtMillis(in.readLong())
        .runId(in.readString())
        .promptSha256(in.readString())
        .codeSha256(in.readString())
        .compileError(in.readString())
        .outputPath(in.readString())
        .toolchain(in.readString())
        .response(in.readString())
        .build();
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
