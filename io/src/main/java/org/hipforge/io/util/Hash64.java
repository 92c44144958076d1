package org.hipforge.io.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A fast 64-bit hash of bytes, for telling whether two texts are the same (e.g. whether the
 * instruction a generation was made from is still the task's instruction) without keeping them.
 *
 * <p>Not cryptographic: two different texts of one task collide with probability about 2^-64, which
 * is far below any other failure of a run. Eight bytes a step (long instructions are read by the
 * million), finished with a full avalanche so every input bit reaches every output bit.
 */
public final class Hash64 {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;

  private Hash64() {}

  /** The hash of {@code b[from, to)}. */
  public static long of(byte[] b, int from, int to) {
    long h = P1 ^ (to - from) * P2;
    int p = from;
    for (; p + 8 <= to; p += 8) {
      h = Long.rotateLeft(h ^ ((long) LONGS.get(b, p) * P2), 31) * P1;
    }
    long tail = 0;
    for (int shift = 0; p < to; p++, shift += 8) {
      tail |= (b[p] & 0xFFL) << shift;
    }
    h = Long.rotateLeft(h ^ (tail * P2), 31) * P1;
    return mix(h);
  }

  /** The hash of the UTF-8 bytes of {@code text}. */
  public static long of(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return of(b, 0, b.length);
  }

  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
