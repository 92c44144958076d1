package org.hipforge.transforms.coders;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads what {@link ByteSink} wrote, from one array, without per-byte stream calls. */
final class ByteSource {
  private final byte[] buf;
  private int pos;

  ByteSource(byte[] buf) {
    this.buf = buf;
  }

  int readUnsignedByte() throws IOException {
    if (pos >= buf.length) {
      throw new EOFException();
    }
    return buf[pos++] & 0xFF;
  }

  long readVarLong() throws IOException {
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

  int readVarInt() throws IOException {
    return (int) readVarLong();
  }

  long readLong() throws IOException {
    if (pos + 8 > buf.length) {
      throw new EOFException();
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xFF);
    }
    return v;
  }

  String readString() throws IOException {
    int n = readVarInt();
    if (n == 0) {
      return null;
    }
    int len = n - 1;
    if (pos + len > buf.length) {
      throw new EOFException();
    }
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }
}
