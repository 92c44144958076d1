package org.hipforge.transforms.coders;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable, unsynchronized byte buffer with the var-int and string encodings of {@link Wire}:
 * the anti-join writes thousands of records into one of these per bucket batch, which then
 * crosses the runner as one array.
 * (ByteArrayOutputStream synchronizes every single-byte write; that showed up in the profile.)
 */
public final class ByteSink {
  private byte[] buf;
  private int size;

  public ByteSink(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    if (size + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }

  public void writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  public void writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
  }

  public void writeVarInt(int v) {
    writeVarLong(v & 0xFFFFFFFFL);
  }

  public void writeLong(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
  }

  /** Null-aware: 0 for null, else length+1 then UTF-8 bytes (the same format as Wire). */
  public void writeString(String s) {
    if (s == null) {
      writeVarInt(0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    writeVarInt(b.length + 1);
    ensure(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
  }

  /** Zig-zag var-long: small negative numbers stay small. */
  public void writeZigZag(long v) {
    writeVarLong((v << 1) ^ (v >> 63));
  }

  /** {@code b[from, to)} as length+1 then the bytes: the same format as {@link #writeString}. */
  public void writeString(byte[] b, int from, int to) {
    int len = to - from;
    writeVarInt(len + 1);
    writeBytes(b, from, len);
  }

  public void writeBytes(byte[] b, int from, int len) {
    ensure(len);
    System.arraycopy(b, from, buf, size, len);
    size += len;
  }

  /** Empties the buffer, keeping its capacity. */
  public void clear() {
    size = 0;
  }

  public int size() {
    return size;
  }

  public byte[] array() {
    return buf;
  }
}
