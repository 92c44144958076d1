package org.hipforge.transforms.coders;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads what {@link ByteSink} wrote, from one array, without per-byte stream calls. */
public final class ByteSource {
  private final byte[] buf;
  private final int end;
  private int pos;

  public ByteSource(byte[] buf) {
    this(buf, 0, buf.length);
  }

  /** Reads {@code buf[from, to)}. */
  public ByteSource(byte[] buf, int from, int to) {
    this.buf = buf;
    this.pos = from;
    this.end = to;
  }

  public int position() {
    return pos;
  }

  /** Skips {@code n} bytes (a field read in place by its position). */
  public void skip(int n) throws IOException {
    if (n < 0 || pos + n > end) {
      throw new EOFException();
    }
    pos += n;
  }

  public long readZigZag() throws IOException {
    long v = readVarLong();
    return (v >>> 1) ^ -(v & 1);
  }

  public int readUnsignedByte() throws IOException {
    if (pos >= end) {
      throw new EOFException();
    }
    return buf[pos++] & 0xFF;
  }

  public long readVarLong() throws IOException {
    long result = 0;
    int shift = 0;
    while (true) {
      int b = readUnsignedByte();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
      shift += 7;
      if (shift > 63) {
        throw new IOException("malformed var-long");
      }
    }
  }

  public int readVarInt() throws IOException {
    return (int) readVarLong();
  }

  public long readLong() throws IOException {
    if (pos + 8 > end) {
      throw new EOFException();
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xFF);
    }
    return v;
  }

  public String readString() throws IOException {
    int n = readVarInt();
    if (n == 0) {
      return null;
    }
    int len = n - 1;
    if (pos + len > end) {
      throw new EOFException();
    }
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }
}
