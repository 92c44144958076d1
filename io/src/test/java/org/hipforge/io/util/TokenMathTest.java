package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Token sums saturate and never go negative; per-call counts outside 0..1e9 are unknown. */
class TokenMathTest {

  @ParameterizedTest
  @CsvSource({
    "1, 2, 3",
    "-1, 5, 5",
    "-1, -1, 0",
    "9223372036854775807, 1, 9223372036854775807",
    "9223372036854775000, 9223372036854775000, 9223372036854775807",
    "0, 0, 0"
  })
  void sumsSaturateAndCountUnknownAsZero(long a, long b, long sum) {
    assertThat(TokenMath.add(a, b), is(sum));
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "1000000000, 1000000000",
    "1000000001, -1",
    "-3, -1",
    "9223372036854775807, -1"
  })
  void aPerCallCountIsBelievedOnlyUpToOneBillion(long v, long read) {
    assertThat(TokenMath.perCall(v), is(read));
  }
}
