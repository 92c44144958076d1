package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import okhttp3.Request;

/** Anthropic's {@code POST /v1/messages}: {@code x-api-key}, {@code anthropic-version}, system field. */
final class AnthropicMessagesClient extends HttpLlmClient {
  private final String url;

  AnthropicMessagesClient(ProviderConfig config, String apiKey) {
    super(config, apiKey);
    String base = config.baseUrl();
    this.url = base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages";
  }

  @Override
  String endpoint() {
    return url;
  }

  @Override
  byte[] body(ChatRequest request) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(request.user().length() + 512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model", config.model());
      g.writeNumberField("max_tokens", config.maxTokens());
      g.writeNumberField("temperature", Math.min(1.0, config.temperature()));
      g.writeStringField("system", request.system());
      g.writeArrayFieldStart("messages");
      g.writeStartObject();
      g.writeStringField("role", "user");
      g.writeStringField("content", request.user());
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  @Override
  Request.Builder authorize(Request.Builder builder) {
    Request.Builder b = builder.header("anthropic-version", config.anthropicVersion());
    return apiKey == null ? b : b.header("x-api-key", apiKey);
  }

  @Override
  ChatResponse parse(byte[] body, RateLimitSnapshot limits) throws LlmException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (IOException e) {
      throw badResponse("the 200 answer is not JSON", body);
    }
    if (root == null || !root.isObject()) {
      throw badResponse("the 200 answer is not a JSON object", body);
    }
    JsonNode content = root.get("content");
    if (content == null || !content.isArray()) {
      throw badResponse("the answer has no content array", body);
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode block : content) {
      if ("text".equals(block.path("type").asText())) {
        text.append(block.path("text").asText(""));
      }
    }
    if (text.length() == 0 || text.toString().isBlank()) {
      throw new LlmException(ErrorCategory.EMPTY_ANSWER, 200, -1,
          "the model answered with no text (stop_reason " + root.path("stop_reason").asText("unknown") + ")");
    }
    JsonNode usage = root.get("usage");
    long in = usage == null ? -1 : usage.path("input_tokens").asLong(-1);
    long out = usage == null ? -1 : usage.path("output_tokens").asLong(-1);
    return new ChatResponse(text.toString(), in, out, limits);
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
    return lower.contains("prompt is too long") || lower.contains("context window")
        || lower.contains("context length");
  }
}
