package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import java.util.ArrayList;
import java.util.List;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;

/** Compact binary coder for {@link StateRecord}: a flag word for optional fields, then values. */
public final class StateRecordCoder extends CustomCoder<StateRecord> {
  private static final StateRecordCoder INSTANCE = new StateRecordCoder();
  private static final int PASS = 1;
  private static final int CACHED = 2;
  private static final int HAS_COMPILED = 4;
  private static final int COMPILED = 8;
  private static final int TOKENS_ESTIMATED = 16;
  private static final int HAS_FIDELITY = 32;
  private static final int HAS_RESOURCES = 64;
  private static final int HAS_ROUNDS = 128; // the last bit of the flag byte

  public static StateRecordCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(StateRecord r, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    int flags = (r.pass() ? PASS : 0) | (r.cached() ? CACHED : 0)
        | (r.compiled() != null ? HAS_COMPILED : 0)
        | (Boolean.TRUE.equals(r.compiled()) ? COMPILED : 0)
        | (r.tokensEstimated() ? TOKENS_ESTIMATED : 0)
        | (r.fidelity() != null ? HAS_FIDELITY : 0)
        | (r.resources().isEmpty() ? 0 : HAS_RESOURCES)
        | (r.roundVerdictsText() != null ? HAS_ROUNDS : 0);
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
    Wire.writeString(out, r.promptVersion());
    Wire.writeString(out, r.codeSha256());
    Wire.writeString(out, r.compileError());
    Wire.writeString(out, r.outputPath());
    Wire.writeString(out, r.toolchain());
    Wire.writeString(out, r.response());
    Wire.writeString(out, r.finishReason());
    Wire.writeVarLong(out, r.cacheCreationInputTokens());
    Wire.writeVarLong(out, r.cacheReadInputTokens());
    Wire.writeString(out, r.sourceEncoding());
    Wire.writeVarLong(out, r.sourceBytes());
    Wire.writeString(out, r.offloadArch());
    Fidelity f = r.fidelity();
    if (f != null) {
      Wire.writeVarInt(out, f.kernelsSource());
      Wire.writeVarInt(out, f.kernelsGenerated());
      Wire.writeVarInt(out, f.namesMatched());
      Wire.writeVarInt(out, f.paramsMatched());
      Wire.writeVarInt(out, f.sharedMatched());
      Wire.writeVarInt(out, f.boundsMatched());
    }
    if (!r.resources().isEmpty()) {
      Wire.writeVarInt(out, r.resources().size());
      for (KernelResources k : r.resources()) {
        Wire.writeString(out, k.arch());
        Wire.writeString(out, k.kernel());
        Wire.writeVarInt(out, k.vgprs());
        Wire.writeVarInt(out, k.sgprs());
        Wire.writeVarInt(out, k.agprs());
        Wire.writeVarLong(out, k.ldsBytes());
        Wire.writeVarLong(out, k.scratchBytes());
        Wire.writeVarInt(out, k.vgprSpills());
        Wire.writeVarInt(out, k.sgprSpills());
        Wire.writeVarInt(out, k.occupancy());
      }
    }
    if (r.roundVerdictsText() != null) {
      Wire.writeString(out, r.roundVerdictsText());
    }
    out.flush();
  }

  @Override
  public StateRecord decode(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    int flags = in.readUnsignedByte();
    StateRecord.Builder b = StateRecord.builder()
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
        .promptVersion(Wire.readString(in))
        .codeSha256(Wire.readString(in))
        .compileError(Wire.readString(in))
        .outputPath(Wire.readString(in))
        .toolchain(Wire.readString(in))
        .response(Wire.readString(in))
        .finishReason(Wire.readString(in))
        .cacheCreationInputTokens(Wire.readVarLong(in))
        .cacheReadInputTokens(Wire.readVarLong(in))
        .sourceEncoding(Wire.readString(in))
        .sourceBytes(Wire.readVarLong(in))
        .offloadArch(Wire.readString(in))
        .tokensEstimated((flags & TOKENS_ESTIMATED) != 0);
    if ((flags & HAS_FIDELITY) != 0) {
      b.fidelity(new Fidelity(Wire.readVarInt(in), Wire.readVarInt(in), Wire.readVarInt(in),
          Wire.readVarInt(in), Wire.readVarInt(in), Wire.readVarInt(in)));
    }
    if ((flags & HAS_RESOURCES) != 0) {
      int n = Wire.readVarInt(in);
      List<KernelResources> ks = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ks.add(new KernelResources(Wire.readString(in), Wire.readString(in), Wire.readVarInt(in),
            Wire.readVarInt(in), Wire.readVarInt(in), Wire.readVarLong(in), Wire.readVarLong(in),
            Wire.readVarInt(in), Wire.readVarInt(in), Wire.readVarInt(in)));
      }
      b.resources(ks);
    }
    if ((flags & HAS_ROUNDS) != 0) {
      b.roundVerdictsText(Wire.readString(in));
    }
    return b.build();
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
