package org.hipforge.llmsim;

import static org.hipforge.llmsim.Withers.check;
import static org.hipforge.llmsim.Withers.copy;

import java.nio.charset.StandardCharsets;

/**
 * Provider behaviours a client's retry rules and transport must survive, beyond the random faults
 * of {@link SimulatorConfig}: a model still loading, 409s, {@code x-should-retry}, a daily limit
 * with a day-long retry-after, a body that trickles, huge or key-echoing answers, and redirects.
 * Immutable; {@link #none()} has none of them.
 *
 * <pre>{@code
 * SimulatorConfig.defaults().withQuirks(ProviderQuirks.none().withLoadingMs(30_000))
 * }</pre>
 */
public record ProviderQuirks(
    long loadingMs,
    double conflictRate,
    String shouldRetry,
    int dailyLimit,
    long dailyRetryAfterS,
    double trickleRate,
    long trickleMs,
    int answerBytes,
    boolean echoKey,
    String redirectTo) {
  private static final ProviderQuirks NONE =
      new ProviderQuirks(0, 0, null, -1, 86_400, 0, 0, 0, false, null);

  public static ProviderQuirks none() {
    return NONE;
  }

  /**
   * For this long from the first chat request every chat request gets llama.cpp's 503 {@code
   * "Loading model"} (it answers so while a model loads, ~30 s for a 7B model). Measured from the
   * first request, not the start, so a client's own start-up (a JVM, Flink) does not hide it.
   */
  public ProviderQuirks withLoadingMs(long ms) {
    check(ms >= 0, "loadingMs must be >= 0", ms);
    return copy(this, "loadingMs", ms);
  }

  /** Fraction of requests answered 409 (a lock timeout), drawn on a stream of their own. */
  public ProviderQuirks withConflictRate(double rate) {
    check(rate >= 0 && rate <= 1, "conflictRate must be in [0, 1]", rate);
    return copy(this, "conflictRate", rate);
  }

  /** {@code x-should-retry} sent with every error answer: "true", "false" or null (none). */
  public ProviderQuirks withShouldRetry(String value) {
    check(
        value == null || value.equals("true") || value.equals("false"),
        "shouldRetry must be true, false or null",
        value);
    return copy(this, "shouldRetry", value);
  }

  /**
   * After this many requests reached the answer stage (counted as admitted, so requests in flight
   * cannot overshoot it) every request gets a 429 "requests per day" with {@code retry-after} of
   * {@code retryAfterS} (a daily limit); -1: no daily limit.
   */
  public ProviderQuirks withDailyLimit(int answers, long retryAfterS) {
    check(
        answers >= -1 && retryAfterS >= 1,
        "dailyLimit must be >= -1 and retryAfterS >= 1",
        answers + "/" + retryAfterS);
    return copy(this, "dailyLimit", answers, "dailyRetryAfterS", retryAfterS);
  }

  /**
   * Fraction of answers whose headers come at once and whose body trickles out over {@code ms}
   * (billed: the model generated it), drawn on a stream of their own.
   */
  public ProviderQuirks withTrickle(double rate, long ms) {
    check(
        rate >= 0 && rate <= 1 && ms >= 0,
        "trickle rate must be in [0, 1] and ms >= 0",
        rate + "/" + ms);
    return copy(this, "trickleRate", rate, "trickleMs", ms);
  }

  /** Every answer's text is padded to at least this many bytes (0: as generated). */
  public ProviderQuirks withAnswerBytes(int bytes) {
    check(bytes >= 0, "answerBytes must be >= 0", bytes);
    return copy(this, "answerBytes", bytes);
  }

  /** Every answer's text ends with the API key the request presented (a provider echoing it). */
  public ProviderQuirks withEchoKey(boolean echo) {
    return copy(this, "echoKey", echo);
  }

  /** Every chat request is answered 307 to this URL (+ the request's path); null: none. */
  public ProviderQuirks withRedirectTo(String url) {
    return copy(this, "redirectTo", url);
  }

  /** llama.cpp's answer while it loads the model. */
  static Reply loading() {
    return error(
        503,
        "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}",
        0);
  }

  /** A 409 as the OpenAI API sends one for a conflicting concurrent operation. */
  static Reply conflict() {
    return error(
        409,
        "{\"error\":{\"message\":\"The request conflicts with another request in progress; please "
            + "retry.\",\"type\":\"conflict\",\"param\":null,\"code\":null}}",
        0);
  }

  /**
   * OpenAI's 429 for a spent requests-per-day limit, asking to come back in {@code retryAfterS}.
   */
  static Reply daily(String model, int limit, long retryAfterS) {
    return error(
        429,
        "{\"error\":{\"message\":\"Rate limit reached for "
            + model
            + " on requests per day (RPD): "
            + "Limit "
            + limit
            + ", Used "
            + limit
            + ", Requested 1. Please try again in "
            + retryAfterS
            + "s.\",\"type\":\"requests\","
            + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
        retryAfterS * 1000);
  }

  /** A 307 to {@code location}, the body a reverse proxy sends with it. */
  static Reply redirect() {
    return new Reply(
        307, "text/html", "<html><body>Moved</body></html>".getBytes(StandardCharsets.UTF_8), 0);
  }

  /** {@code text} padded to {@link #answerBytes} and followed by the echoed key when asked. */
  String decorate(String text, String presentedKey) {
    StringBuilder b = new StringBuilder(text);
    if (echoKey && presentedKey != null) {
      b.append("\nYour key is ").append(presentedKey).append('.');
    }
    while (b.length() < answerBytes) {
      b.append("\nThe kernel keeps every thread busy.");
    }
    return b.toString();
  }

  private static Reply error(int status, String json, long retryAfterMillis) {
    return new Reply(
        status, "application/json", json.getBytes(StandardCharsets.UTF_8), retryAfterMillis);
  }

  @Override
  public String toString() {
    return "ProviderQuirks{loadingMs="
        + loadingMs
        + ", conflictRate="
        + conflictRate
        + ", shouldRetry="
        + shouldRetry
        + ", dailyLimit="
        + dailyLimit
        + "/"
        + dailyRetryAfterS
        + " s, trickle="
        + trickleRate
        + "/"
        + trickleMs
        + " ms, answerBytes="
        + answerBytes
        + ", echoKey="
        + echoKey
        + ", redirectTo="
        + redirectTo
        + "}";
  }
}
