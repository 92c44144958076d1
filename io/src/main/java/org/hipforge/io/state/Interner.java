package org.hipforge.io.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hipforge.io.util.Hash64;

/**
 * Short repeated strings (run ids, error categories) as small ints; run ids straight from line
 * bytes without making a String for the common repeat. Index 0 is null.
 */
final class Interner {
  private final List<String> names = new ArrayList<>();
  private final List<byte[]> bytes = new ArrayList<>();
  private final Map<String, Integer> byName = new HashMap<>();
  private long[] hashes = new long[64];
  private int[] values = new int[64]; // index + 1; 0 = empty

  Interner() {
    names.add(null);
    bytes.add(null);
  }

  int size() {
    return names.size();
  }

  String name(int i) {
    return names.get(i);
  }

  int intern(String s) {
    if (s == null) {
      return 0;
    }
    Integer i = byName.get(s);
    if (i != null) {
      return i;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return intern(b, 0, b.length);
  }

  int intern(byte[] b, int from, int to) {
    if (from < 0) {
      return 0;
    }
    long h = Hash64.of(b, from, to);
    int mask = hashes.length - 1;
    int i = (int) h & mask;
    while (values[i] != 0) {
      int v = values[i] - 1;
      if (hashes[i] == h && Arrays.equals(bytes.get(v), 0, bytes.get(v).length, b, from, to)) {
        return v;
      }
      i = (i + 1) & mask;
    }
    int v = names.size();
    String s = new String(b, from, to - from, StandardCharsets.UTF_8);
    names.add(s);
    bytes.add(Arrays.copyOfRange(b, from, to));
    byName.put(s, v);
    hashes[i] = h;
    values[i] = v + 1;
    if (names.size() * 2 > hashes.length) {
      grow();
    }
    return v;
  }

  void copyFrom(Interner o) {
    for (int i = 1; i < o.names.size(); i++) {
      byte[] b = o.bytes.get(i);
      intern(b, 0, b.length);
    }
  }

  private void grow() {
    long[] oldHashes = hashes;
    int[] oldValues = values;
    hashes = new long[oldHashes.length * 2];
    values = new int[oldValues.length * 2];
    int mask = hashes.length - 1;
    for (int j = 0; j < oldHashes.length; j++) {
      if (oldValues[j] != 0) {
        int i = (int) oldHashes[j] & mask;
        while (values[i] != 0) {
          i = (i + 1) & mask;
        }
        hashes[i] = oldHashes[j];
        values[i] = oldValues[j];
      }
    }
  }
}
