package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateWindowTest {
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  @Test
  void theWaitForTheFirstAnswersDoesNotCountAsSlowness() {
    RateWindow w = new RateWindow(30 * S);
    // 100 tasks, 32 in flight, 6 s latency: nothing for 6 s, then ~5 tasks/s.
    for (int t = 0; t <= 6; t++) {
      w.add(t * S, 0);
    }
    assertThat("nothing done yet: no rate, no ETA", Double.isNaN(w.rate()), is(true));
    assertThat(w.etaSeconds(100), is(-1L));
    for (int t = 7; t <= 12; t++) {
      w.add(t * S, (t - 6) * 5L);
    }
    assertThat(w.rate(), closeTo(5.0, 1e-9));
    assertThat("70 left at 5/s", w.etaSeconds(70), is(14L));
    // The since-start rate would be 30/12 = 2.5/s: an ETA twice too long.
  }

  @Test
  void theRateFollowsAChangeWithinTheWindowNotSinceTheStart() {
    RateWindow w = new RateWindow(10 * S);
    long done = 0;
    for (int t = 0; t <= 60; t++) { // 10 tasks/s for a minute
      w.add(t * S, done);
      done += 10;
    }
    for (int t = 61; t <= 80; t++) { // then a 429 halves the pace
      w.add(t * S, done);
      done += 5;
    }
    assertThat(w.rate(), closeTo(5.0, 1e-9));
  }

  @Test
  void aStalledCountHasNoEta() {
    RateWindow w = new RateWindow(5 * S);
    for (int t = 0; t <= 20; t++) {
      w.add(t * S, t < 5 ? t : 5);
    }
    assertThat(w.rate(), is(0.0));
    assertThat(w.etaSeconds(10), is(-1L));
    assertThat(w.etaSeconds(0), is(0L));
  }
}
