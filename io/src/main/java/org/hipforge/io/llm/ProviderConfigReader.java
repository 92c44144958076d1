package org.hipforge.io.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.io.util.Closest;

/**
 * Reads one provider of {@code config.json} into a {@link ProviderConfig}: every key checked for
 * its type and range, unknown keys refused with the closest known one, and every error naming the
 * file, the provider and the key.
 */
final class ProviderConfigReader {
  private ProviderConfigReader() {}

  /** Loads provider {@code name} from the config file; errors name the file, provider and key. */
  static ProviderConfig load(Path file, String name) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("config file not found: " + file);
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage());
    }
    return fromJson(root, name, file.toString());
  }

  /** Parses provider {@code name} from a config document; {@code source} names it in errors. */
  static ProviderConfig fromJson(JsonNode root, String name, String source) throws IOException {
    if (root == null || !root.isObject()) {
      throw new IOException(source + ": the config must be a JSON object of named providers");
    }
    JsonNode p = root.get(name);
    if (p == null) {
      List<String> names = new ArrayList<>();
      Iterator<String> it = root.fieldNames();
      it.forEachRemaining(names::add);
      throw new IOException(
          source + ": no provider named '" + name + "' (--modelName); the config has " + names);
    }
    if (!p.isObject()) {
      throw new IOException(source + ": provider '" + name + "' must be a JSON object");
    }
    String where = source + ": provider '" + name + "': ";
    String apiText = text(p, "api", "openai", where);
    Api api;
    switch (apiText.toLowerCase(java.util.Locale.ROOT)) {
      case "openai":
        api = Api.OPENAI;
        break;
      case "anthropic":
        api = Api.ANTHROPIC;
        break;
      default:
        throw new IOException(
            where + "\"api\" must be \"openai\" or \"anthropic\", was \"" + apiText + "\"");
    }
    String baseUrl =
        text(p, "base_url", api == Api.ANTHROPIC ? "https://api.anthropic.com/v1" : null, where);
    if (baseUrl == null) {
      throw new IOException(where + "\"base_url\" is required");
    }
    try {
      URI u = URI.create(baseUrl);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("scheme must be http or https");
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(where + "\"base_url\" is not an http(s) URL: " + baseUrl);
    }
    String model = text(p, "model", null, where);
    if (model == null || model.isBlank()) {
      throw new IOException(where + "\"model\" is required");
    }
    String keyEnv = text(p, "api_key_env", null, where);
    if (p.has("api_key")) {
      throw new IOException(
          where
              + "keys do not belong in the config file; put the key in an "
              + "environment variable and name it with \"api_key_env\"");
    }
    refuseUnknownKeys(p, where);
    double temperature = number(p, "temperature", 0.2, 0, 2, where);
    int maxTokens = (int) number(p, "max_tokens", 1024, 1, 1_000_000, where);
    int timeoutS = (int) number(p, "timeout_s", 120, 1, 3600, where);
    int rpm = (int) number(p, "rpm", 0, 0, 10_000_000, where);
    long tpm = (long) number(p, "tpm", 0, 0, 1e12, where);
    int maxAttempts = (int) number(p, "max_attempts", 6, 1, 100, where);
    double inPrice = number(p, "input_price_per_mtok", 0, 0, 1e6, where);
    double outPrice = number(p, "output_price_per_mtok", 0, 0, 1e6, where);
    String version = text(p, "anthropic_version", "2023-06-01", where);
    RetryRules d = RetryRules.DEFAULTS;
    RetryRules rules =
        new RetryRules(
            (int) number(p, "retry_budget_s", d.retryBudgetS(), 0, 86_400, where),
            (int) number(p, "max_retry_after_s", d.maxRetryAfterS(), 1, 86_400, where),
            (int) number(p, "body_timeout_retries", d.bodyTimeoutRetries(), 0, 10, where),
            (int) number(p, "max_answer_bytes", d.maxAnswerBytes(), 1024, 1 << 30, where));
    int ceiling =
        (int)
            number(
                p,
                "max_tokens_ceiling",
                Math.max(ProviderConfig.DEFAULT_MAX_TOKENS_CEILING, maxTokens),
                1,
                1_000_000,
                where);
    if (ceiling < maxTokens) {
      throw new IOException(
          where
              + "\"max_tokens_ceiling\" ("
              + ceiling
              + ") must be >= \"max_tokens\" ("
              + maxTokens
              + "): max_tokens is the floor of generate's per-file budget");
    }
    double discount =
        number(p, "batch_discount", ProviderConfig.DEFAULT_BATCH_DISCOUNT, 0, 1, where);
    return new ProviderConfig(
        name,
        api,
        baseUrl,
        model,
        keyEnv,
        temperature,
        maxTokens,
        timeoutS,
        rpm,
        tpm,
        maxAttempts,
        inPrice,
        outPrice,
        version,
        rules,
        ceiling,
        discount);
  }

  /** Every key a provider may have: a typo ({@code "rpms"}) must not silently mean "no limit". */
  static final List<String> KNOWN_KEYS =
      List.of(
          "api",
          "base_url",
          "model",
          "api_key_env",
          "temperature",
          "max_tokens",
          "timeout_s",
          "rpm",
          "tpm",
          "max_attempts",
          "input_price_per_mtok",
          "output_price_per_mtok",
          "anthropic_version",
          "retry_budget_s",
          "max_retry_after_s",
          "body_timeout_retries",
          "max_answer_bytes",
          "max_tokens_ceiling",
          "batch_discount");

  private static void refuseUnknownKeys(JsonNode p, String where) throws IOException {
    Iterator<String> it = p.fieldNames();
    while (it.hasNext()) {
      String key = it.next();
      if (!KNOWN_KEYS.contains(key)) {
        String closest = closest(key);
        throw new IOException(
            where
                + "unknown key \""
                + key
                + "\""
                + (closest == null ? "" : " (did you mean \"" + closest + "\"?)")
                + "; the keys are "
                + KNOWN_KEYS);
      }
    }
  }

  /**
   * The known key nearest to {@code key}, when it is near enough to be a typo ({@link Closest}).
   */
  static String closest(String key) {
    return Closest.to(key, KNOWN_KEYS);
  }

  private static String text(JsonNode p, String key, String dflt, String where) throws IOException {
    JsonNode v = p.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw new IOException(where + "\"" + key + "\" must be a string");
    }
    return v.asText();
  }

  private static double number(
      JsonNode p, String key, double dflt, double min, double max, String where)
      throws IOException {
    JsonNode v = p.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new IOException(where + "\"" + key + "\" must be a number, was " + v);
    }
    double d = v.asDouble();
    if (d < min || d > max) {
      throw new IOException(
          where + "\"" + key + "\" must be in [" + min + ", " + max + "], was " + d);
    }
    return d;
  }
}
