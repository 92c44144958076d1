package org.hipforge.transforms.pending;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.beam.sdk.util.VarInt;

/**
 * Reads what {@link ByteSink} wrote, from one array, without per-byte stream layers; a field can be
 * read in place by its {@link #position()} and {@link #skipExactly skipped}.
 */
final class ByteSource extends InputStream {
  private final byte[] buf;
  private final int end;
  private int pos;

  ByteSource(byte[] buf) {
    this.buf = buf;
    this.end = buf.length;
  }

  @Override
  public int read() {
    return pos < end ? buf[pos++] & 0xFF : -1;
  }

  int position() {
    return pos;
  }

  /** Skips exactly {@code n} bytes: a field read in place by its position. */
  void skipExactly(int n) throws EOFException {
    if (n < 0 || n > end - pos) {
      throw new EOFException();
    }
    pos += n;
  }

  int readUnsignedByte() throws EOFException {
    if (pos >= end) {
      throw new EOFException();
    }
    return buf[pos++] & 0xFF;
  }

  long readVarLong() throws IOException {
    return VarInt.decodeLong(this);
  }

  int readVarInt() throws IOException {
    return VarInt.decodeInt(this);
  }

  long readZigZag() throws IOException {
    long v = readVarLong();
    return (v >>> 1) ^ -(v & 1);
  }
}
