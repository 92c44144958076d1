package org.hipforge.transforms.coders;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Length-prefixed, null-aware UTF-8 strings and var-ints for the compact record coders. */
final class Wire {
  private Wire() {}

  static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      writeVarInt(out, 0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    writeVarInt(out, b.length + 1);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException {
    int n = readVarInt(in);
    if (n == 0) {
      return null;
    }
    byte[] b = new byte[n - 1];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static void writeVarLong(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  static long readVarLong(DataInputStream in) throws IOException {
    long result = 0;
    int shift = 0;
    while (true) {
      int b = in.readUnsignedByte();
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

  static void writeVarInt(DataOutputStream out, int v) throws IOException {
    writeVarLong(out, v & 0xFFFFFFFFL);
  }

  static int readVarInt(DataInputStream in) throws IOException {
    return (int) readVarLong(in);
  }
}
