package org.hipforge.io.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One named LLM provider from {@code config.json}: where it is, which wire format, which model,
 * which environment variable holds its key, and its limits.
 *
 * <p>The key itself is never stored here (this object is serialized to workers and may be logged);
 * workers read it from the environment variable when they open their client.
 *
 * @param rpm requests per minute, the global budget of the whole run; 0 means no limit
 * @param tpm tokens per minute, the global budget of the whole run; 0 means no limit
 * @param retryRules patience beyond max_attempts and the largest answer accepted; never null
 * @param maxTokensCeiling the largest {@code max_tokens} {@link #maxTokensFor} gives a large source
 *     ({@code max_tokens_ceiling})
 * @param batchDiscount the factor batch tokens ({@code --mode=batch}) are priced at against the
 *     synchronous prices ({@code batch_discount}, in [0, 1], default 0.5)
 */
public record ProviderConfig(
    String name,
    Api api,
    String baseUrl,
    String model,
    String apiKeyEnv,
    double temperature,
    int maxTokens,
    int timeoutS,
    int rpm,
    long tpm,
    int maxAttempts,
    double inputPricePerMTok,
    double outputPricePerMTok,
    String anthropicVersion,
    RetryRules retryRules,
    int maxTokensCeiling,
    double batchDiscount)
    implements Serializable {

  /** The wire formats we speak. */
  public enum Api {
    OPENAI,
    ANTHROPIC
  }

  /**
   * The default {@code batch_discount}: OpenAI's Batch API and Anthropic's Message Batches both
   * bill 50 % of the synchronous price.
   */
  public static final double DEFAULT_BATCH_DISCOUNT = 0.5;

  /** The default {@code max_tokens_ceiling}: a generated file of ~16 KB of HIP. */
  public static final int DEFAULT_MAX_TOKENS_CEILING = 8192;

  /** Checks the limits and retry settings; {@code base_url} loses a trailing slash. */
  public ProviderConfig {
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    if (rpm < 0 || tpm < 0) {
      throw new IllegalArgumentException("rpm and tpm must be >= 0, were " + rpm + ", " + tpm);
    }
    if (timeoutS < 1) {
      throw new IllegalArgumentException("timeoutS must be >= 1, was " + timeoutS);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (retryRules == null) {
      throw new IllegalArgumentException("retry rules must be set, were null");
    }
    if (!(batchDiscount >= 0 && batchDiscount <= 1)) {
      throw new IllegalArgumentException("batch_discount must be in [0, 1], was " + batchDiscount);
    }
  }

  /**
   * A provider with the config file's defaults for every other key (temperature 0.2, 1024 max
   * tokens, 120 s timeout, 6 attempts, no rate limits), checked as {@link #load} checks it.
   *
   * @throws IllegalArgumentException when the config file would be refused (not an http(s) {@code
   *     baseUrl}, no {@code model})
   */
  public static ProviderConfig of(
      String name, Api api, String baseUrl, String model, String apiKeyEnv) {
    ObjectNode provider =
        JsonNodeFactory.instance
            .objectNode()
            .put("api", api.name().toLowerCase(Locale.ROOT))
            .put("base_url", baseUrl)
            .put("model", model)
            .put("api_key_env", apiKeyEnv);
    try {
      return fromJson(
          JsonNodeFactory.instance.objectNode().set(name, provider), name, "ProviderConfig.of");
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Loads provider {@code name} from the config file; errors name the file, provider and key. */
  public static ProviderConfig load(Path file, String name) throws IOException {
    return ProviderConfigReader.load(file, name);
  }

  /** Parses provider {@code name} from a config document; {@code source} names it in errors. */
  public static ProviderConfig fromJson(JsonNode root, String name, String source)
      throws IOException {
    return ProviderConfigReader.fromJson(root, name, source);
  }

  /** The same provider with another timeout per call (tests that want a stall to fail fast). */
  public ProviderConfig withTimeoutS(int seconds) {
    return new ProviderConfig(
        name,
        api,
        baseUrl,
        model,
        apiKeyEnv,
        temperature,
        maxTokens,
        seconds,
        rpm,
        tpm,
        maxAttempts,
        inputPricePerMTok,
        outputPricePerMTok,
        anthropicVersion,
        retryRules,
        maxTokensCeiling,
        batchDiscount);
  }

  /**
   * True when base_url points at this machine, where servers (vLLM, Ollama) usually need no key.
   */
  public boolean isLoopback() {
    String host = URI.create(baseUrl).getHost();
    return host != null
        && (host.equals("localhost")
            || host.matches("127(\\.\\d{1,3}){3}")
            || host.equals("[::1]")
            || host.equals("::1"));
  }

  /**
   * Reads the key from the environment; null when the variable is unset on a loopback server.
   *
   * @throws IllegalStateException with a message naming the provider and variable (never a key)
   */
  public String resolveApiKey() {
    String value = apiKeyEnv == null ? null : System.getenv(apiKeyEnv);
    if (value != null && !value.isBlank()) {
      return value.trim();
    }
    if (isLoopback()) {
      return null;
    }
    if (apiKeyEnv == null) {
      throw new IllegalStateException(
          "provider '"
              + name
              + "' has no \"api_key_env\" in the config: "
              + "name the environment variable that holds its API key");
    }
    throw new IllegalStateException(
        "provider '"
            + name
            + "' needs its API key in the environment "
            + "variable "
            + apiKeyEnv
            + ", which is not set");
  }

  /**
   * Generate's {@code max_tokens} for a source of {@code sourceBytes} bytes: room for the file
   * again (about 3 bytes a token, times 1.5, plus 256 for the fence and a line of prose), at least
   * {@link #maxTokens} (so small files are asked exactly as before) and at most {@link
   * #maxTokensCeiling}. An unknown size (0) gets {@link #maxTokens}.
   */
  public int maxTokensFor(long sourceBytes) {
    if (sourceBytes <= 0) {
      return maxTokens;
    }
    long derived = (long) Math.ceil(sourceBytes / 3.0 * 1.5) + 256;
    return (int) Math.max(maxTokens, Math.min(maxTokensCeiling, derived));
  }

  /**
   * Identifies the endpoint a rate limit applies to: one limiter per endpoint and model per JVM.
   */
  public String endpointKey() {
    return api + " " + baseUrl + " " + model;
  }

  @Override
  public String toString() {
    return name
        + " ("
        + api.name().toLowerCase(Locale.ROOT)
        + ", "
        + model
        + " at "
        + baseUrl
        + ")";
  }
}
