package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class Hash64Test {
  @Test
  void theSameTextHashesTheSameFromAStringOrFromBytesInsideABuffer() {
    String text = "Write a HIP kernel that adds two vectors ✓ with 256 threads per block.";
    byte[] inner = text.getBytes(StandardCharsets.UTF_8);
    byte[] buf = new byte[inner.length + 11];
    System.arraycopy(inner, 0, buf, 5, inner.length);
    assertThat(Hash64.of(buf, 5, 5 + inner.length), is(Hash64.of(text)));
  }

  @Test
  void textsThatDifferInOneByteOrInLengthHashApart() {
    Set<Long> seen = new HashSet<>();
    StringBuilder b = new StringBuilder();
    for (int n = 0; n < 300; n++) {
      assertThat("length " + n, seen.add(Hash64.of(b.toString())), is(true));
      b.append('a');
    }
    String base = "x".repeat(64);
    for (int i = 0; i < base.length(); i++) {
      String changed = base.substring(0, i) + "y" + base.substring(i + 1);
      assertThat(Hash64.of(changed), not(is(Hash64.of(base))));
    }
    assertThat(Hash64.of("a\u0000"), not(is(Hash64.of("a"))));
  }
}
