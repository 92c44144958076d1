package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import org.hipforge.llmsim.SimulatedAnswers;
import org.junit.jupiter.api.Test;

class RepairFeedbackTest {
  @Test
  void tempAndSandboxDirectoriesAreCutSoTheSameErrorsReadTheSameOnEveryRun() {
    String a =
        "/tmp/hipforge-hip-p4242-8121/dir/k.hip:3:7: error: use of undeclared identifier 'x'\n"
            + "In file included from /var/tmp/x/hipforge-probe-77/dir/k.hip:1:\n";
    String b =
        "/scratch/hipforge-hip-p17-1/dir/k.hip:3:7: error: use of undeclared identifier 'x'\n"
            + "In file included from /var/tmp/y/hipforge-probe-9/dir/k.hip:1:\n";
    assertThat(RepairFeedback.compileErrors(a), is(RepairFeedback.compileErrors(b)));
    assertThat(
        RepairFeedback.compileErrors(a),
        is(
            "dir/k.hip:3:7: error: use of undeclared identifier 'x'\n"
                + "In file included from dir/k.hip:1:"));
    // System headers keep their paths: they are the same on every run of one toolchain.
    assertThat(
        RepairFeedback.compileErrors("/usr/include/hip/x.h:1:1: error: e"),
        containsString("/usr/include/hip/x.h"));
  }

  @Test
  void longCompilerOutputIsTrimmedAtALineWithAMark() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      b.append("k.hip:").append(i).append(":1: error: something went wrong on this line\r\n");
    }
    String errors = RepairFeedback.compileErrors(b.toString());
    assertThat(errors.length(), lessThanOrEqualTo(RepairFeedback.MAX_CHARS + 1));
    assertThat(errors.split("\n").length, lessThanOrEqualTo(RepairFeedback.MAX_LINES + 1));
    assertThat(errors, endsWith("…"));
    assertThat(errors, not(containsString("\r")));
    assertThat(RepairFeedback.compileErrors(null), containsString("without an error message"));
    assertThat(
        RepairFeedback.noCode(" no fenced block "),
        is("no complete HIP source file was found in the answer (no fenced block)"));
  }

  @Test
  void theSimulatorAnswersARepairPromptDeterministicallyAndBreaksItWithANewName() {
    String broken = SimulatedAnswers.hipSource("vector_add", true);
    String errors =
        "vector_add.hip:19:36: error: use of undeclared identifier '"
            + SimulatedAnswers.UNDECLARED_IDENTIFIER
            + "'";
    String prompt =
        PromptSet.defaults()
            .repair(
                "Write a kernel named `vector_add`.", "vector_add.hip", "gfx90a", broken, errors)
            .user();
    assertThat(SimulatedAnswers.isRepair(prompt), is(true));
    assertThat(
        "a describe prompt is no repair",
        SimulatedAnswers.isRepair(PromptSet.defaults().describe("vector_add.hip", broken).user()),
        is(false));
    assertThat(
        SimulatedAnswers.repair(prompt, false),
        containsString(SimulatedAnswers.hipSource("vector_add", false)));
    String again = SimulatedAnswers.repair(prompt, true);
    assertThat(again, is(SimulatedAnswers.repair(prompt, true)));
    assertThat(
        "broken again, but not the same way",
        again,
        containsString(SimulatedAnswers.UNDECLARED_IDENTIFIER + "_1"));
  }
}
