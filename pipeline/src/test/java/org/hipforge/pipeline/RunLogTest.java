package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that stops on an error says so in one clear line: the engines' stack traces go to the run's
 * log file, which that line names, not to the terminal.
 */
class RunLogTest {
  @TempDir Path tmp;
  @AutoClose TestCorpus.SimulatedWork sim;

  @Test
  void aRejectedKeyPrintsTheClearLineAndLeavesTheStackTracesInTheRunsLogFile() throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp, 3, SimulatorConfig.defaults().withApiKey("sk-only-this-key-is-accepted-0000"));
    Path log = tmp.resolve("describe.out");
    Process child = ChildRun.start(log, sim.args("describe", "--runId=r1"));
    assertThat("describe ended", child.waitFor(120, TimeUnit.SECONDS), is(true));
    assertThat(child.exitValue(), is(3));

    String terminal = Files.readString(log);
    assertThat(terminal, containsString("STOPPED: auth: provider sim rejected the request"));
    assertThat(terminal, containsString("the engines' log: " + sim.work.resolve("logs/r1.log")));
    assertThat(terminal, not(containsString("\tat ")));
    // Progress lines come every 5 s while the JVM starts the run, so how many there are depends on
    // the machine's speed; what must stay short is everything else.
    long otherLines = terminal.lines().filter(l -> !l.matches("describe: \\d+/\\d+ \\(.*")).count();
    assertThat("a few lines, not pages: " + terminal, otherLines, lessThanOrEqualTo(8L));

    String engines = Files.readString(sim.work.resolve("logs/r1.log"));
    assertThat(engines, containsString("ProviderRejectedKeyException"));
    assertThat(engines, containsString("\tat "));
  }
}
