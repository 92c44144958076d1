package org.hipforge.io.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * What a provider's answer that is not a success stands for, in both wire formats: the category of
 * its status ({@link ErrorCategory#ofStatus}) refined by its body ({@code quota}, {@code
 * context_length}), the provider's message redacted, and its retry hints ({@code retry-after},
 * {@code x-should-retry}). Each wire format reads its own error body ({@link
 * HttpLlmClient#errorMessage}, {@link HttpLlmClient#isContextLength}).
 */
final class ErrorAnswers {
  /** Error bodies are read only this far: enough for the message, never a huge HTML page. */
  private static final long MAX_ERROR_BODY = 16 * 1024;

  private final HttpLlmClient client;

  ErrorAnswers(HttpLlmClient client) {
    this.client = client;
  }

  /**
   * The error a response that is not a success stands for ({@code call} is {@code "POST <url>"} and
   * names the request in the message): a redirect (never followed) is {@code endpoint}, a status
   * gets its category ({@link ErrorCategory#ofStatus}, refined to {@code quota} and {@code
   * context_length} by the body), the provider's message is redacted. Reads at most {@value
   * #MAX_ERROR_BODY} bytes of the body.
   */
  LlmException of(Response response, RateLimitSnapshot limits, String call) throws IOException {
    int status = response.code();
    if (status >= 300 && status < 400) {
      // Never followed (the client is built with followRedirects(false)): the key and the
      // prompt must not go to another origin, and a moved API is a wrong base_url.
      String location = response.header("Location");
      String to =
          location == null ? "nowhere" : HttpLlmClient.oneLine(client.redact(location), 200);
      return new LlmException(
          ErrorCategory.ofStatus(status),
          status,
          -1,
          false,
          String.format(
              Locale.ROOT,
              "HTTP %d from %s redirects to %s; API calls do not follow redirects (%s): set base_url to the final "
                  + "address",
              status,
              client.config.name(),
              to,
              call));
    }
    String raw = "";
    ResponseBody rb = response.body();
    if (rb != null) {
      okio.BufferedSource source = rb.source();
      source.request(MAX_ERROR_BODY);
      raw = source.getBuffer().readUtf8(Math.min(source.getBuffer().size(), MAX_ERROR_BODY));
    }
    return of(
        status,
        raw,
        limits.retryAfterMillis(),
        shouldRetry(response.header("x-should-retry")),
        call);
  }

  /**
   * The error an HTTP status with body {@code raw} stands for: also used for one line of a batch
   * whose own request failed (a status and a body, no headers).
   */
  LlmException of(int status, String raw, long retryAfterMillis, Boolean shouldRetry, String call) {
    JsonNode json = null;
    try {
      json = HttpLlmClient.MAPPER.readTree(raw);
    } catch (IOException notJson) {
      // an HTML error page from a proxy: keep the raw text
    }
    String message = json != null ? client.errorMessage(json) : null;
    if (message == null || message.isBlank()) {
      message = HttpLlmClient.oneLine(raw, 200);
    }
    ErrorCategory category = ErrorCategory.ofStatus(status);
    if (isQuota(status, json, raw)) {
      category = ErrorCategory.QUOTA;
    } else if (status == 400 && client.isContextLength(status, json, raw)) {
      category = ErrorCategory.CONTEXT_LENGTH;
    }
    String detail =
        "HTTP " + status + " from " + client.config.name() + ": " + client.redact(message);
    if (category == ErrorCategory.AUTH) {
      detail += " (check the key in environment variable " + client.config.apiKeyEnv() + ")";
    } else if (category == ErrorCategory.ENDPOINT) {
      detail += " (" + call + ")";
    }
    return new LlmException(category, status, retryAfterMillis, shouldRetry, detail);
  }

  /**
   * {@code x-should-retry: true/false} as both official SDKs read it; null for absent or other
   * values.
   */
  static Boolean shouldRetry(String header) {
    if ("true".equals(header)) {
      return Boolean.TRUE;
    }
    return "false".equals(header) ? Boolean.FALSE : null;
  }

  /**
   * True when an error says the account has no quota or credit left, in either wire format (a proxy
   * may speak one and relay the other's body): any 402; a 429 whose {@code error.code} or {@code
   * error.type} is {@code insufficient_quota} (OpenAI, which a plain rate limit never carries); a
   * 400 saying the credit balance is too low (Anthropic).
   */
  static boolean isQuota(int status, JsonNode body, String rawBody) {
    if (status == 402) {
      return true;
    }
    if (status == 429) {
      JsonNode err = body == null ? null : body.path("error");
      return err != null
          && ("insufficient_quota".equals(err.path("code").asText())
              || "insufficient_quota".equals(err.path("type").asText()));
    }
    return status == 400
        && rawBody.toLowerCase(java.util.Locale.ROOT).contains("credit balance is too low");
  }
}
