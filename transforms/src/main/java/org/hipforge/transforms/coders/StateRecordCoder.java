package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.apache.beam.sdk.util.VarInt;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;

/**
 * Compact binary coder for {@link StateRecord}: a flag byte for the booleans and the optional
 * parts, the scalar fields in the order of {@link #FIELDS}, then the optional parts.
 */
public final class StateRecordCoder extends CompactCoder<StateRecord> {
  private static final StateRecordCoder INSTANCE = new StateRecordCoder();
  private static final int PASS = 1;
  private static final int CACHED = 2;
  private static final int HAS_COMPILED = 4;
  private static final int COMPILED = 8;
  private static final int TOKENS_ESTIMATED = 16;
  private static final int HAS_FIDELITY = 32;
  private static final int HAS_RESOURCES = 64;
  private static final int HAS_ROUNDS = 128; // the last bit of the flag byte

  /** One scalar field on the wire: written from a record, read into a builder. */
  private record Field(Writer write, Reader read) {}

  @FunctionalInterface
  private interface Writer {
    void write(StateRecord r, DataOutputStream out) throws IOException;
  }

  @FunctionalInterface
  private interface Reader {
    void read(DataInputStream in, StateRecord.Builder b) throws IOException;
  }

  /** The scalar fields in wire order: the order is the format (add at the end, never reorder). */
  private static final List<Field> FIELDS =
      List.of(
          varLong(StateRecord::id, StateRecord.Builder::id, 0),
          string(StateRecord::fileName, StateRecord.Builder::fileName),
          string(StateRecord::instruction, StateRecord.Builder::instruction),
          string(StateRecord::errorMsg, StateRecord.Builder::errorMsg),
          string(StateRecord::sourceSha256, StateRecord.Builder::sourceSha256),
          string(StateRecord::provider, StateRecord.Builder::provider),
          string(StateRecord::model, StateRecord.Builder::model),
          varLong(
              StateRecord::inputTokens, StateRecord.Builder::inputTokens, 1), // -1 (unknown) as 0
          varLong(StateRecord::outputTokens, StateRecord.Builder::outputTokens, 1),
          varLong(StateRecord::latencyMs, StateRecord.Builder::latencyMs, 1),
          varInt(StateRecord::attempts, StateRecord.Builder::attempts),
          fixedLong(StateRecord::finishedAtMillis, StateRecord.Builder::finishedAtMillis),
          string(StateRecord::runId, StateRecord.Builder::runId),
          string(StateRecord::promptSha256, StateRecord.Builder::promptSha256),
          string(StateRecord::promptVersion, StateRecord.Builder::promptVersion),
          string(StateRecord::codeSha256, StateRecord.Builder::codeSha256),
          string(StateRecord::compileError, StateRecord.Builder::compileError),
          string(StateRecord::outputPath, StateRecord.Builder::outputPath),
          string(StateRecord::toolchain, StateRecord.Builder::toolchain),
          string(StateRecord::response, StateRecord.Builder::response),
          string(StateRecord::finishReason, StateRecord.Builder::finishReason),
          varLong(
              StateRecord::cacheCreationInputTokens,
              StateRecord.Builder::cacheCreationInputTokens,
              0),
          varLong(StateRecord::cacheReadInputTokens, StateRecord.Builder::cacheReadInputTokens, 0),
          string(StateRecord::sourceEncoding, StateRecord.Builder::sourceEncoding),
          varLong(StateRecord::sourceBytes, StateRecord.Builder::sourceBytes, 0),
          string(StateRecord::offloadArch, StateRecord.Builder::offloadArch));

  @Override
  public void encode(StateRecord r, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    int flags =
        (r.pass() ? PASS : 0)
            | (r.cached() ? CACHED : 0)
            | (r.compiled() != null ? HAS_COMPILED : 0)
            | (Boolean.TRUE.equals(r.compiled()) ? COMPILED : 0)
            | (r.tokensEstimated() ? TOKENS_ESTIMATED : 0)
            | (r.fidelity() != null ? HAS_FIDELITY : 0)
            | (r.resources().isEmpty() ? 0 : HAS_RESOURCES)
            | (r.roundVerdictsText() != null ? HAS_ROUNDS : 0);
    out.writeByte(flags);
    for (Field f : FIELDS) {
      f.write().write(r, out);
    }
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
    StateRecord.Builder b =
        StateRecord.builder()
            .pass((flags & PASS) != 0)
            .cached((flags & CACHED) != 0)
            .compiled((flags & HAS_COMPILED) != 0 ? (flags & COMPILED) != 0 : null)
            .tokensEstimated((flags & TOKENS_ESTIMATED) != 0);
    for (Field f : FIELDS) {
      f.read().read(in, b);
    }
    if ((flags & HAS_FIDELITY) != 0) {
      b.fidelity(
          new Fidelity(
              VarInt.decodeInt(in),
              VarInt.decodeInt(in),
              VarInt.decodeInt(in),
              VarInt.decodeInt(in),
              VarInt.decodeInt(in),
              VarInt.decodeInt(in)));
    }
    if ((flags & HAS_RESOURCES) != 0) {
      int n = VarInt.decodeInt(in);
      List<KernelResources> ks = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ks.add(
            new KernelResources(
                Wire.readString(in),
                Wire.readString(in),
                VarInt.decodeInt(in),
                VarInt.decodeInt(in),
                VarInt.decodeInt(in),
                VarInt.decodeLong(in),
                VarInt.decodeLong(in),
                VarInt.decodeInt(in),
                VarInt.decodeInt(in),
                VarInt.decodeInt(in)));
      }
      b.resources(ks);
    }
    if ((flags & HAS_ROUNDS) != 0) {
      b.roundVerdictsText(Wire.readString(in));
    }
    return b.build();
  }

  private static Field string(
      Function<StateRecord, String> get, BiConsumer<StateRecord.Builder, String> set) {
    return new Field(
        (r, out) -> Wire.writeString(out, get.apply(r)),
        (in, b) -> set.accept(b, Wire.readString(in)));
  }

  /** A var-long of the value + {@code offset} (1 keeps -1, "unknown", at one byte). */
  private static Field varLong(
      ToLongFunction<StateRecord> get, ObjLongConsumer<StateRecord.Builder> set, long offset) {
    return new Field(
        (r, out) -> VarInt.encode(get.applyAsLong(r) + offset, out),
        (in, b) -> set.accept(b, VarInt.decodeLong(in) - offset));
  }

  private static Field varInt(
      ToIntFunction<StateRecord> get, ObjIntConsumer<StateRecord.Builder> set) {
    return new Field(
        (r, out) -> VarInt.encode(get.applyAsInt(r), out),
        (in, b) -> set.accept(b, VarInt.decodeInt(in)));
  }

  /** Eight bytes, big-endian: timestamps are large and change in their low bits. */
  private static Field fixedLong(
      ToLongFunction<StateRecord> get, ObjLongConsumer<StateRecord.Builder> set) {
    return new Field(
        (r, out) -> out.writeLong(get.applyAsLong(r)), (in, b) -> set.accept(b, in.readLong()));
  }

  public static StateRecordCoder of() {
    return INSTANCE;
  }
}
