package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import okhttp3.Request;
import org.hipforge.io.util.TokenMath;

/**
 * Anthropic's {@code POST /v1/messages}: {@code x-api-key}, {@code anthropic-version}, system
 * field.
 */
final class AnthropicMessagesClient extends HttpLlmClient {
  AnthropicMessagesClient(ProviderConfig config, String apiKey) {
    super(
        config,
        apiKey,
        config.baseUrl().endsWith("/v1") ? config.baseUrl() : config.baseUrl() + "/v1",
        "/messages");
  }

  @Override
  void writeBody(JsonGenerator g, ChatRequest request) throws IOException {
    g.writeStartObject();
    g.writeStringField("model", config.model());
    g.writeNumberField("max_tokens", request.maxTokensOr(config.maxTokens()));
    g.writeNumberField("temperature", Math.min(1.0, config.temperature()));
    g.writeStringField("system", request.system());
    g.writeArrayFieldStart("messages");
    writeMessage(g, "user", request.user());
    g.writeEndArray();
    g.writeEndObject();
  }

  @Override
  Request.Builder authorize(Request.Builder builder) {
    Request.Builder b = builder.header("anthropic-version", config.anthropicVersion());
    return apiKey == null ? b : b.header("x-api-key", apiKey);
  }

  /**
   * A usable answer, or the final category of a billed one that is not: {@code refused} ({@code
   * stop_reason: refusal}), {@code truncated} ({@code max_tokens}, {@code
   * model_context_window_exceeded}), {@code empty_answer} (no text). Text blocks are joined, {@code
   * thinking} blocks skipped and inline think blocks removed. The input count includes the cache
   * tokens ({@code cache_creation_input_tokens}, {@code cache_read_input_tokens}), which are billed
   * too and kept apart as well.
   */
  @Override
  ChatResponse parse(JsonNode root, byte[] body, RateLimitSnapshot limits) throws LlmException {
    JsonNode content = array(root, "content", "the answer has no content array", body);
    JsonNode usage = root.path("usage");
    long base = AnswerText.tokens(usage.get("input_tokens"));
    long created = Math.max(0, AnswerText.tokens(usage.get("cache_creation_input_tokens")));
    long read = Math.max(0, AnswerText.tokens(usage.get("cache_read_input_tokens")));
    long in = base < 0 ? base : TokenMath.add(TokenMath.add(base, created), read);
    long out = AnswerText.tokens(usage.get("output_tokens"));
    String stop = textOrNull(root.get("stop_reason"));
    String raw = AnswerText.of(content);
    String text = AnswerText.withoutThinking(raw);
    ChatResponse answer = new ChatResponse(text, in, out, limits, stop, created, read);
    if ("refusal".equals(stop)) {
      throw new LlmException(
          ErrorCategory.REFUSED,
          answer,
          "the model refused (stop_reason refusal)"
              + (text == null || text.isBlank() ? "" : ": \"" + oneLine(redact(text), 160) + "\""));
    }
    if ("max_tokens".equals(stop) || "model_context_window_exceeded".equals(stop)) {
      throw new LlmException(
          ErrorCategory.TRUNCATED,
          answer,
          "the answer was cut "
              + ("max_tokens".equals(stop)
                  ? "at max_tokens " + config.maxTokens()
                  : "at the model's context window")
              + (text == null || text.isBlank()
                  ? " before any text (only thinking)"
                  : " after " + text.length() + " characters")
              + " (stop_reason "
              + stop
              + ", "
              + (out >= 0 ? out : "unknown")
              + " output tokens)");
    }
    if (text == null || text.isBlank()) {
      throw new LlmException(
          ErrorCategory.EMPTY_ANSWER,
          answer,
          "the model answered with no text (stop_reason " + stop + ")");
    }
    return answer;
  }

  @Override
  String errorMessage(JsonNode body) {
    JsonNode err = body.get("error");
    if (err == null) {
      return null;
    }
    String type = err.path("type").asText("");
    String message = err.path("message").asText("");
    return type.isEmpty() ? message : type + ": " + message;
  }

  @Override
  boolean isContextLength(int status, JsonNode body, String rawBody) {
    String lower = rawBody.toLowerCase(java.util.Locale.ROOT);
    return lower.contains("prompt is too long")
        || lower.contains("context window")
        || lower.contains("context length");
  }
}
