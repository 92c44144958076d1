package org.hipforge.io.llm;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * What a provider's response headers say about its rate limits (-1 for anything not sent).
 *
 * <p>Reads OpenAI's {@code x-ratelimit-*} (resets like {@code "6m0s"}), Anthropic's {@code
 * anthropic-ratelimit-*} (resets as RFC 3339 times) and {@code retry-after} / {@code
 * retry-after-ms}.
 */
public final class RateLimitSnapshot {
  public static final RateLimitSnapshot EMPTY = new RateLimitSnapshot(-1, -1, -1, -1, -1);

  private final long remainingRequests;
  private final long requestsResetMillis;
  private final long remainingTokens;
  private final long tokensResetMillis;
  private final long retryAfterMillis;

  public RateLimitSnapshot(long remainingRequests, long requestsResetMillis, long remainingTokens,
      long tokensResetMillis, long retryAfterMillis) {
    this.remainingRequests = remainingRequests;
    this.requestsResetMillis = requestsResetMillis;
    this.remainingTokens = remainingTokens;
    this.tokensResetMillis = tokensResetMillis;
    this.retryAfterMillis = retryAfterMillis;
  }

  /** Parses the headers; {@code header} returns a header's value or null. */
  public static RateLimitSnapshot parse(Function<String, String> header, long nowMillis) {
    long retryAfter = -1;
    String ms = header.apply("retry-after-ms");
    if (ms != null) {
      retryAfter = parseLong(ms);
    }
    if (retryAfter < 0) {
      String s = header.apply("retry-after");
      if (s != null) {
        retryAfter = parseSecondsOrDate(s, nowMillis);
      }
    }
    String openAiRemaining = header.apply("x-ratelimit-remaining-requests");
    if (openAiRemaining != null || header.apply("x-ratelimit-remaining-tokens") != null) {
      return new RateLimitSnapshot(
          parseLong(openAiRemaining),
          parseDuration(header.apply("x-ratelimit-reset-requests")),
          parseLong(header.apply("x-ratelimit-remaining-tokens")),
          parseDuration(header.apply("x-ratelimit-reset-tokens")),
          retryAfter);
    }
    String anthropicRemaining = header.apply("anthropic-ratelimit-requests-remaining");
    if (anthropicRemaining != null || header.apply("anthropic-ratelimit-tokens-remaining") != null) {
      return new RateLimitSnapshot(
          parseLong(anthropicRemaining),
          untilInstant(header.apply("anthropic-ratelimit-requests-reset"), nowMillis),
          parseLong(header.apply("anthropic-ratelimit-tokens-remaining")),
          untilInstant(header.apply("anthropic-ratelimit-tokens-reset"), nowMillis),
          retryAfter);
    }
    return retryAfter < 0 ? EMPTY : new RateLimitSnapshot(-1, -1, -1, -1, retryAfter);
  }

  public long remainingRequests() {
    return remainingRequests;
  }

  public long requestsResetMillis() {
    return requestsResetMillis;
  }

  public long remainingTokens() {
    return remainingTokens;
  }

  public long tokensResetMillis() {
    return tokensResetMillis;
  }

  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  static long parseLong(String s) {
    if (s == null) {
      return -1;
    }
    try {
      double d = Double.parseDouble(s.trim());
      // "NaN" would read as 0 (a spent budget) and "Infinity" as Long.MAX_VALUE: both are garbage.
      return Double.isFinite(d) ? (long) d : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long parseSecondsOrDate(String s, long nowMillis) {
    try {
      double seconds = Double.parseDouble(s.trim());
      // "Infinity" would make callers sleep for Long.MAX_VALUE ms, "NaN" would read as 0.
      return Double.isFinite(seconds) ? (long) (seconds * 1000) : -1;
    } catch (NumberFormatException e) {
      try {
        long at = java.time.ZonedDateTime.parse(s.trim(),
            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - nowMillis);
      } catch (DateTimeParseException e2) {
        return -1;
      }
    }
  }

  /** Parses OpenAI's Go-style durations: "1s", "6m0s", "120ms", "1h2m3.5s", "0.5s". */
  static long parseDuration(String s) {
    if (s == null || s.isEmpty()) {
      return -1;
    }
    double total = 0;
    int i = 0;
    int n = s.length();
    boolean any = false;
    while (i < n) {
      int start = i;
      while (i < n && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        return -1;
      }
      double value;
      try {
        value = Double.parseDouble(s.substring(start, i));
      } catch (NumberFormatException e) {
        return -1;
      }
      int unitStart = i;
      while (i < n && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      switch (unit) {
        case "h":
          total += value * 3_600_000;
          break;
        case "m":
          total += value * 60_000;
          break;
        case "s":
        case "":
          total += value * 1000;
          break;
        case "ms":
          total += value;
          break;
        default:
          return -1;
      }
      any = true;
    }
    return any ? (long) total : -1;
  }

  private static long untilInstant(String s, long nowMillis) {
    if (s == null) {
      return -1;
    }
    try {
      return Math.max(0, Instant.parse(s.trim()).toEpochMilli() - nowMillis);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }
}
