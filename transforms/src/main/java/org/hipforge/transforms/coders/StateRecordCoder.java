package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;
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
    VarInt.encode(r.id(), out);
    Wire.writeString(out, r.fileName());
    Wire.writeString(out, r.instruction());
    Wire.writeString(out, r.errorMsg());
    Wire.writeString(out, r.sourceSha256());
    Wire.writeString(out, r.provider());
    Wire.writeString(out, r.model());
    VarInt.encode(r.inputTokens() + 1, out);
    VarInt.encode(r.outputTokens() + 1, out);
    VarInt.encode(r.latencyMs() + 1, out);
    VarInt.encode(r.attempts(), out);
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
    VarInt.encode(r.cacheCreationInputTokens(), out);
    VarInt.encode(r.cacheReadInputTokens(), out);
    Wire.writeString(out, r.sourceEncoding());
    VarInt.encode(r.sourceBytes(), out);
    Wire.writeString(out, r.offloadArch());
    Fidelity f = r.fidelity();
    if (f != null) {
      VarInt.encode(f.kernelsSource(), out);
      VarInt.encode(f.kernelsGenerated(), out);
      VarInt.encode(f.namesMatched(), out);
      VarInt.encode(f.paramsMatched(), out);
      VarInt.encode(f.sharedMatched(), out);
      VarInt.encode(f.boundsMatched(), out);
    }
    if (!r.resources().isEmpty()) {
      VarInt.encode(r.resources().size(), out);
      for (KernelResources k : r.resources()) {
        Wire.writeString(out, k.arch());
        Wire.writeString(out, k.kernel());
        VarInt.encode(k.vgprs(), out);
        VarInt.encode(k.sgprs(), out);
        VarInt.encode(k.agprs(), out);
        VarInt.encode(k.ldsBytes(), out);
        VarInt.encode(k.scratchBytes(), out);
        VarInt.encode(k.vgprSpills(), out);
        VarInt.encode(k.sgprSpills(), out);
        VarInt.encode(k.occupancy(), out);
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
        .id(VarInt.decodeLong(in))
        .fileName(Wire.readString(in))
        .instruction(Wire.readString(in))
        .errorMsg(Wire.readString(in))
        .sourceSha256(Wire.readString(in))
        .provider(Wire.readString(in))
        .model(Wire.readString(in))
        .inputTokens(VarInt.decodeLong(in) - 1)
        .outputTokens(VarInt.decodeLong(in) - 1)
        .latencyMs(VarInt.decodeLong(in) - 1)
        .attempts(VarInt.decodeInt(in))
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
        .cacheCreationInputTokens(VarInt.decodeLong(in))
        .cacheReadInputTokens(VarInt.decodeLong(in))
        .sourceEncoding(Wire.readString(in))
        .sourceBytes(VarInt.decodeLong(in))
        .offloadArch(Wire.readString(in))
        .tokensEstimated((flags & TOKENS_ESTIMATED) != 0);
    if ((flags & HAS_FIDELITY) != 0) {
      b.fidelity(new Fidelity(VarInt.decodeInt(in), VarInt.decodeInt(in), VarInt.decodeInt(in),
          VarInt.decodeInt(in), VarInt.decodeInt(in), VarInt.decodeInt(in)));
    }
    if ((flags & HAS_RESOURCES) != 0) {
      int n = VarInt.decodeInt(in);
      List<KernelResources> ks = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ks.add(new KernelResources(Wire.readString(in), Wire.readString(in), VarInt.decodeInt(in),
            VarInt.decodeInt(in), VarInt.decodeInt(in), VarInt.decodeLong(in), VarInt.decodeLong(in),
            VarInt.decodeInt(in), VarInt.decodeInt(in), VarInt.decodeInt(in)));
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
