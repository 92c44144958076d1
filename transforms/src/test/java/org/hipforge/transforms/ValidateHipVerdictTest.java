package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;

/** ValidateHip.withVerdict: the one mapping of a compiler verdict onto a generate record. */
class ValidateHipVerdictTest {
  private static final List<KernelResources> RES =
      KernelResources.parseList(
          "gfx90a k vgprs=8 sgprs=11 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8");
  private static final StateRecord ANSWER =
      StateRecord.builder().id(1).fileName("k.hip").pass(true).sourceSha256("s").build();

  @Test
  void aCompiledVerdictCarriesItsKernelResourcesOntoTheRecord() {
    StateRecord r =
        ValidateHip.withVerdict(
            ANSWER, new CompileResult(true, null, "", "HIP 5.2", 10, false, RES));
    assertThat(r.pass(), is(true));
    assertThat(r.compiled(), is(true));
    assertThat(r.resources(), is(RES));
  }

  @Test
  void aFailedVerdictOrOneWithoutResourcesLeavesNoneFromAnEarlierCheck() {
    StateRecord earlier = ANSWER.toBuilder().compiled(true).resources(RES).build();
    StateRecord failed =
        ValidateHip.withVerdict(
            earlier,
            new CompileResult(
                false, CompileResult.COMPILE_ERROR, "k.hip:1:1: error: x", "HIP 5.2", 10, false));
    assertThat(failed.compiled(), is(false));
    assertThat(failed.resources().isEmpty(), is(true));
    StateRecord plain =
        ValidateHip.withVerdict(earlier, new CompileResult(true, null, "", "HIP 5.2", 10, false));
    assertThat(plain.resources().isEmpty(), is(true));
  }
}
