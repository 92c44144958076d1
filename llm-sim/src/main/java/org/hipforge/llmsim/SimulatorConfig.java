package org.hipforge.llmsim;

import static org.hipforge.llmsim.Withers.check;
import static org.hipforge.llmsim.Withers.copy;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The immutable behaviour of a {@link SimulatedLlmServer}: latency, limits, faults and key. Start
 * from {@link #defaults()} and change it with the {@code withX} methods, which check their value.
 *
 * @param apiKey the required API key, or null when any key is accepted
 * @param requestsLog the requests log file, or null when none is written
 */
public record SimulatorConfig(
    int port,
    long latencyMs,
    LatencyDistribution latencyDistribution,
    long seed,
    int rpm,
    long tpm,
    String apiKey,
    int maxContextTokens,
    DrawRates<Fault> faultRates,
    long slowMs,
    double compileErrorRate,
    DrawRates<Answer> answerRates,
    Path requestsLog,
    int quotaAfter,
    ProviderQuirks quirks,
    BatchSettings batch) {

  public SimulatorConfig {
    Objects.requireNonNull(latencyDistribution, "latencyDistribution");
    Objects.requireNonNull(faultRates, "faultRates");
    Objects.requireNonNull(answerRates, "answerRates");
    Objects.requireNonNull(quirks, "quirks");
    Objects.requireNonNull(batch, "batch");
  }

  /**
   * A fault the server injects into one admitted request instead of (or before) answering it. Each
   * but NONE has a rate ({@link #withFaultRate}); one uniform draw per request picks at most one.
   */
  public enum Fault {
    /** No fault: the request is answered. */
    NONE(null, 0),
    /** The connection is closed without any response. */
    DROP("dropRate", 0),
    /** A provider-format 500. */
    HTTP_500("http500Rate", 500),
    /** A provider-format 502 (OpenAI's {@code cf_bad_gateway} shape). */
    HTTP_502("http502Rate", 502),
    /** A provider-format 503. */
    HTTP_503("http503Rate", 503),
    /**
     * Status 529 (Anthropic's "overloaded"; the OpenAI endpoint sends the same status with an
     * OpenAI-format body so both clients meet it).
     */
    HTTP_529("http529Rate", 529),
    /** A 200 with a proxy's HTML error page. */
    HTML("htmlRate", 0),
    /** A normal answer after {@link #slowMs()}. */
    SLOW("slowRate", 0);

    /** The rate's name in messages and {@link #toString}. */
    final String rateName;

    /** The HTTP status of a server-error fault; 0 for the others. */
    final int status;

    Fault(String rateName, int status) {
      this.rateName = rateName;
      this.status = status;
    }
  }

  /**
   * The shape of a 200 answer: a usable one, or one of the ways real providers answer with
   * something that is not (or not plainly) the text. Each has a rate ({@link #withAnswerRate}); a
   * prompt's shape is drawn from its hash, so the same prompt always gets the same shape.
   */
  public enum Answer {
    /** The plain answer. */
    NORMAL,
    /**
     * OpenAI {@code content: null} + {@code message.refusal}; Anthropic {@code stop_reason:
     * refusal}.
     */
    REFUSAL,
    /**
     * A refusal said as the plain answer ("I'm sorry, but I can't help…", finish stop / end_turn).
     */
    REFUSAL_AS_TEXT,
    /** OpenAI {@code finish_reason: content_filter} with null content (Anthropic: a refusal). */
    CONTENT_FILTER,
    /** Half the text, {@code finish_reason: length} / {@code stop_reason: max_tokens}. */
    TRUNCATED,
    /**
     * A reasoning model cut while thinking: OpenAI content null + reasoning tokens; Anthropic a
     * thinking block only.
     */
    REASONING_CUT,
    /** OpenAI {@code choices: []}; Anthropic {@code content: []}. */
    NO_CHOICES,
    /** The text as an array of parts (OpenAI) / several text blocks (Anthropic). */
    PARTS,
    /**
     * The text after an inline {@code <think>…</think>} (OpenAI) / a thinking block (Anthropic).
     */
    THINK,
    /** No {@code usage} object. */
    NO_USAGE,
    /** Anthropic cache tokens (creation and read) / OpenAI {@code cached_tokens}. */
    CACHE_TOKENS
  }

  // Slow faults wait longer than any sane client read timeout in tests, short enough not to hang a
  // suite.
  private static final SimulatorConfig DEFAULTS =
      new SimulatorConfig(
          0,
          0,
          LatencyDistribution.FIXED,
          42L,
          0,
          0,
          null,
          0,
          DrawRates.zero(Fault.class, f -> f.rateName, "fault"),
          10_000L,
          0,
          DrawRates.zero(Answer.class, a -> a + " rate", "answer"),
          null,
          -1,
          ProviderQuirks.none(),
          BatchSettings.defaults());

  /**
   * A perfect provider: ephemeral port, no latency, no rate limits, no faults, any API key, no
   * context limit, always-compiling code, seed 42, slow-fault delay 10 s.
   */
  public static SimulatorConfig defaults() {
    return DEFAULTS;
  }

  /** Listens on {@code port}; 0 (the default) picks a free ephemeral port. */
  public SimulatorConfig withPort(int port) {
    check(port >= 0 && port <= 65_535, "port must be in [0, 65535]", port);
    return copy(this, "port", port);
  }

  /** Mean answer latency in milliseconds (default 0), applied to every admitted request. */
  public SimulatorConfig withLatencyMs(long latencyMs) {
    check(latencyMs >= 0, "latencyMs must be >= 0", latencyMs);
    return copy(this, "latencyMs", latencyMs);
  }

  /** How latency is spread around its mean (default {@link LatencyDistribution#FIXED}). */
  public SimulatorConfig withLatencyDistribution(LatencyDistribution latencyDistribution) {
    check(latencyDistribution != null, "latencyDistribution must not be null", latencyDistribution);
    return copy(this, "latencyDistribution", latencyDistribution);
  }

  /** Seed of every random draw (latency, faults, compile errors), so runs repeat exactly. */
  public SimulatorConfig withSeed(long seed) {
    return copy(this, "seed", seed);
  }

  /** Requests per minute allowed (token bucket refilled continuously); 0 means unlimited. */
  public SimulatorConfig withRpm(int rpm) {
    check(rpm >= 0, "rpm must be >= 0", rpm);
    return copy(this, "rpm", rpm);
  }

  /** Tokens (prompt + completion) per minute allowed; 0 means unlimited. */
  public SimulatorConfig withTpm(long tpm) {
    check(tpm >= 0, "tpm must be >= 0", tpm);
    return copy(this, "tpm", tpm);
  }

  /** The only API key accepted (any other gets a 401); null (the default) accepts any key. */
  public SimulatorConfig withApiKey(String apiKey) {
    check(apiKey == null || !apiKey.isBlank(), "apiKey must be null or non-blank", "<blank>");
    return copy(this, "apiKey", apiKey);
  }

  /** Prompts estimated above this many tokens get a 400 context-length error; 0 means none. */
  public SimulatorConfig withMaxContextTokens(int maxContextTokens) {
    check(maxContextTokens >= 0, "maxContextTokens must be >= 0", maxContextTokens);
    return copy(this, "maxContextTokens", maxContextTokens);
  }

  /**
   * The fraction of admitted requests that meet {@code fault}; the rates of all faults share the
   * unit interval (one uniform draw picks at most one fault per request).
   */
  public SimulatorConfig withFaultRate(Fault fault, double rate) {
    DrawRates<Fault> rates = faultRates.with(Objects.requireNonNull(fault, "fault"), rate);
    return copy(this, "faultRates", rates);
  }

  /** How long a slow request waits, in milliseconds (default 10,000). */
  public SimulatorConfig withSlowMs(long slowMs) {
    check(slowMs >= 0, "slowMs must be >= 0", slowMs);
    return copy(this, "slowMs", slowMs);
  }

  /** Fraction of generated programs that contain a deliberate compile error. */
  public SimulatorConfig withCompileErrorRate(double compileErrorRate) {
    check(
        compileErrorRate >= 0 && compileErrorRate <= 1,
        "compileErrorRate must be in [0, 1]",
        compileErrorRate);
    return copy(this, "compileErrorRate", compileErrorRate);
  }

  /**
   * After {@code answers} chat requests every further one gets the wire's "no quota left" error
   * (OpenAI 429 {@code insufficient_quota}, Anthropic 400 "credit balance is too low"), as when a
   * spend cap is reached mid-run; -1 (the default): never. Batch answers count toward it too, and
   * once it is reached a new batch is refused the same way (batches already created still run).
   */
  public SimulatorConfig withQuotaAfter(int answers) {
    check(answers >= -1, "quotaAfter must be >= -1", answers);
    return copy(this, "quotaAfter", answers);
  }

  /**
   * Appends the prompt key of every successful answer to this file, one flushed line each, so
   * another process can count paid calls; null (the default) writes nothing.
   */
  public SimulatorConfig withRequestsLog(Path requestsLog) {
    return copy(this, "requestsLog", requestsLog);
  }

  /**
   * The fraction of answers (by prompt) that come back as {@code answer} instead of the plain
   * answer; the non-NORMAL rates share the unit interval (they sum to at most 1).
   */
  public SimulatorConfig withAnswerRate(Answer answer, double rate) {
    DrawRates<Answer> rates = answerRates.with(Objects.requireNonNull(answer, "answer"), rate);
    return copy(this, "answerRates", rates);
  }

  /** The rate of {@code fault} (NONE: what the others leave). */
  public double faultRate(Fault fault) {
    return faultRates.rate(fault);
  }

  /** The rate of {@code answer} (NORMAL: what the others leave). */
  public double answerRate(Answer answer) {
    return answerRates.rate(answer);
  }

  /** The answer shape for a uniform draw {@code u} in [0, 1). */
  Answer answerFor(double u) {
    return answerRates.pick(u);
  }

  /** The fault for one request, from a uniform draw {@code u} in [0, 1). */
  Fault faultFor(double u) {
    return faultRates.pick(u);
  }

  /** Provider behaviours beyond the random faults (a loading model, 409s, redirects, ...). */
  public SimulatorConfig withQuirks(ProviderQuirks quirks) {
    check(quirks != null, "quirks must not be null", quirks);
    return copy(this, "quirks", quirks);
  }

  /** How the Batch API endpoints behave (completion delay, line errors, expiry). */
  public SimulatorConfig withBatch(BatchSettings batch) {
    check(batch != null, "batch must not be null", batch);
    return copy(this, "batch", batch);
  }

  /** Every setting except the API key's value, which is only said to be set or not. */
  @Override
  public String toString() {
    return "SimulatorConfig{port="
        + port
        + ", latencyMs="
        + latencyMs
        + " "
        + latencyDistribution.name().toLowerCase(Locale.ROOT)
        + ", seed="
        + seed
        + ", rpm="
        + rpm
        + ", tpm="
        + tpm
        + ", apiKey="
        + (apiKey == null ? "any" : "required")
        + ", maxContextTokens="
        + maxContextTokens
        + ", "
        + faultRates.named()
        + ", slowMs="
        + slowMs
        + ", compileErrorRate="
        + compileErrorRate
        + ", answerRates="
        + answerRates
        + ", requestsLog="
        + requestsLog
        + ", quotaAfter="
        + quotaAfter
        + ", quirks="
        + quirks
        + ", batch="
        + batch
        + "}";
  }
}
