package org.hipforge.transforms.coders;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.util.VarInt;

/**
 * Length-prefixed, null-aware UTF-8 strings for the compact record coders: a {@link VarInt} of the
 * length + 1 (0 is null), then the bytes. Numbers are Beam's {@link VarInt} directly.
 */
final class Wire {
  private Wire() {}

  static void writeString(OutputStream out, String s) throws IOException {
    if (s == null) {
      out.write(0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    VarInt.encode(b.length + 1, out);
    out.write(b);
  }

  static String readString(InputStream in) throws IOException {
    int n = VarInt.decodeInt(in);
    if (n == 0) {
      return null;
    }
    byte[] b = in.readNBytes(n - 1);
    if (b.length < n - 1) {
      throw new EOFException("string cut short: " + b.length + " of " + (n - 1) + " bytes");
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  static void writeBoolean(OutputStream out, boolean b) throws IOException {
    out.write(b ? 1 : 0);
  }

  static boolean readBoolean(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b != 0;
  }
}
