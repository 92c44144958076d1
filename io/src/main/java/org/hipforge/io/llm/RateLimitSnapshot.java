package org.hipforge.io.llm;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * What a provider's response headers say about its rate limits (-1 for anything not sent).
 *
 * <p>Reads OpenAI's {@code x-ratelimit-*} (resets like {@code "6m0s"}), Anthropic's {@code
 * anthropic-ratelimit-*} (resets as RFC 3339 times) and {@code retry-after} / {@code
 * retry-after-ms}: the advertised per-minute limits ({@code -limit-requests/-tokens}, Anthropic's
 * {@code -requests/-tokens/-input-tokens/-output-tokens-limit}), what remains of them and when
 * they are whole again.
 */
public final class RateLimitSnapshot {
  // Before EMPTY: static fields are set in order.
  private static final long[] NONE = {-1, -1, -1};
  public static final RateLimitSnapshot EMPTY = new RateLimitSnapshot(-1, -1, -1, -1, -1);

  private final long remainingRequests;
  private final long requestsResetMillis;
  private final long remainingTokens;
  private final long tokensResetMillis;
  private final long retryAfterMillis;
  private final long limitRequests;
  private final long limitTokens;
  // Anthropic's separate input- and output-token budgets: {limit, remaining, reset ms} each.
  private final long[] inputTokens;
  private final long[] outputTokens;

  public RateLimitSnapshot(long remainingRequests, long requestsResetMillis, long remainingTokens,
      long tokensResetMillis, long retryAfterMillis) {
    this(remainingRequests, requestsResetMillis, remainingTokens, tokensResetMillis, retryAfterMillis,
        -1, -1, NONE, NONE);
  }

  private RateLimitSnapshot(long remainingRequests, long requestsResetMillis, long remainingTokens,
      long tokensResetMillis, long retryAfterMillis, long limitRequests, long limitTokens,
      long[] inputTokens, long[] outputTokens) {
    this.remainingRequests = remainingRequests;
    this.requestsResetMillis = requestsResetMillis;
    this.remainingTokens = remainingTokens;
    this.tokensResetMillis = tokensResetMillis;
    this.retryAfterMillis = retryAfterMillis;
    this.limitRequests = limitRequests;
    this.limitTokens = limitTokens;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
  }

  /** This snapshot with the advertised requests and tokens per minute (-1: not sent). */
  public RateLimitSnapshot withLimits(long requestsPerMinute, long tokensPerMinute) {
    return new RateLimitSnapshot(remainingRequests, requestsResetMillis, remainingTokens,
        tokensResetMillis, retryAfterMillis, requestsPerMinute, tokensPerMinute, inputTokens, outputTokens);
  }

  /** This snapshot with Anthropic's input- and output-token budgets (limit, remaining, reset ms). */
  public RateLimitSnapshot withInputOutputTokens(long inputLimit, long inputRemaining, long inputResetMillis,
      long outputLimit, long outputRemaining, long outputResetMillis) {
    return new RateLimitSnapshot(remainingRequests, requestsResetMillis, remainingTokens,
        tokensResetMillis, retryAfterMillis, limitRequests, limitTokens,
        new long[] {inputLimit, inputRemaining, inputResetMillis},
        new long[] {outputLimit, outputRemaining, outputResetMillis});
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
    if (header.apply("x-ratelimit-remaining-requests") != null
        || header.apply("x-ratelimit-remaining-tokens") != null
        || header.apply("x-ratelimit-limit-requests") != null
        || header.apply("x-ratelimit-limit-tokens") != null) {
      return new RateLimitSnapshot(
          parseLong(header.apply("x-ratelimit-remaining-requests")),
          parseDuration(header.apply("x-ratelimit-reset-requests")),
          parseLong(header.apply("x-ratelimit-remaining-tokens")),
          parseDuration(header.apply("x-ratelimit-reset-tokens")),
          retryAfter)
          .withLimits(parseLimit(header.apply("x-ratelimit-limit-requests")),
              parseLimit(header.apply("x-ratelimit-limit-tokens")));
    }
    String a = "anthropic-ratelimit-";
    if (header.apply(a + "requests-remaining") != null || header.apply(a + "tokens-remaining") != null
        || header.apply(a + "requests-limit") != null || header.apply(a + "tokens-limit") != null
        || header.apply(a + "input-tokens-limit") != null || header.apply(a + "output-tokens-limit") != null) {
      return new RateLimitSnapshot(
          parseLong(header.apply(a + "requests-remaining")),
          untilInstant(header.apply(a + "requests-reset"), nowMillis),
          parseLong(header.apply(a + "tokens-remaining")),
          untilInstant(header.apply(a + "tokens-reset"), nowMillis),
          retryAfter)
          .withLimits(parseLimit(header.apply(a + "requests-limit")), parseLimit(header.apply(a + "tokens-limit")))
          .withInputOutputTokens(
              parseLimit(header.apply(a + "input-tokens-limit")),
              parseLong(header.apply(a + "input-tokens-remaining")),
              untilInstant(header.apply(a + "input-tokens-reset"), nowMillis),
              parseLimit(header.apply(a + "output-tokens-limit")),
              parseLong(header.apply(a + "output-tokens-remaining")),
              untilInstant(header.apply(a + "output-tokens-reset"), nowMillis));
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

  /** The advertised requests per minute ({@code x-ratelimit-limit-requests}), -1 if not sent. */
  public long limitRequests() {
    return limitRequests;
  }

  /**
   * The advertised tokens per minute: {@code x-ratelimit-limit-tokens} or {@code
   * anthropic-ratelimit-tokens-limit}; when Anthropic sends only its input and output limits, their
   * sum (input plus output tokens of a minute cannot exceed it). -1 if not sent (one of the two
   * alone says nothing about the total the limiter counts).
   */
  public long limitTokens() {
    if (limitTokens > 0) {
      return limitTokens;
    }
    return inputTokens[0] > 0 && outputTokens[0] > 0 ? inputTokens[0] + outputTokens[0] : -1;
  }

  /** Anthropic's input tokens per minute ({@code -input-tokens-limit}), -1 if not sent. */
  public long limitInputTokens() {
    return inputTokens[0];
  }

  public long remainingInputTokens() {
    return inputTokens[1];
  }

  public long inputTokensResetMillis() {
    return inputTokens[2];
  }

  /** Anthropic's output tokens per minute ({@code -output-tokens-limit}), -1 if not sent. */
  public long limitOutputTokens() {
    return outputTokens[0];
  }

  public long remainingOutputTokens() {
    return outputTokens[1];
  }

  public long outputTokensResetMillis() {
    return outputTokens[2];
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

  // A limit of 0 or less is no limit to pace by (a provider's placeholder, or garbage).
  private static long parseLimit(String s) {
    long v = parseLong(s);
    return v > 0 ? v : -1;
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
