package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongTableTest {
  @Test
  void agreesWithAHashMapOnDenseSparseAndExtremeKeys() {
    LongTable table = new LongTable();
    Map<Long, Long> expected = new HashMap<>();
    Random random = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      long key =
          switch (i % 4) {
            case 0 -> i; // dense ids
            case 1 -> random.nextLong(); // sparse
            case 2 -> i % 3 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE - (i % 5); // extremes, repeated
            default -> i / 8; // repeats of dense ids
          };
      long value = 1 + random.nextInt(1000);
      assertThat(table.put(key, value), is(expected.getOrDefault(key, 0L)));
      expected.put(key, value);
    }
    assertThat(table.size(), is(expected.size()));
    for (Map.Entry<Long, Long> e : expected.entrySet()) {
      assertThat(table.get(e.getKey()), is(e.getValue()));
    }
    assertThat(table.get(-1), is(0L));
    assertThat(table.contains(-1), is(false));
    assertThat(table.contains(Long.MIN_VALUE), is(true));
  }

  @Test
  void addKeepsEveryEntryOfAKeyAndAllFindsThem() {
    LongTable table = new LongTable(2, 3);
    for (int i = 0; i < 5000; i++) {
      table.add(i % 100, i + 1);
    }
    assertThat(table.size(), is(5000));
    long[] of7 = table.all(7);
    Arrays.sort(of7);
    assertThat(of7.length, is(50));
    assertThat(of7[0], is(8L));
    assertThat(of7[49], is(4908L));
    assertThat(table.all(100).length, is(0));
  }

  @Test
  void zeroIsNoValue() {
    LongTable table = new LongTable();
    assertThrows(IllegalArgumentException.class, () -> table.put(1, 0));
    assertThrows(IllegalArgumentException.class, () -> table.add(1, 0));
    assertThrows(IllegalArgumentException.class, () -> new LongTable(1, 1));
  }
}
