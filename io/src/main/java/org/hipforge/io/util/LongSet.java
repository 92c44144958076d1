package org.hipforge.io.util;

/**
 * A set of longs with open addressing (no boxing, 8 bytes a slot at most half full): for the
 * duplicate checks of a manifest streamed by the million.
 */
public final class LongSet {
  private static final long EMPTY = Long.MIN_VALUE; // stored apart, so any long can be a member
  private long[] keys = new long[1024];
  private int mask = keys.length - 1;
  private int size;
  private boolean hasEmpty;

  public LongSet() {
    java.util.Arrays.fill(keys, EMPTY);
  }

  /** Adds {@code key}; false when it was already there. */
  public boolean add(long key) {
    if (key == EMPTY) {
      boolean added = !hasEmpty;
      hasEmpty = true;
      return added;
    }
    int i = slot(key, mask);
    while (keys[i] != EMPTY) {
      if (keys[i] == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    if (++size * 2 > keys.length) {
      grow();
    }
    return true;
  }

  public boolean contains(long key) {
    if (key == EMPTY) {
      return hasEmpty;
    }
    int i = slot(key, mask);
    while (keys[i] != EMPTY) {
      if (keys[i] == key) {
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  public int size() {
    return size + (hasEmpty ? 1 : 0);
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L; // dense ids share their low bits
    return (int) (h >>> 32) & mask;
  }

  private void grow() {
    long[] old = keys;
    keys = new long[old.length * 2];
    java.util.Arrays.fill(keys, EMPTY);
    mask = keys.length - 1;
    for (long k : old) {
      if (k != EMPTY) {
        int i = slot(k, mask);
        while (keys[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        keys[i] = k;
      }
    }
  }
}
