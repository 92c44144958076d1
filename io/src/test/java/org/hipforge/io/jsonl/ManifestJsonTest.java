package org.hipforge.io.jsonl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.hipforge.io.record.ManifestEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestJsonTest {

  private static final String SHA = "0123456789abcdef".repeat(4);

  @Test
  void entrySurvivesTheRoundTripAsOneLine() throws Exception {
    ManifestEntry e = new ManifestEntry(17, "dir with space/核函数.hip", 4096, SHA);
    String json = ManifestJson.toJson(e);
    assertThat(
        json,
        is(
            "{\"id\":17,\"file_name\":\"dir with space/核函数.hip\",\"bytes\":4096,"
                + "\"sha256\":\""
                + SHA
                + "\"}"));
    assertThat(ManifestJson.parse(json), is(e));
  }

  @Test
  void entryWithoutShaOmitsTheKeyAndRoundTrips() throws Exception {
    ManifestEntry e = new ManifestEntry(0, "a.hip", -1, null);
    String json = ManifestJson.toJson(e);
    assertThat(json, not(containsString("sha256")));
    ManifestEntry back = ManifestJson.parse(json);
    assertThat(back, is(e));
    assertThat(back.sha256(), is(nullValue()));
  }

  @Test
  void stringIdsUnknownKeysAndMissingBytesAreAccepted() throws Exception {
    ManifestEntry e =
        ManifestJson.parse(
            "{\"id\":\"12\",\"file_name\":\"a.hip\",\"lang\":\"hip\",\"meta\":{\"x\":[1,2]}}");
    assertThat(e.id(), is(12L));
    assertThat(e.fileName(), is("a.hip"));
    assertThat(e.bytes(), is(-1L));
    assertThat(e.sha256(), is(nullValue()));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("", "empty line"),
        Arguments.of("nope", "invalid JSON"),
        Arguments.of("[{\"id\":1,\"file_name\":\"a.hip\"}]", "not a JSON object"),
        Arguments.of("{\"id\":1,\"file_name\":\"a.h", "invalid JSON"),
        Arguments.of("{\"file_name\":\"a.hip\"}", "missing \"id\""),
        Arguments.of("{\"id\":1}", "missing \"file_name\""),
        Arguments.of("{\"id\":-1,\"file_name\":\"a.hip\"}", "id must be >= 0, was -1"),
        Arguments.of("{\"id\":\"x\",\"file_name\":\"a.hip\"}", "non-negative integer"),
        Arguments.of("{\"id\":1,\"file_name\":7}", "\"file_name\" must be a string"),
        Arguments.of("{\"id\":1,\"file_name\":\"../a.hip\"}", "refused"),
        Arguments.of("{\"id\":1,\"file_name\":\"/abs/a.hip\"}", "absolute"),
        Arguments.of("{\"id\":1,\"file_name\":\"a.hip\"} {}", "trailing characters"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedManifestLineIsRefusedWithItsProblemNamed(String line, String reasonPart) {
    MalformedLineException e =
        assertThrows(MalformedLineException.class, () -> ManifestJson.parse(line));
    assertThat(e.getMessage(), containsString(reasonPart));
  }
}
