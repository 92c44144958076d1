package org.hipforge.io.util;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
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
      assertThat(
          Progress.line(), containsString("tokens in/out 1000000/500000, cost so far $0.4500"));
    } finally {
      Progress.stop();
    }
  }

  @Test
  void aStatusIsSaidOnItsOwnLineAndOnTheProgressLineWithoutAFlood() {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    try {
      Progress.start(
          "describe", 10, new PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      Progress.status("HTTP 503 from local: Loading model; retry 7 in 4.0 s");
      Progress.status("HTTP 503 from local: Loading model; retry 8 in 6.0 s");
      String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(
          out, containsString("describe: HTTP 503 from local: Loading model; retry 7 in 4.0 s"));
      assertThat("at most one status line every few seconds", out, not(containsString("retry 8")));
      assertThat(
          Progress.line(),
          containsString("; HTTP 503 from local: Loading model; retry 8 in 6.0 s"));
    } finally {
      Progress.stop();
    }
    Progress.status("said when no step reports progress: printed nowhere");
  }

  private static Progress.Snapshot snapshot(long done, long total, double rate, long eta) {
    return new Progress.Snapshot(
        "describe",
        done,
        2,
        total,
        rate,
        eta,
        32,
        350,
        8,
        3,
        0,
        52_000,
        81_000,
        0.0564,
        0,
        null,
        0,
        0,
        0,
        null);
  }

  @Test
  void theLineShowsDoneTotalRateEtaInFlightRetries429sAndCost() {
    assertThat(
        Progress.format(snapshot(340, 1000, 12.34, 53)),
        is(
            "describe: 340/1000 (34.0%), 12.3 tasks/s, "
                + "ETA 0m53s, in flight 32, failed 2, LLM requests 350 (retries 8, 429s 3), cache hits 0, "
                + "tokens in/out 52000/81000, cost so far $0.0564"));
  }

  @Test
  void anUnknownRateOrEtaIsLeftOutNotGuessed() {
    String line = Progress.format(snapshot(0, 100, Double.NaN, -1));
    assertThat(line, startsWith("describe: 0/100 (0.0%), in flight 32"));
    assertThat(line, not(containsString("ETA")));
    assertThat(Progress.format(snapshot(10, 100, 0.01, 9000)), containsString("ETA 2h30m"));
  }

  @Test
  void theCurrentPauseAndItsReasonEndTheLine() {
    Progress.Snapshot s =
        new Progress.Snapshot(
            "describe",
            5,
            0,
            10,
            1.0,
            5,
            4,
            9,
            4,
            4,
            0,
            1,
            1,
            Double.NaN,
            23,
            "provider asked to retry later",
            0,
            0,
            0,
            "an older status");
    assertThat(Progress.format(s), endsWith("; waiting 23 s: provider asked to retry later"));
    assertThat(Progress.format(s), not(containsString("cost")));
  }

  @Test
  void generateShowsItsCompilePhaseWithItsOwnCount() {
    Progress.Snapshot s =
        new Progress.Snapshot(
            "generate",
            100,
            0,
            100,
            2.5,
            14,
            0,
            100,
            0,
            0,
            0,
            1,
            1,
            Double.NaN,
            0,
            null,
            95,
            2,
            60,
            null);
    assertThat(
        Progress.format(s),
        startsWith(
            "generate: 100/100 (100.0%), compiled 60/95 (2 compiling), "
                + "2.5 tasks/s, ETA 0m14s"));
  }

  @Test
  void whileAnswersAreCompiledTheEtaFollowsTheCompilesNotTheFinishedCalls() throws Exception {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    try {
      Progress.start("generate", 2, nowhere);
      Progress.taskDone(true);
      Progress.taskDone(true);
      Progress.compileQueued();
      Progress.compileQueued();
      Progress.compileStarted();
      assertThat(
          Progress.line(), containsString("generate: 2/2 (100.0%), compiled 0/2 (1 compiling)"));
      Progress.compileDone();
      assertThat(Progress.line(), containsString("compiled 1/2"));
      Progress.pause(23_000, "provider asked to retry later");
      assertThat(Progress.line(), containsString("; waiting 23 s: provider asked to retry later"));
      Progress.pause(500, "too short to say");
      assertThat(Progress.line(), not(containsString("too short")));
    } finally {
      Progress.stop();
    }
  }

  @Test
  void aPlainStreamGetsWholeLinesNeverCarriageReturns() throws Exception {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    try {
      Progress.start(
          "describe", 10, new PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      Progress.taskDone(true);
      Progress.note("describe: a note");
      Thread.sleep(TimeUnit.SECONDS.toMillis(Progress.PERIOD_SECONDS) + 1500);
    } finally {
      Progress.stop();
    }
    String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(out, containsString("describe: a note\n"));
    assertThat(out, containsString("describe: 1/10 (10.0%)"));
    assertThat(out, not(containsString("\r")));
  }
}
