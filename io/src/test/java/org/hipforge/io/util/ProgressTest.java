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

  @Test
  void aStatusIsSaidOnItsOwnLineAndOnTheProgressLineWithoutAFlood() {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    try {
      Progress.start("describe", 10, new PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      Progress.status("HTTP 503 from local: Loading model; retry 7 in 4.0 s");
      Progress.status("HTTP 503 from local: Loading model; retry 8 in 6.0 s");
      String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(out, containsString("describe: HTTP 503 from local: Loading model; retry 7 in 4.0 s"));
      assertThat("at most one status line every few seconds", out, not(containsString("retry 8")));
      assertThat(Progress.line(), containsString("; HTTP 503 from local: Loading model; retry 8 in 6.0 s"));
    } finally {
      Progress.stop();
    }
    Progress.status("said when no step reports progress: printed nowhere");
  }
}
