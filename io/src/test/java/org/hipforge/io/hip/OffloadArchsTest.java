package org.hipforge.io.hip;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one arch-list rule. The rows marked "differed" are where the two earlier checks disagreed:
 * {@code --offloadArch} took every processor clang lists and features with '-', the compiler took
 * only {@code gfx} processors and features with '_' or a leading digit, so a value one accepted
 * could stop the other after the run had started.
 */
class OffloadArchsTest {

  /** Part of what Debian's clang 15 prints for {@code --print-supported-cpus}. */
  private static final List<String> KNOWN =
      List.of("bonaire", "generic", "gfx1030", "gfx600", "gfx906", "gfx90a", "gfx940", "tahiti");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "gfx90a                       | gfx90a",
        "' gfx90a , gfx1030:xnack+ ,' | gfx90a;gfx1030:xnack+",
        "gfx90a:xnack+:sramecc-       | gfx90a:xnack+:sramecc-",
        "gfx940,,gfx906               | gfx940;gfx906"
      })
  void aListIsTrimmedAndKeepsItsOrder(String text, String expected) {
    assertThat(OffloadArchs.parse(text, KNOWN, "clang 15"), equalTo(List.of(expected.split(";"))));
    assertThat(
        HipCompilerConfig.defaults()
            .with(c -> c.offloadArchs = OffloadArchs.parse(text))
            .offloadArchs(),
        equalTo(List.of(expected.split(";"))));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bogus            | unknown AMD GPU target 'bogus'; clang 15 knows gfx1030, gfx600",
        // differed: clang lists the alias, the compiler refused it (ValidateHip failed on the
        // workers)
        "tahiti           | unknown AMD GPU target 'tahiti'",
        // differed: --offloadArch took it, clang 15 refuses it as an invalid target ID
        "gfx906:sram-ecc+ | bad feature 'sram-ecc+'",
        // differed: the compiler took these, --offloadArch refused them
        "gfx90a:xnack_on+ | bad feature 'xnack_on+'",
        "gfx90a:1x+       | bad feature '1x+'",
        "gfx90a:xnack     | bad feature 'xnack'",
        "gfx90a:          | bad feature ''",
        "GFX90A           | unknown AMD GPU target 'GFX90A'",
        "' , '            | needs at least one AMD GPU target",
        "gfx9999          | unknown AMD GPU target 'gfx9999'; clang 15 knows gfx1030, gfx600"
      })
  void theCompilerConfigAndTheFlagRefuseTheSameTargets(String text, String message) {
    IllegalArgumentException flag =
        assertThrows(
            IllegalArgumentException.class, () -> OffloadArchs.parse(text, KNOWN, "clang 15"));
    assertThat(flag.getMessage(), containsString(message));
    if (message.startsWith("needs") || message.contains(" knows ")) {
      return; // a list, or the toolchain's own processors: the flag's checks only
    }
    IllegalArgumentException config =
        assertThrows(
            IllegalArgumentException.class,
            () -> HipCompilerConfig.defaults().with(c -> c.offloadArchs = List.of(text)));
    assertThat(config.getMessage(), containsString(message));
  }
}
