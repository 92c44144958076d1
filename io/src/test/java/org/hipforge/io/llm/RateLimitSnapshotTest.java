package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.hipforge.io.llm.RateLimitSnapshot.Budget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitSnapshotTest {

  private static final Budget NONE = Budget.NONE;
  private static final long NOW = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();

  private static RateLimitSnapshot parse(String... keyValues) {
    Map<String, String> headers = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      headers.put(keyValues[i], keyValues[i + 1]);
    }
    return RateLimitSnapshot.parse(headers::get, NOW);
  }

  /**
   * Headers as sent, and the snapshot they give (-1: not sent or garbage; resets relative to NOW).
   */
  static Stream<Arguments> headerSets() {
    return Stream.of(
        Arguments.of(
            "OpenAI headers are read",
            Map.of(
                "x-ratelimit-limit-requests", "10000",
                "x-ratelimit-remaining-requests", "9999",
                "x-ratelimit-reset-requests", "6m0s",
                "x-ratelimit-remaining-tokens", "149984",
                "x-ratelimit-reset-tokens", "120ms"),
            snapshot(new Budget(10_000, 9_999, 360_000), new Budget(-1, 149_984, 120), NONE, NONE)),
        Arguments.of(
            "OpenAI tokens alone are enough to recognise the format",
            Map.of("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "1s"),
            snapshot(NONE, new Budget(-1, 0, 1_000), NONE, NONE)),
        Arguments.of(
            "OpenAI advertised limits are read",
            Map.of(
                "x-ratelimit-limit-requests", "600",
                "x-ratelimit-limit-tokens", "150000",
                "x-ratelimit-remaining-requests", "599",
                "x-ratelimit-reset-requests", "100ms"),
            snapshot(new Budget(600, 599, 100), new Budget(150_000, -1, -1), NONE, NONE)),
        Arguments.of(
            "OpenAI limits alone are enough to recognise the format",
            Map.of("x-ratelimit-limit-requests", "500"),
            snapshot(new Budget(500, -1, -1), NONE, NONE, NONE)),
        Arguments.of(
            "Anthropic headers are read with resets relative to now",
            Map.of(
                "anthropic-ratelimit-requests-limit", "50",
                "anthropic-ratelimit-requests-remaining", "0",
                "anthropic-ratelimit-requests-reset", "2025-06-01T12:00:30Z",
                "anthropic-ratelimit-tokens-remaining", "12000",
                "anthropic-ratelimit-tokens-reset", "2025-06-01T12:00:01.250Z"),
            snapshot(new Budget(50, 0, 30_000), new Budget(-1, 12_000, 1_250), NONE, NONE)),
        Arguments.of(
            "an Anthropic reset with an offset, and one in the past (no wait, never negative)",
            Map.of(
                "anthropic-ratelimit-requests-remaining", "3",
                "anthropic-ratelimit-requests-reset", "2025-06-01T14:00:10+02:00",
                "anthropic-ratelimit-tokens-remaining", "3",
                "anthropic-ratelimit-tokens-reset", "2025-06-01T11:59:00Z"),
            snapshot(new Budget(-1, 3, 10_000), new Budget(-1, 3, 0), NONE, NONE)),
        Arguments.of(
            "Anthropic garbage counts and resets give -1",
            Map.of(
                "anthropic-ratelimit-requests-remaining", "lots",
                "anthropic-ratelimit-requests-reset", "in a minute",
                "anthropic-ratelimit-tokens-reset", "30s"),
            snapshot(NONE, NONE, NONE, NONE)),
        Arguments.of(
            "Anthropic limits of all four budgets are read",
            Map.ofEntries(
                Map.entry("anthropic-ratelimit-requests-limit", "50"),
                Map.entry("anthropic-ratelimit-requests-remaining", "49"),
                Map.entry("anthropic-ratelimit-requests-reset", "2025-06-01T12:00:02Z"),
                Map.entry("anthropic-ratelimit-tokens-limit", "38000"),
                Map.entry("anthropic-ratelimit-tokens-remaining", "37000"),
                Map.entry("anthropic-ratelimit-tokens-reset", "2025-06-01T12:00:01Z"),
                Map.entry("anthropic-ratelimit-input-tokens-limit", "30000"),
                Map.entry("anthropic-ratelimit-input-tokens-remaining", "29500"),
                Map.entry("anthropic-ratelimit-input-tokens-reset", "2025-06-01T12:00:01Z"),
                Map.entry("anthropic-ratelimit-output-tokens-limit", "8000"),
                Map.entry("anthropic-ratelimit-output-tokens-remaining", "0"),
                Map.entry("anthropic-ratelimit-output-tokens-reset", "2025-06-01T12:00:05Z")),
            snapshot(
                new Budget(50, 49, 2_000),
                new Budget(38_000, 37_000, 1_000),
                new Budget(30_000, 29_500, 1_000),
                new Budget(8_000, 0, 5_000))));
  }

  private static RateLimitSnapshot snapshot(
      Budget requests, Budget tokens, Budget input, Budget output) {
    return new RateLimitSnapshot(requests, tokens, input, output, -1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("headerSets")
  void providerHeadersGiveTheirBudgets(
      String because, Map<String, String> headers, RateLimitSnapshot expected) {
    assertThat(RateLimitSnapshot.parse(headers::get, NOW), is(expected));
  }

  /** Headers as sent, and the retry-after they give in milliseconds. */
  static Stream<Arguments> retryAfters() {
    return Stream.of(
        Arguments.of("seconds are read as millis", Map.of("retry-after", "20"), 20_000L),
        Arguments.of("seconds with a fraction and spaces", Map.of("retry-after", " 1.5 "), 1_500L),
        Arguments.of("zero seconds", Map.of("retry-after", "0"), 0L),
        Arguments.of(
            "retry-after-ms takes precedence over retry-after",
            Map.of("retry-after-ms", "250", "retry-after", "20"),
            250L),
        Arguments.of(
            "a garbage retry-after-ms falls back to retry-after",
            Map.of("retry-after-ms", "soon", "retry-after", "3"),
            3_000L),
        Arguments.of(
            "an HTTP date is read relative to now",
            Map.of("retry-after", "Sun, 01 Jun 2025 12:00:45 GMT"),
            45_000L),
        Arguments.of(
            "an HTTP date in the past is no wait",
            Map.of("retry-after", "Sun, 01 Jun 2025 11:00:00 GMT"),
            0L),
        Arguments.of(
            "retry-after travels with OpenAI headers",
            Map.of("x-ratelimit-remaining-requests", "0", "retry-after", "2"),
            2_000L),
        Arguments.of(
            "retry-after-ms travels with Anthropic headers",
            Map.of("anthropic-ratelimit-tokens-remaining", "0", "retry-after-ms", "900"),
            900L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("retryAfters")
  void retryAfterIsReadInMillis(String because, Map<String, String> headers, long millis) {
    assertThat(RateLimitSnapshot.parse(headers::get, NOW).retryAfterMillis(), is(millis));
  }

  @ParameterizedTest
  @CsvSource({
    "6m0s, 360000",
    "1s, 1000",
    "120ms, 120",
    "1h2m3.5s, 3723500",
    "0.5s, 500",
    "2m, 120000",
    "1m30s, 90000",
    "1h, 3600000",
    "0s, 0",
    "7, 7000",
    "1.25ms, 1"
  })
  void openAiGoDurationsAreReadAsMillis(String text, long millis) {
    assertThat(RateLimitSnapshot.parseDuration(text), is(millis));
    assertThat(
        parse("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", text)
            .requests()
            .resetMillis(),
        is(millis));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "soon",
        "s",
        "-1s",
        "1x",
        "5y2s",
        "1.2.3s",
        "ms",
        "1s ",
        " 1s",
        "1µs",
        "NaN",
        "Infinity"
      })
  void garbageDurationsGiveMinusOne(String text) {
    assertThat(RateLimitSnapshot.parseDuration(text), is(-1L));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "soon",
        "tomorrow at noon",
        "Sun, 99 Jun 2025 12:00:45 GMT",
        "NaN",
        "Infinity",
        "0x10"
      })
  void garbageRetryAfterGivesMinusOne(String value) {
    assertThat(parse("retry-after", value).retryAfterMillis(), is(-1L));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "many", "NaN", "Infinity", "-Infinity", "12abc"})
  void garbageRemainingCountsGiveMinusOne(String value) {
    RateLimitSnapshot s =
        parse("x-ratelimit-remaining-requests", value, "x-ratelimit-remaining-tokens", value);
    assertThat(s.requests().remaining(), is(-1L));
    assertThat(s.tokens().remaining(), is(-1L));
  }

  @Test
  void noHeadersGiveTheEmptySnapshot() {
    assertThat(parse(), is(sameInstance(RateLimitSnapshot.EMPTY)));
    assertThat(RateLimitSnapshot.EMPTY, is(snapshot(NONE, NONE, NONE, NONE)));
    assertThat(
        parse("content-type", "application/json"), is(sameInstance(RateLimitSnapshot.EMPTY)));
  }

  @Test
  void anthropicInputAndOutputLimitsWithoutATotalAddUpToTheTokenLimit() {
    RateLimitSnapshot both =
        parse(
            "anthropic-ratelimit-input-tokens-limit", "30000",
            "anthropic-ratelimit-output-tokens-limit", "8000");
    assertThat(both.limitTokens(), is(38_000L));
    // One of them alone says nothing about input plus output.
    assertThat(parse("anthropic-ratelimit-input-tokens-limit", "30000").limitTokens(), is(-1L));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "NaN", "lots", ""})
  void aZeroNegativeOrGarbageLimitIsNoLimit(String value) {
    assertThat(
        parse("x-ratelimit-limit-requests", value, "x-ratelimit-remaining-requests", "1")
            .limitRequests(),
        is(-1L));
  }
}
