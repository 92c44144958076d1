package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.RepairFeedback;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ValidateHip's typed result, BuildPrompts.repair and the rounds a repair task carries. */
@ExtendWith(TestPipelineExtension.class)
class RepairStagesTest {
  private static final ProviderConfig PROVIDER =
      ProviderConfig.of(
          "sim", ProviderConfig.Api.OPENAI, "http://127.0.0.1:9/v1", "sim-model", null);
  private static final BuildPrompts.Configuration REPAIR =
      new BuildPrompts.Configuration(PROVIDER, PromptSet.defaults(), "gfx90a");
  private static final String GOOD =
      "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1; }\n";
  private static final String BROKEN =
      "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = nope; }\n";

  private static StateRecord answer(long id, String file) {
    return StateRecord.builder()
        .id(id)
        .fileName(file)
        .pass(true)
        .instruction("Write kernel `k`.")
        .sourceSha256("sha" + id)
        .provider("sim")
        .model("sim-model")
        .inputTokens(100)
        .outputTokens(50)
        .attempts(1)
        .finishedAtMillis(1_000)
        .runId("r")
        .promptSha256("p" + id)
        .build();
  }

  @Test
  void theNoneValidatorPassesEverythingAndFailsNothing(TestPipeline p) {
    ValidateHip.Result r =
        p.apply(
                Create.of(new GeneratedCode(answer(1, "a.hip"), BROKEN))
                    .withCoder(GeneratedCodeCoder.of()))
            .apply(ValidateHip.skip());
    PAssert.that(r.output())
        .satisfies(
            out -> {
              GeneratedCode g = out.iterator().next();
              assertThat(g.record().pass(), is(true));
              assertThat(g.record().compiled(), is((Boolean) null));
              return null;
            });
    PAssert.that(r.failures()).empty();
    PAssert.that(r.notCompiled()).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void codeThatDoesNotCompileIsAFailureWithItsVerdictAndStillHasItsCodeForTheRepair(
      TestPipeline p) {
    Assumptions.assumeTrue(
        HipToolchain.detect().isPresent(), "needs hipcc (scripts/test.sh installs it)");
    ValidateHip.Result r =
        p.apply(
                Create.of(
                        new GeneratedCode(answer(1, "good.hip"), GOOD),
                        new GeneratedCode(answer(2, "bad.hip"), BROKEN))
                    .withCoder(GeneratedCodeCoder.of()))
            .apply(ValidateHip.forArchs(List.of("gfx90a")));
    PAssert.that(r.output())
        .satisfies(
            out -> {
              GeneratedCode g = out.iterator().next();
              assertThat(g.record().id(), is(1L));
              assertThat(g.record().compiled(), is(true));
              return null;
            });
    StageAsserts.assertOneFailure(
        r.failures(),
        2L,
        ValidateHip.STAGE,
        "compile_error",
        f -> {
          assertThat(f.record().compileError(), containsString("nope"));
          assertThat("the paid tokens go on with the failure", f.record().inputTokens(), is(100L));
        });
    PAssert.that(r.notCompiled())
        .satisfies(
            rejected -> {
              GeneratedCode g = rejected.iterator().next();
              assertThat(g.code(), is(BROKEN));
              assertThat(g.record().errorCategory(), is("compile_error"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aRepairPromptShowsTheCodeAndTheErrorsAndCarriesTheRoundsSoFar(TestPipeline p) {
    String errors = "bad.hip:2:50: error: use of undeclared identifier 'nope'";
    StateRecord failed =
        answer(2, "bad.hip").toBuilder()
            .failure("compile_error", errors)
            .compiled(false)
            .compileError(errors)
            .build();
    StateRecord noCode =
        answer(3, "prose.hip").toBuilder()
            .failure("no_code", "no fenced block")
            .response("I would write a kernel that adds.")
            .build();
    PAssert.that(
            p.apply(
                    Create.of(
                            new GeneratedCode(failed, BROKEN),
                            GeneratedCode.ofNoCode(Failure.of(noCode, "extract_code")))
                        .withCoder(GeneratedCodeCoder.of()))
                .apply(BuildPrompts.repair(PROVIDER).withOffloadArch("gfx90a")))
        .satisfies(
            tasks -> {
              for (LlmTask t : tasks) {
                String user = t.request().user();
                assertThat(t.isRepair(), is(true));
                assertThat(user, containsString("Write kernel `k`."));
                assertThat(user, containsString("gfx90a"));
                assertThat(t.promptSha256(), is(Prompts.key(PROVIDER, t.request())));
                if (t.id() == 2) {
                  assertThat(user, containsString(BROKEN));
                  assertThat(user, containsString(RepairFeedback.compileErrors(errors)));
                  assertThat(t.request(), is(not((Object) null)));
                } else {
                  assertThat(user, containsString("I would write a kernel that adds."));
                  assertThat(user, containsString("no complete HIP source file"));
                }
                // The next round's answer goes on with this round's verdict and its tokens summed.
                StateRecord next =
                    t.carryRounds(
                        answer(t.id(), t.fileName()).toBuilder()
                            .inputTokens(7)
                            .outputTokens(3)
                            .build());
                assertThat(
                    next.roundVerdicts(), is(List.of(t.id() == 2 ? "compile_error" : "no_code")));
                assertThat(next.inputTokens(), is(107L));
                assertThat(next.outputTokens(), is(53L));
              }
              return null;
            });
    p.run().waitUntilFinish();
    // The same failure makes the same prompt (and key) every time: a rerun finds its answer.
    assertThat(
        BuildPrompts.repairTask(REPAIR, null, new GeneratedCode(failed, BROKEN)).promptSha256(),
        is(
            BuildPrompts.repairTask(REPAIR, null, new GeneratedCode(failed, BROKEN))
                .promptSha256()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            BuildPrompts.repairTask(
                REPAIR,
                null,
                new GeneratedCode(
                    answer(4, "t.hip").toBuilder().failure("compile_timeout", "60 s").build(),
                    GOOD)));
    assertThrows(
        IllegalArgumentException.class, () -> Failure.of(answer(5, "ok.hip"), "validate_hip"));
  }
}
