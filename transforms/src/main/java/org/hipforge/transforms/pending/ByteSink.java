package org.hipforge.transforms.pending;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.beam.sdk.util.VarInt;

/**
 * The growable, unsynchronized byte buffer a {@link BucketBatch} is written into: the anti-join
 * writes hundreds of records into one of these per batch, which then crosses the runner as one
 * array (ByteArrayOutputStream synchronizes every single-byte write; that showed up in the
 * profile). Var-ints are Beam's {@link VarInt}, the one var-int codec of every coder here.
 */
final class ByteSink extends OutputStream {
  private byte[] buf;
  private int size;

  ByteSink(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    if (size + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int from, int len) {
    ensure(len);
    System.arraycopy(b, from, buf, size, len);
    size += len;
  }

  void writeVarLong(long v) {
    try {
      VarInt.encode(v, this);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // never: writing to memory does not fail
    }
  }

  /** Zig-zag var-long: small negative numbers stay small. */
  void writeZigZag(long v) {
    writeVarLong((v << 1) ^ (v >> 63));
  }

  /** {@code b[from, to)} as its length + 1, then the bytes; a single 0 byte is a null string. */
  void writeString(byte[] b, int from, int to) {
    writeVarLong(to - from + 1L);
    write(b, from, to - from);
  }

  /** Empties the buffer, keeping its capacity. */
  void clear() {
    size = 0;
  }

  int size() {
    return size;
  }

  /** The bytes written are {@code array()[0, size())}. */
  byte[] array() {
    return buf;
  }
}
