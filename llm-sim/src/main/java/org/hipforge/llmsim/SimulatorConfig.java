package org.hipforge.llmsim;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/** The immutable behaviour of a {@link SimulatedLlmServer}: latency, limits, faults and key. */
public final class SimulatorConfig {

  /** A fault the server injects into one request instead of (or before) answering it. */
  enum Fault {
    NONE,
    DROP,
    HTTP_500,
    HTTP_502,
    HTTP_503,
    HTTP_529,
    HTML,
    SLOW
  }

  /**
   * The shape of a 200 answer: a usable one, or one of the ways real providers answer with
   * something that is not (or not plainly) the text. Each has a rate ({@link #withAnswerRate});
   * a prompt's shape is drawn from its hash, so the same prompt always gets the same shape.
   */
  public enum Answer {
    /** The plain answer. */
    NORMAL,
    /** OpenAI {@code content: null} + {@code message.refusal}; Anthropic {@code stop_reason: refusal}. */
    REFUSAL,
    /** A refusal said as the plain answer ("I'm sorry, but I can't help…", finish stop / end_turn). */
    REFUSAL_AS_TEXT,
    /** OpenAI {@code finish_reason: content_filter} with null content (Anthropic: a refusal). */
    CONTENT_FILTER,
    /** Half the text, {@code finish_reason: length} / {@code stop_reason: max_tokens}. */
    TRUNCATED,
    /** A reasoning model cut while thinking: OpenAI content null + reasoning tokens; Anthropic a thinking block only. */
    REASONING_CUT,
    /** OpenAI {@code choices: []}; Anthropic {@code content: []}. */
    NO_CHOICES,
    /** The text as an array of parts (OpenAI) / several text blocks (Anthropic). */
    PARTS,
    /** The text after an inline {@code <think>…</think>} (OpenAI) / a thinking block (Anthropic). */
    THINK,
    /** No {@code usage} object. */
    NO_USAGE,
    /** Anthropic cache tokens (creation and read) / OpenAI {@code cached_tokens}. */
    CACHE_TOKENS
  }

  // Mutable twin used only while building a new immutable instance in with(...).
  private static final class Values {
    int port;
    long latencyMs;
    LatencyDistribution latencyDistribution = LatencyDistribution.FIXED;
    long seed = 42L;
    int rpm;
    long tpm;
    String apiKey;
    int maxContextTokens;
    double dropRate;
    double http500Rate;
    double http502Rate;
    double http503Rate;
    double http529Rate;
    double htmlRate;
    double slowRate;
    // Longer than any sane client read timeout in tests, short enough not to hang a suite.
    long slowMs = 10_000L;
    double compileErrorRate;
    Path requestsLog;
    int quotaAfter = -1;
    double[] answerRates = new double[Answer.values().length];
    ProviderQuirks quirks = ProviderQuirks.none();
    BatchSettings batch = BatchSettings.defaults();
  }

  private static final SimulatorConfig DEFAULTS = new SimulatorConfig(new Values());

  private final int port;
  private final long latencyMs;
  private final LatencyDistribution latencyDistribution;
  private final long seed;
  private final int rpm;
  private final long tpm;
  private final String apiKey;
  private final int maxContextTokens;
  private final double dropRate;
  private final double http500Rate;
  private final double http502Rate;
  private final double http503Rate;
  private final double http529Rate;
  private final double htmlRate;
  private final double slowRate;
  private final long slowMs;
  private final double compileErrorRate;
  private final double[] answerRates;
  private final Path requestsLog;
  private final int quotaAfter;
  private final ProviderQuirks quirks;
  private final BatchSettings batch;

  private SimulatorConfig(Values v) {
    this.port = v.port;
    this.latencyMs = v.latencyMs;
    this.latencyDistribution = v.latencyDistribution;
    this.seed = v.seed;
    this.rpm = v.rpm;
    this.tpm = v.tpm;
    this.apiKey = v.apiKey;
    this.maxContextTokens = v.maxContextTokens;
    this.dropRate = v.dropRate;
    this.http500Rate = v.http500Rate;
    this.http502Rate = v.http502Rate;
    this.http503Rate = v.http503Rate;
    this.http529Rate = v.http529Rate;
    this.htmlRate = v.htmlRate;
    this.slowRate = v.slowRate;
    this.slowMs = v.slowMs;
    this.compileErrorRate = v.compileErrorRate;
    this.answerRates = v.answerRates.clone();
    this.requestsLog = v.requestsLog;
    this.quotaAfter = v.quotaAfter;
    this.quirks = v.quirks;
    this.batch = v.batch;
  }

  /**
   * A perfect provider: ephemeral port, no latency, no rate limits, no faults, any API key, no
   * context limit, always-compiling code, seed 42, slow-fault delay 10 s.
   */
  public static SimulatorConfig defaults() {
    return DEFAULTS;
  }

  private Values values() {
    Values v = new Values();
    v.port = port;
    v.latencyMs = latencyMs;
    v.latencyDistribution = latencyDistribution;
    v.seed = seed;
    v.rpm = rpm;
    v.tpm = tpm;
    v.apiKey = apiKey;
    v.maxContextTokens = maxContextTokens;
    v.dropRate = dropRate;
    v.http500Rate = http500Rate;
    v.http502Rate = http502Rate;
    v.http503Rate = http503Rate;
    v.http529Rate = http529Rate;
    v.htmlRate = htmlRate;
    v.slowRate = slowRate;
    v.slowMs = slowMs;
    v.compileErrorRate = compileErrorRate;
    v.answerRates = answerRates.clone();
    v.requestsLog = requestsLog;
    v.quotaAfter = quotaAfter;
    v.quirks = quirks;
    v.batch = batch;
    return v;
  }

  private SimulatorConfig with(Consumer<Values> change) {
    Values v = values();
    change.accept(v);
    return new SimulatorConfig(v);
  }

  /** Listens on {@code port}; 0 (the default) picks a free ephemeral port. */
  public SimulatorConfig withPort(int port) {
    check(port >= 0 && port <= 65_535, "port must be in [0, 65535]", port);
    return with(v -> v.port = port);
  }

  /** Mean answer latency in milliseconds (default 0), applied to every admitted request. */
  public SimulatorConfig withLatencyMs(long latencyMs) {
    check(latencyMs >= 0, "latencyMs must be >= 0", latencyMs);
    return with(v -> v.latencyMs = latencyMs);
  }

  /** How latency is spread around its mean (default {@link LatencyDistribution#FIXED}). */
  public SimulatorConfig withLatencyDistribution(LatencyDistribution latencyDistribution) {
    check(latencyDistribution != null, "latencyDistribution must not be null", latencyDistribution);
    return with(v -> v.latencyDistribution = latencyDistribution);
  }

  /** Seed of every random draw (latency, faults, compile errors), so runs repeat exactly. */
  public SimulatorConfig withSeed(long seed) {
    return with(v -> v.seed = seed);
  }

  /** Requests per minute allowed (token bucket refilled continuously); 0 means unlimited. */
  public SimulatorConfig withRpm(int rpm) {
    check(rpm >= 0, "rpm must be >= 0", rpm);
    return with(v -> v.rpm = rpm);
  }

  /** Tokens (prompt + completion) per minute allowed; 0 means unlimited. */
  public SimulatorConfig withTpm(long tpm) {
    check(tpm >= 0, "tpm must be >= 0", tpm);
    return with(v -> v.tpm = tpm);
  }

  /** The only API key accepted (any other gets a 401); null (the default) accepts any key. */
  public SimulatorConfig withApiKey(String apiKey) {
    check(apiKey == null || !apiKey.isBlank(), "apiKey must be null or non-blank", "<blank>");
    return with(v -> v.apiKey = apiKey);
  }

  /** Prompts estimated above this many tokens get a 400 context-length error; 0 means none. */
  public SimulatorConfig withMaxContextTokens(int maxContextTokens) {
    check(maxContextTokens >= 0, "maxContextTokens must be >= 0", maxContextTokens);
    return with(v -> v.maxContextTokens = maxContextTokens);
  }

  /** Fraction of admitted requests whose connection is closed without any response. */
  public SimulatorConfig withDropRate(double dropRate) {
    checkRate("dropRate", dropRate, dropRate - this.dropRate);
    return with(v -> v.dropRate = dropRate);
  }

  /** Fraction of admitted requests answered with a provider-format 500. */
  public SimulatorConfig withHttp500Rate(double http500Rate) {
    checkRate("http500Rate", http500Rate, http500Rate - this.http500Rate);
    return with(v -> v.http500Rate = http500Rate);
  }

  /** Fraction of admitted requests answered with a provider-format 502. */
  public SimulatorConfig withHttp502Rate(double http502Rate) {
    checkRate("http502Rate", http502Rate, http502Rate - this.http502Rate);
    return with(v -> v.http502Rate = http502Rate);
  }

  /** Fraction of admitted requests answered with a provider-format 503. */
  public SimulatorConfig withHttp503Rate(double http503Rate) {
    checkRate("http503Rate", http503Rate, http503Rate - this.http503Rate);
    return with(v -> v.http503Rate = http503Rate);
  }

  /**
   * Fraction of admitted requests answered with status 529 (Anthropic's "overloaded"; the OpenAI
   * endpoint sends the same status with an OpenAI-format body so both clients meet it).
   */
  public SimulatorConfig withHttp529Rate(double http529Rate) {
    checkRate("http529Rate", http529Rate, http529Rate - this.http529Rate);
    return with(v -> v.http529Rate = http529Rate);
  }

  /** Fraction of admitted requests answered 200 with a proxy's HTML error page. */
  public SimulatorConfig withHtmlRate(double htmlRate) {
    checkRate("htmlRate", htmlRate, htmlRate - this.htmlRate);
    return with(v -> v.htmlRate = htmlRate);
  }

  /** Fraction of admitted requests that wait {@link #slowMs()} before a normal answer. */
  public SimulatorConfig withSlowRate(double slowRate) {
    checkRate("slowRate", slowRate, slowRate - this.slowRate);
    return with(v -> v.slowRate = slowRate);
  }

  /** How long a slow request waits, in milliseconds (default 10,000). */
  public SimulatorConfig withSlowMs(long slowMs) {
    check(slowMs >= 0, "slowMs must be >= 0", slowMs);
    return with(v -> v.slowMs = slowMs);
  }

  /** Fraction of generated programs that contain a deliberate compile error. */
  public SimulatorConfig withCompileErrorRate(double compileErrorRate) {
    check(compileErrorRate >= 0 && compileErrorRate <= 1, "compileErrorRate must be in [0, 1]",
        compileErrorRate);
    return with(v -> v.compileErrorRate = compileErrorRate);
  }

  /**
   * Appends the prompt key of every successful answer to this file, one flushed line each, so
   * another process can count paid calls; null (the default) writes nothing.
   */
  /**
   * After {@code answers} chat requests every further one gets the wire's "no quota left" error
   * (OpenAI 429 {@code insufficient_quota}, Anthropic 400 "credit balance is too low"), as when a
   * spend cap is reached mid-run; -1 (the default): never. Batch answers count toward it too, and
   * once it is reached a new batch is refused the same way (batches already created still run).
   */
  public SimulatorConfig withQuotaAfter(int answers) {
    check(answers >= -1, "quotaAfter must be >= -1", answers);
    return with(v -> v.quotaAfter = answers);
  }

  public int quotaAfter() {
    return quotaAfter;
  }

  public SimulatorConfig withRequestsLog(Path requestsLog) {
    return with(v -> v.requestsLog = requestsLog);
  }

  /**
   * The fraction of answers (by prompt) that come back as {@code answer} instead of the plain
   * answer; the non-NORMAL rates share the unit interval (they sum to at most 1).
   */
  public SimulatorConfig withAnswerRate(Answer answer, double rate) {
    Objects.requireNonNull(answer, "answer");
    check(answer != Answer.NORMAL, "the NORMAL answer's rate is what the others leave", rate);
    check(rate >= 0 && rate <= 1, answer + " rate must be in [0, 1]", rate);
    double sum = rate - answerRates[answer.ordinal()];
    for (double r : answerRates) {
      sum += r;
    }
    check(sum <= 1.0 + 1e-9, answer + " rate would make the answer rates sum above 1", rate);
    return with(v -> v.answerRates[answer.ordinal()] = rate);
  }

  /** The rate of {@code answer} (NORMAL: what the others leave). */
  public double answerRate(Answer answer) {
    if (answer == Answer.NORMAL) {
      double rest = 1;
      for (double r : answerRates) {
        rest -= r;
      }
      return Math.max(0, rest);
    }
    return answerRates[answer.ordinal()];
  }

  /** The answer shape for a uniform draw {@code u} in [0, 1). */
  Answer answerFor(double u) {
    double edge = 0;
    for (Answer a : Answer.values()) {
      if (a == Answer.NORMAL) {
        continue;
      }
      edge += answerRates[a.ordinal()];
      if (u < edge) {
        return a;
      }
    }
    return Answer.NORMAL;
  }

  /** Provider behaviours beyond the random faults (a loading model, 409s, redirects, ...). */
  public SimulatorConfig withQuirks(ProviderQuirks quirks) {
    check(quirks != null, "quirks must not be null", quirks);
    return with(v -> v.quirks = quirks);
  }

  /** How the Batch API endpoints behave (completion delay, line errors, expiry). */
  public SimulatorConfig withBatch(BatchSettings batch) {
    check(batch != null, "batch must not be null", batch);
    return with(v -> v.batch = batch);
  }

  private void checkRate(String name, double rate, double increase) {
    check(rate >= 0 && rate <= 1, name + " must be in [0, 1]", rate);
    // One uniform draw picks at most one fault per request, so the rates share the unit interval.
    double sum = faultRateSum() + increase;
    check(sum <= 1.0 + 1e-9, name + " would make the fault rates sum above 1 (sum "
        + String.format(Locale.ROOT, "%.4f", sum) + ")", rate);
  }

  private static void check(boolean ok, String message, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(message + ", but was " + value);
    }
  }

  private double faultRateSum() {
    return dropRate + http500Rate + http502Rate + http503Rate + http529Rate + htmlRate + slowRate;
  }

  /** The fault for one request, from a uniform draw {@code u} in [0, 1). */
  Fault faultFor(double u) {
    double edge = dropRate;
    if (u < edge) {
      return Fault.DROP;
    }
    if (u < (edge += http500Rate)) {
      return Fault.HTTP_500;
    }
    if (u < (edge += http502Rate)) {
      return Fault.HTTP_502;
    }
    if (u < (edge += http503Rate)) {
      return Fault.HTTP_503;
    }
    if (u < (edge += http529Rate)) {
      return Fault.HTTP_529;
    }
    if (u < (edge += htmlRate)) {
      return Fault.HTML;
    }
    if (u < edge + slowRate) {
      return Fault.SLOW;
    }
    return Fault.NONE;
  }

  public int port() {
    return port;
  }

  public long latencyMs() {
    return latencyMs;
  }

  public LatencyDistribution latencyDistribution() {
    return latencyDistribution;
  }

  public long seed() {
    return seed;
  }

  public int rpm() {
    return rpm;
  }

  public long tpm() {
    return tpm;
  }

  /** The required API key, or null when any key is accepted. */
  public String apiKey() {
    return apiKey;
  }

  public int maxContextTokens() {
    return maxContextTokens;
  }

  public double dropRate() {
    return dropRate;
  }

  public double http500Rate() {
    return http500Rate;
  }

  public double http502Rate() {
    return http502Rate;
  }

  public double http503Rate() {
    return http503Rate;
  }

  public double http529Rate() {
    return http529Rate;
  }

  public double htmlRate() {
    return htmlRate;
  }

  public double slowRate() {
    return slowRate;
  }

  public long slowMs() {
    return slowMs;
  }

  public double compileErrorRate() {
    return compileErrorRate;
  }

  public ProviderQuirks quirks() {
    return quirks;
  }

  public BatchSettings batch() {
    return batch;
  }

  /** The requests log file, or null when none is written. */
  public Path requestsLog() {
    return requestsLog;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SimulatorConfig)) {
      return false;
    }
    SimulatorConfig c = (SimulatorConfig) o;
    return port == c.port && latencyMs == c.latencyMs
        && latencyDistribution == c.latencyDistribution && seed == c.seed && rpm == c.rpm
        && tpm == c.tpm && Objects.equals(apiKey, c.apiKey)
        && maxContextTokens == c.maxContextTokens && dropRate == c.dropRate
        && http500Rate == c.http500Rate && http502Rate == c.http502Rate
        && http503Rate == c.http503Rate && http529Rate == c.http529Rate
        && htmlRate == c.htmlRate && slowRate == c.slowRate && slowMs == c.slowMs
        && compileErrorRate == c.compileErrorRate && Objects.equals(requestsLog, c.requestsLog)
        && quotaAfter == c.quotaAfter
        && java.util.Arrays.equals(answerRates, c.answerRates)
        && quirks.equals(c.quirks) && batch.equals(c.batch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, latencyMs, latencyDistribution, seed, rpm, tpm, apiKey,
        maxContextTokens, dropRate, http500Rate, http502Rate, http503Rate, http529Rate, htmlRate,
        slowRate, slowMs, compileErrorRate, requestsLog, java.util.Arrays.hashCode(answerRates), quotaAfter,
        quirks, batch);
  }

  /** Every setting except the API key's value, which is only said to be set or not. */
  @Override
  public String toString() {
    return "SimulatorConfig{port=" + port + ", latencyMs=" + latencyMs + " "
        + latencyDistribution.name().toLowerCase(Locale.ROOT) + ", seed=" + seed + ", rpm=" + rpm
        + ", tpm=" + tpm + ", apiKey=" + (apiKey == null ? "any" : "required")
        + ", maxContextTokens=" + maxContextTokens + ", dropRate=" + dropRate
        + ", http500Rate=" + http500Rate + ", http502Rate=" + http502Rate + ", http503Rate="
        + http503Rate + ", http529Rate=" + http529Rate + ", htmlRate=" + htmlRate
        + ", slowRate=" + slowRate + ", slowMs=" + slowMs + ", compileErrorRate="
        + compileErrorRate + ", answerRates=" + java.util.Arrays.toString(answerRates)
        + ", requestsLog=" + requestsLog + ", quotaAfter=" + quotaAfter + ", quirks=" + quirks + ", batch=" + batch + "}";
  }
}
