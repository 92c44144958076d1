package org.hipforge.io.util;

import java.util.Arrays;

/**
 * The one open-addressing table of hipforge: long keys (any long) to long values (0 means "no
 * value", so a value is never 0), linear probing, no boxing and no entry objects. A map ({@link
 * #put}/{@link #get}), a set (values 1), or a multimap ({@link #add}: a key may hold several
 * entries, {@link #all} finds them).
 *
 * <p>Used for the sparse ids of {@link org.hipforge.io.state.StateIndex}, the response cache's
 * prompt-hash index, the manifest's duplicate checks and the anti-join's latest record per id. Keys
 * are spread by a multiplicative hash, because ids are dense and share their low bits. At most
 * {@code maxLoadNumerator / maxLoadDenominator} full (the default, one half, keeps probe runs
 * short); 16 bytes a slot. Not thread-safe.
 */
public final class LongTable {
  private long[] keys;
  private long[] values;
  private int mask;
  private int size;
  private final int loadNumerator;
  private final int loadDenominator;

  /** At most half full. */
  public LongTable() {
    this(1, 2);
  }

  /**
   * At most {@code numerator / denominator} full (e.g. 2/3 when memory counts more than probes).
   */
  public LongTable(int numerator, int denominator) {
    if (numerator <= 0 || denominator <= numerator) {
      throw new IllegalArgumentException(
          "the load must be between 0 and 1, was " + numerator + "/" + denominator);
    }
    this.loadNumerator = numerator;
    this.loadDenominator = denominator;
    keys = new long[1024];
    values = new long[1024];
    mask = keys.length - 1;
  }

  /** The value of {@code key} (the first added, for a key with several), or 0 when it has none. */
  public long get(long key) {
    for (int i = slot(key, mask); values[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return values[i];
      }
    }
    return 0;
  }

  public boolean contains(long key) {
    return get(key) != 0;
  }

  /** Sets the value of {@code key} (not 0); returns the value it had, or 0. */
  public long put(long key, long value) {
    checkValue(value);
    int i = slot(key, mask);
    for (; values[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == key) {
        long old = values[i];
        values[i] = value;
        return old;
      }
    }
    fill(i, key, value);
    return 0;
  }

  /** Adds an entry for {@code key} even when it has some (a multimap); {@code value} is not 0. */
  public void add(long key, long value) {
    checkValue(value);
    int i = slot(key, mask);
    while (values[i] != 0) {
      i = (i + 1) & mask;
    }
    fill(i, key, value);
  }

  /** Every value of {@code key}, in no particular order (usually none or one). */
  public long[] all(long key) {
    long[] out = null;
    int n = 0;
    for (int i = slot(key, mask); values[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == key) {
        if (out == null) {
          out = new long[2];
        } else if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = values[i];
      }
    }
    return out == null ? new long[0] : Arrays.copyOf(out, n);
  }

  /** Entries (a key added twice counts twice). */
  public int size() {
    return size;
  }

  private static void checkValue(long value) {
    if (value == 0) {
      throw new IllegalArgumentException("0 is no value in a LongTable");
    }
  }

  private void fill(int i, long key, long value) {
    keys[i] = key;
    values[i] = value;
    if ((long) ++size * loadDenominator > (long) keys.length * loadNumerator) {
      grow();
    }
  }

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L; // dense ids share their low bits
    return (int) (h >>> 32) & mask;
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new long[oldValues.length * 2];
    mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldValues[j] != 0) {
        int i = slot(oldKeys[j], mask);
        while (values[i] != 0) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        values[i] = oldValues[j];
      }
    }
  }
}
