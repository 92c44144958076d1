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
 * {@code -requests/-tokens/-input-tokens/-output-tokens-limit}), what remains of them and when they
 * are whole again.
 *
 * @param requests the requests per minute ({@code x-ratelimit-*-requests}, {@code
 *     anthropic-ratelimit-requests-*})
 * @param tokens the tokens per minute ({@code x-ratelimit-*-tokens}, {@code
 *     anthropic-ratelimit-tokens-*}); see also {@link #limitTokens}
 * @param inputTokens Anthropic's separate input-token budget ({@code -input-tokens-*})
 * @param outputTokens Anthropic's separate output-token budget ({@code -output-tokens-*})
 */
public record RateLimitSnapshot(
    Budget requests,
    Budget tokens,
    Budget inputTokens,
    Budget outputTokens,
    long retryAfterMillis) {
  /**
   * One per-minute budget: the advertised limit (0 or less reads as -1, no limit to pace by), what
   * remains of it and the milliseconds until it is whole again; -1 for each part not sent.
   */
  public record Budget(long limit, long remaining, long resetMillis) {
    public static final Budget NONE = new Budget(-1, -1, -1);
  }

  public static final RateLimitSnapshot EMPTY = new RateLimitSnapshot(-1, -1, -1, -1, -1);

  public RateLimitSnapshot {
    requests = requests == null ? Budget.NONE : requests;
    tokens = tokens == null ? Budget.NONE : tokens;
    inputTokens = inputTokens == null ? Budget.NONE : inputTokens;
    outputTokens = outputTokens == null ? Budget.NONE : outputTokens;
  }

  /** What remains of the request and token budgets and when, with no advertised limits. */
  public RateLimitSnapshot(
      long remainingRequests,
      long requestsResetMillis,
      long remainingTokens,
      long tokensResetMillis,
      long retryAfterMillis) {
    this(
        new Budget(-1, remainingRequests, requestsResetMillis),
        new Budget(-1, remainingTokens, tokensResetMillis),
        Budget.NONE,
        Budget.NONE,
        retryAfterMillis);
  }

  /** This snapshot with the advertised requests and tokens per minute (-1: not sent). */
  public RateLimitSnapshot withLimits(long requestsPerMinute, long tokensPerMinute) {
    return new RateLimitSnapshot(
        new Budget(requestsPerMinute, requests.remaining(), requests.resetMillis()),
        new Budget(tokensPerMinute, tokens.remaining(), tokens.resetMillis()),
        inputTokens,
        outputTokens,
        retryAfterMillis);
  }

  /** This snapshot with Anthropic's input- and output-token budgets. */
  public RateLimitSnapshot withInputOutputTokens(Budget input, Budget output) {
    return new RateLimitSnapshot(requests, tokens, input, output, retryAfterMillis);
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
    String o = "x-ratelimit-";
    if (anySent(
        header,
        o + "remaining-requests",
        o + "remaining-tokens",
        o + "limit-requests",
        o + "limit-tokens")) {
      return new RateLimitSnapshot(
          openAi(header, "requests"),
          openAi(header, "tokens"),
          Budget.NONE,
          Budget.NONE,
          retryAfter);
    }
    String a = "anthropic-ratelimit-";
    if (anySent(
        header,
        a + "requests-remaining",
        a + "tokens-remaining",
        a + "requests-limit",
        a + "tokens-limit",
        a + "input-tokens-limit",
        a + "output-tokens-limit")) {
      return new RateLimitSnapshot(
          anthropic(header, "requests", nowMillis),
          anthropic(header, "tokens", nowMillis),
          anthropic(header, "input-tokens", nowMillis),
          anthropic(header, "output-tokens", nowMillis),
          retryAfter);
    }
    return retryAfter < 0 ? EMPTY : new RateLimitSnapshot(-1, -1, -1, -1, retryAfter);
  }

  private static boolean anySent(Function<String, String> header, String... names) {
    for (String name : names) {
      if (header.apply(name) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code x-ratelimit-limit-<what>}, {@code -remaining-<what>}, {@code -reset-<what>} (a Go
   * duration).
   */
  private static Budget openAi(Function<String, String> header, String what) {
    return new Budget(
        parseLimit(header.apply("x-ratelimit-limit-" + what)),
        parseLong(header.apply("x-ratelimit-remaining-" + what)),
        parseDuration(header.apply("x-ratelimit-reset-" + what)));
  }

  /**
   * {@code anthropic-ratelimit-<what>-limit}, {@code -remaining}, {@code -reset} (an RFC 3339
   * time).
   */
  private static Budget anthropic(Function<String, String> header, String what, long nowMillis) {
    String prefix = "anthropic-ratelimit-" + what;
    return new Budget(
        parseLimit(header.apply(prefix + "-limit")),
        parseLong(header.apply(prefix + "-remaining")),
        untilInstant(header.apply(prefix + "-reset"), nowMillis));
  }

  /** The advertised requests per minute ({@code x-ratelimit-limit-requests}), -1 if not sent. */
  public long limitRequests() {
    return requests.limit();
  }

  /**
   * The advertised tokens per minute: {@code x-ratelimit-limit-tokens} or {@code
   * anthropic-ratelimit-tokens-limit}; when Anthropic sends only its input and output limits, their
   * sum (input plus output tokens of a minute cannot exceed it). -1 if not sent (one of the two
   * alone says nothing about the total the limiter counts).
   */
  public long limitTokens() {
    if (tokens.limit() > 0) {
      return tokens.limit();
    }
    return inputTokens.limit() > 0 && outputTokens.limit() > 0
        ? inputTokens.limit() + outputTokens.limit()
        : -1;
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
        long at =
            java.time.ZonedDateTime.parse(
                    s.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                .toInstant()
                .toEpochMilli();
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
