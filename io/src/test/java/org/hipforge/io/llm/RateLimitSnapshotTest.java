package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitSnapshotTest {

  private static final long NOW = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();

  private static RateLimitSnapshot parse(String... keyValues) {
    Map<String, String> headers = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      headers.put(keyValues[i], keyValues[i + 1]);
    }
    return RateLimitSnapshot.parse(headers::get, NOW);
  }

  @Test
  void openAiHeadersAreRead() {
    RateLimitSnapshot s = parse(
        "x-ratelimit-limit-requests", "10000",
        "x-ratelimit-remaining-requests", "9999",
        "x-ratelimit-reset-requests", "6m0s",
        "x-ratelimit-remaining-tokens", "149984",
        "x-ratelimit-reset-tokens", "120ms");
    assertThat(s.remainingRequests(), is(9999L));
    assertThat(s.requestsResetMillis(), is(360_000L));
    assertThat(s.remainingTokens(), is(149_984L));
    assertThat(s.tokensResetMillis(), is(120L));
    assertThat(s.retryAfterMillis(), is(-1L));
  }

  @Test
  void openAiTokensAloneAreEnoughToRecogniseTheFormat() {
    RateLimitSnapshot s = parse("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "1s");
    assertThat(s.remainingRequests(), is(-1L));
    assertThat(s.requestsResetMillis(), is(-1L));
    assertThat(s.remainingTokens(), is(0L));
    assertThat(s.tokensResetMillis(), is(1000L));
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
      "1.25ms, 1"})
  void openAiGoDurationsAreReadAsMillis(String text, long millis) {
    assertThat(RateLimitSnapshot.parseDuration(text), is(millis));
    assertThat(parse("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", text)
        .requestsResetMillis(), is(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "s", "-1s", "1x", "5y2s", "1.2.3s", "ms", "1s ", " 1s", "1µs",
      "NaN", "Infinity"})
  void garbageDurationsGiveMinusOne(String text) {
    assertThat(RateLimitSnapshot.parseDuration(text), is(-1L));
  }

  @Test
  void anthropicHeadersAreReadWithResetsRelativeToNow() {
    RateLimitSnapshot s = parse(
        "anthropic-ratelimit-requests-limit", "50",
        "anthropic-ratelimit-requests-remaining", "0",
        "anthropic-ratelimit-requests-reset", "2025-06-01T12:00:30Z",
        "anthropic-ratelimit-tokens-remaining", "12000",
        "anthropic-ratelimit-tokens-reset", "2025-06-01T12:00:01.250Z");
    assertThat(s.remainingRequests(), is(0L));
    assertThat(s.requestsResetMillis(), is(30_000L));
    assertThat(s.remainingTokens(), is(12_000L));
    assertThat(s.tokensResetMillis(), is(1_250L));
    assertThat(s.retryAfterMillis(), is(-1L));
  }

  @Test
  void anthropicResetWithAnOffsetAndOneInThePast() {
    RateLimitSnapshot s = parse(
        "anthropic-ratelimit-requests-remaining", "3",
        "anthropic-ratelimit-requests-reset", "2025-06-01T14:00:10+02:00",
        "anthropic-ratelimit-tokens-remaining", "3",
        "anthropic-ratelimit-tokens-reset", "2025-06-01T11:59:00Z");
    assertThat(s.requestsResetMillis(), is(10_000L));
    assertThat(s.tokensResetMillis(), is(0L)); // already past: no wait, never negative
  }

  @Test
  void anthropicGarbageResetGivesMinusOne() {
    RateLimitSnapshot s = parse(
        "anthropic-ratelimit-requests-remaining", "lots",
        "anthropic-ratelimit-requests-reset", "in a minute",
        "anthropic-ratelimit-tokens-reset", "30s");
    assertThat(s.remainingRequests(), is(-1L));
    assertThat(s.requestsResetMillis(), is(-1L));
    assertThat(s.remainingTokens(), is(-1L));
    assertThat(s.tokensResetMillis(), is(-1L));
  }

  @Test
  void retryAfterSecondsIsReadAsMillis() {
    assertThat(parse("retry-after", "20").retryAfterMillis(), is(20_000L));
    assertThat(parse("retry-after", " 1.5 ").retryAfterMillis(), is(1_500L));
    assertThat(parse("retry-after", "0").retryAfterMillis(), is(0L));
  }

  @Test
  void retryAfterMsTakesPrecedenceOverRetryAfter() {
    assertThat(parse("retry-after-ms", "250", "retry-after", "20").retryAfterMillis(), is(250L));
  }

  @Test
  void garbageRetryAfterMsFallsBackToRetryAfter() {
    assertThat(parse("retry-after-ms", "soon", "retry-after", "3").retryAfterMillis(), is(3_000L));
  }

  @Test
  void retryAfterHttpDateIsReadRelativeToNow() {
    assertThat(parse("retry-after", "Sun, 01 Jun 2025 12:00:45 GMT").retryAfterMillis(), is(45_000L));
    assertThat(parse("retry-after", "Sun, 01 Jun 2025 11:00:00 GMT").retryAfterMillis(), is(0L));
  }

  @Test
  void retryAfterTravelsWithProviderHeaders() {
    RateLimitSnapshot openAi = parse("x-ratelimit-remaining-requests", "0", "retry-after", "2");
    assertThat(openAi.retryAfterMillis(), is(2_000L));
    RateLimitSnapshot anthropic =
        parse("anthropic-ratelimit-tokens-remaining", "0", "retry-after-ms", "900");
    assertThat(anthropic.retryAfterMillis(), is(900L));
    assertThat(anthropic.remainingTokens(), is(0L));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "tomorrow at noon", "Sun, 99 Jun 2025 12:00:45 GMT", "NaN",
      "Infinity", "0x10"})
  void garbageRetryAfterGivesMinusOne(String value) {
    assertThat(parse("retry-after", value).retryAfterMillis(), is(-1L));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "many", "NaN", "Infinity", "-Infinity", "12abc"})
  void garbageRemainingCountsGiveMinusOne(String value) {
    RateLimitSnapshot s = parse("x-ratelimit-remaining-requests", value,
        "x-ratelimit-remaining-tokens", value);
    assertThat(s.remainingRequests(), is(-1L));
    assertThat(s.remainingTokens(), is(-1L));
  }

  @Test
  void noHeadersGiveTheEmptySnapshot() {
    RateLimitSnapshot s = parse();
    assertThat(s, is(sameInstance(RateLimitSnapshot.EMPTY)));
    assertThat(s.remainingRequests(), is(-1L));
    assertThat(s.requestsResetMillis(), is(-1L));
    assertThat(s.remainingTokens(), is(-1L));
    assertThat(s.tokensResetMillis(), is(-1L));
    assertThat(s.retryAfterMillis(), is(-1L));
    assertThat(parse("content-type", "application/json"), is(sameInstance(RateLimitSnapshot.EMPTY)));
  }

  @Test
  void openAiAdvertisedLimitsAreRead() {
    RateLimitSnapshot s = parse(
        "x-ratelimit-limit-requests", "600",
        "x-ratelimit-limit-tokens", "150000",
        "x-ratelimit-remaining-requests", "599",
        "x-ratelimit-reset-requests", "100ms");
    assertThat(s.limitRequests(), is(600L));
    assertThat(s.limitTokens(), is(150_000L));
    assertThat(s.limitInputTokens(), is(-1L));
  }

  @Test
  void openAiLimitsAloneAreEnoughToRecogniseTheFormat() {
    RateLimitSnapshot s = parse("x-ratelimit-limit-requests", "500");
    assertThat(s.limitRequests(), is(500L));
    assertThat(s.remainingRequests(), is(-1L));
    assertThat(s.limitTokens(), is(-1L));
  }

  @Test
  void anthropicLimitsOfAllFourBudgetsAreRead() {
    RateLimitSnapshot s = parse(
        "anthropic-ratelimit-requests-limit", "50",
        "anthropic-ratelimit-requests-remaining", "49",
        "anthropic-ratelimit-requests-reset", "2025-06-01T12:00:02Z",
        "anthropic-ratelimit-tokens-limit", "38000",
        "anthropic-ratelimit-tokens-remaining", "37000",
        "anthropic-ratelimit-tokens-reset", "2025-06-01T12:00:01Z",
        "anthropic-ratelimit-input-tokens-limit", "30000",
        "anthropic-ratelimit-input-tokens-remaining", "29500",
        "anthropic-ratelimit-input-tokens-reset", "2025-06-01T12:00:01Z",
        "anthropic-ratelimit-output-tokens-limit", "8000",
        "anthropic-ratelimit-output-tokens-remaining", "0",
        "anthropic-ratelimit-output-tokens-reset", "2025-06-01T12:00:05Z");
    assertThat(s.limitRequests(), is(50L));
    assertThat(s.limitTokens(), is(38_000L));
    assertThat(s.limitInputTokens(), is(30_000L));
    assertThat(s.remainingInputTokens(), is(29_500L));
    assertThat(s.inputTokensResetMillis(), is(1_000L));
    assertThat(s.limitOutputTokens(), is(8_000L));
    assertThat(s.remainingOutputTokens(), is(0L));
    assertThat(s.outputTokensResetMillis(), is(5_000L));
  }

  @Test
  void anthropicInputAndOutputLimitsWithoutATotalAddUpToTheTokenLimit() {
    RateLimitSnapshot both = parse(
        "anthropic-ratelimit-input-tokens-limit", "30000",
        "anthropic-ratelimit-output-tokens-limit", "8000");
    assertThat(both.limitTokens(), is(38_000L));
    // One of them alone says nothing about input plus output.
    assertThat(parse("anthropic-ratelimit-input-tokens-limit", "30000").limitTokens(), is(-1L));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "NaN", "lots", ""})
  void aZeroNegativeOrGarbageLimitIsNoLimit(String value) {
    assertThat(parse("x-ratelimit-limit-requests", value, "x-ratelimit-remaining-requests", "1")
        .limitRequests(), is(-1L));
  }
}
