package org.hipforge.io.jsonl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void theFastPathAgreesWithJavaTimeOnRandomInstants() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 100_000; i++) {
      long millis = random.nextLong(-2_000_000_000_000L, 5_000_000_000_000L);
      String text = Timestamps.format(millis);
      if (text.length() == 24) {
        assertThat(text, Timestamps.parseFixed(text), is(millis));
        byte[] b = ("x" + text + "y").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(text, Timestamps.parseFixed(b, 1, b.length - 1), is(millis));
      }
      assertThat(text, Timestamps.parse(text), is(millis));
    }
  }

  @Test
  void otherIsoFormsStillParse() {
    assertThat(
        Timestamps.parse("2026-11-27T18:00:00Z"),
        is(Instant.parse("2026-11-27T18:00:00Z").toEpochMilli()));
    assertThat(
        Timestamps.parse("2026-11-27T19:00:00.5+01:00"),
        is(Instant.parse("2026-11-27T18:00:00.500Z").toEpochMilli()));
    assertThat(
        Timestamps.parse("2026-11-27T18:00:00.123456"),
        is(Instant.parse("2026-11-27T18:00:00.123Z").toEpochMilli()));
  }

  @Test
  void impossibleDatesInTheFixedFormAreNotMisread() {
    assertThat(Timestamps.parseFixed("2026-02-30T00:00:00.000Z"), is(Long.MIN_VALUE));
    assertThat(Timestamps.parseFixed("2026-13-01T00:00:00.000Z"), is(Long.MIN_VALUE));
    for (String bad :
        new String[] {
          "2026-02-30T00:00:00.000Z",
          "2026-13-01T00:00:00.000Z",
          "2026-11-27T18:00:00Z",
          "2026-11-27T18:00:00.000+",
          "2026-1x-27T18:00:00.000Z",
          ""
        }) {
      byte[] b = bad.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(bad, Timestamps.parseFixed(b, 0, b.length), is(Long.MIN_VALUE));
    }
  }
}
