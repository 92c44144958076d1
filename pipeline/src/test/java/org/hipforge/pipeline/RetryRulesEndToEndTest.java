package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.ProviderQuirks;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry rules end to end: a provider asking to come back in a day stops {@code describe} with
 * exit 6 and one message, and a key the provider echoes inside its answers reaches no file of the
 * work directory.
 */
class RetryRulesEndToEndTest {
  /** One DoFn instance with this window: the most requests a stop can overlap. */
  private static final int MAX_IN_FLIGHT = 4;

  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @Test
  void aRetryAfterOfADayStopsDescribeWithExitSixAndLeavesTheUnansweredTasksPending()
      throws Exception {
    int answered = 3;
    sim =
        TestCorpus.SimulatedWork.start(
            tmp,
            12,
            SimulatorConfig.defaults()
                .withQuirks(ProviderQuirks.none().withDailyLimit(answered, 86_400)));
    TestCorpus.Captured err = new TestCorpus.Captured();
    int code =
        Main.run(
            sim.args(
                "describe",
                "--runner=DirectRunner",
                "--targetParallelism=1",
                "--maxInFlight=" + MAX_IN_FLIGHT),
            new TestCorpus.Captured().out,
            err.out);
    assertThat(err.text(), code, is(6));
    assertThat(err.text(), containsString("STOPPED: wait: HTTP 429 from sim: Rate limit reached"));
    assertThat(
        err.text(),
        containsString(
            "asks to wait 86400 s (24.0 h) before the next request, more than "
                + "max_retry_after_s 300 s"));
    assertThat(err.text(), containsString("raise \"max_retry_after_s\" of provider sim"));
    assertThat(sim.server.totalRequests(), lessThanOrEqualTo((long) answered + MAX_IN_FLIGHT));
    TestCorpus.assertPaidAnswersKept(sim.work, answered);
  }

  @Test
  void aKeyTheProviderEchoesInItsAnswersReachesNoFileOfTheWorkDirectory() throws Exception {
    String key = "sk-echo-test-7f3c9a1b2d4e6f80a1b2c3d4e5f6a7b8";
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, 6, SimulatorConfig.defaults().withQuirks(ProviderQuirks.none().withEchoKey(true)));
    Files.writeString(
        sim.config,
        Files.readString(sim.config).replace("HIPFORGE_TEST_UNSET_KEY", "HIPFORGE_ECHO_KEY"));
    Path log = tmp.resolve("describe.log");
    Process child =
        ChildRun.startWithEnv(
            Map.of("HIPFORGE_ECHO_KEY", key),
            log,
            sim.args("describe", "--maxInFlight=4", "--parallelism=1"));
    assertThat(child.waitFor(180, TimeUnit.SECONDS), is(true));
    assertThat(Files.readString(log), child.exitValue(), is(0));
    List<StateRecord> journal = TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE);
    assertThat(journal, hasSize(6));
    assertThat(
        journal.stream().map(StateRecord::instruction).toList(),
        everyItem(containsString("Your key is <redacted>.")));
    try (Stream<Path> files = Files.walk(sim.work)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(
            f.toString(),
            new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1),
            not(containsString(key)));
      }
    }
    assertThat(Files.readString(log), not(containsString(key)));
  }
}
