package org.hipforge.io.state;

import java.util.Arrays;
import org.hipforge.io.util.LongTable;

/**
 * {@link StateSlots}' map of id to slot. Ids are usually dense (the manifest numbers files 0, 1, 2,
 * ...), so an array indexed by id holds them (one memory access, in file order mostly sequential);
 * ids far beyond the ids seen so far go to an open-addressing table (sparse ids). Both hold slot +
 * 1 (0 = empty). Not thread-safe.
 */
final class IdSlots {
  private int[] direct = new int[0];
  private final LongTable sparse = new LongTable(3, 4);

  /** The slot of {@code id}, or -1 when it has none. */
  int get(long id) {
    if (id >= 0 && id < direct.length) {
      int s = direct[(int) id];
      if (s != 0) {
        return s - 1;
      }
    }
    return sparse.size() == 0 ? -1 : (int) sparse.get(id) - 1;
  }

  /** Maps {@code id} (not mapped yet) to {@code slot}; {@code slots} ids are mapped with it. */
  void put(long id, int slot, int slots) {
    if (id >= 0 && id < direct.length) {
      direct[(int) id] = slot + 1;
      return;
    }
    // Dense enough for the array: at most about two array entries per id held.
    if (id >= 0 && id < 2L * slots + 1024 && id < Integer.MAX_VALUE - 16) {
      direct =
          Arrays.copyOf(
              direct,
              (int)
                  Math.min(
                      Integer.MAX_VALUE - 16,
                      Math.max(id + 1, direct.length + (direct.length >> 1))));
      direct[(int) id] = slot + 1;
      return;
    }
    sparse.put(id, slot + 1);
  }
}
