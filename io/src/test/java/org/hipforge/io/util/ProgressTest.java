package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void theLineShowsTheCostSoFarOnlyWhenPricesAreConfigured() {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    try {
      Progress.start("describe", 10, nowhere);
      Progress.tokens(1_000_000, 500_000);
      assertThat(Progress.line(), not(containsString("cost")));
      Progress.prices(0.15, 0.6);
      assertThat(Progress.line(), containsString("tokens in/out 1000000/500000, cost so far $0.4500"));
    } finally {
      Progress.stop();
    }
  }
}
