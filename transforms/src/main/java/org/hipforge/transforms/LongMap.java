package org.hipforge.transforms;

/**
 * A hash map from long keys to values with open addressing: no boxed keys and no entry objects,
 * for the anti-join's per-bucket maps of hundreds of thousands of ids.
 */
final class LongMap<V> {
  private long[] keys;
  private Object[] values;
  private int size;
  private int mask;

  LongMap() {
    keys = new long[1024];
    values = new Object[1024];
    mask = keys.length - 1;
  }

  @SuppressWarnings("unchecked")
  V get(long key) {
    int i = slot(key);
    while (true) {
      Object v = values[i];
      if (v == null) {
        return null;
      }
      if (keys[i] == key) {
        return (V) v;
      }
      i = (i + 1) & mask;
    }
  }

  /** Sets the value of {@code key}; {@code value} must not be null. */
  void put(long key, V value) {
    int i = slot(key);
    while (values[i] != null) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    values[i] = value;
    if (++size * 2 > keys.length) { // at most half full keeps probe runs short
      grow();
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L; // ids are dense and share their low bits within a bucket
    return (int) (h >>> 32) & mask;
  }

  private void grow() {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new Object[oldValues.length * 2];
    mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldValues[j] != null) {
        int i = slot(oldKeys[j]);
        while (values[i] != null) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        values[i] = oldValues[j];
      }
    }
  }
}
