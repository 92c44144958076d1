package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** ValidateHip's one configuration: checked where the pipeline is built, shipped whole. */
class ValidateHipConfigTest {

  @Test
  void aTargetTheCompilerWouldRefuseStopsThePipelineWhileItIsBuiltNotOnAWorker() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ValidateHip.forArchs(List.of("gfx90a", "tahiti")));

    assertThat(e.getMessage(), containsString("unknown AMD GPU target 'tahiti'"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ValidateHip.forArchs(List.of("gfx90a")).withTimeout(Duration.ZERO));
  }

  @Test
  void theTransformWithItsCompilerConfigurationSurvivesSerialization() {
    SerializableUtils.ensureSerializable(
        ValidateHip.forArchs(List.of("gfx90a", "gfx1030:xnack+"))
            .withTimeout(Duration.ofSeconds(5))
            .withResources(true));
    SerializableUtils.ensureSerializable(ValidateHip.skip());
  }
}
