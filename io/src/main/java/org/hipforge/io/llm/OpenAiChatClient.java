package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import okhttp3.Request;

/**
 * OpenAI-compatible {@code POST /chat/completions} (OpenAI, vLLM, Ollama, llama.cpp).
 *
 * <p>Tolerates what compatible servers leave out: no {@code usage} gives -1 token counts.
 */
final class OpenAiChatClient extends HttpLlmClient {
  private final String url;

  OpenAiChatClient(ProviderConfig config, String apiKey) {
    super(config, apiKey);
    String base = config.baseUrl();
    // base_url is ".../v1" by convention; accept a bare host too.
    this.url = base.endsWith("/v1") || base.matches(".*/v\\d+$") ? base + "/chat/completions"
        : base + "/v1/chat/completions";
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
      g.writeArrayFieldStart("messages");
      g.writeStartObject();
      g.writeStringField("role", "system");
      g.writeStringField("content", request.system());
      g.writeEndObject();
      g.writeStartObject();
      g.writeStringField("role", "user");
      g.writeStringField("content", request.user());
      g.writeEndObject();
      g.writeEndArray();
      g.writeNumberField("temperature", config.temperature());
      g.writeNumberField("max_tokens", config.maxTokens());
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  @Override
  Request.Builder authorize(Request.Builder builder) {
    return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
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
    JsonNode choices = root.get("choices");
    if (choices == null || !choices.isArray() || choices.isEmpty()) {
      throw badResponse("the answer has no choices", body);
    }
    JsonNode content = choices.get(0).path("message").get("content");
    if (content == null || !content.isTextual()) {
      throw badResponse("the answer's first choice has no message content", body);
    }
    String text = content.asText();
    if (text.isBlank()) {
      throw new LlmException(ErrorCategory.EMPTY_ANSWER, 200, -1,
          "the model answered with empty content (finish_reason "
              + choices.get(0).path("finish_reason").asText("unknown") + ")");
    }
    JsonNode usage = root.get("usage");
    long in = usage == null ? -1 : usage.path("prompt_tokens").asLong(-1);
    long out = usage == null ? -1 : usage.path("completion_tokens").asLong(-1);
    return new ChatResponse(text, in, out, limits);
  }

  @Override
  String errorMessage(JsonNode body) {
    JsonNode err = body.get("error");
    if (err == null) {
      return body.path("message").asText(null);
    }
    if (err.isTextual()) {
      return err.asText(); // vLLM and llama.cpp sometimes send {"error": "text"}
    }
    return err.path("message").asText(null);
  }

  @Override
  boolean isContextLength(int status, JsonNode body, String rawBody) {
    if (body != null && "context_length_exceeded".equals(body.path("error").path("code").asText())) {
      return true;
    }
    String lower = rawBody.toLowerCase(java.util.Locale.ROOT);
    // "context size": llama.cpp's server ("exceeds the available context size", type
    // exceed_context_size_error).
    return lower.contains("context length") || lower.contains("context_length")
        || lower.contains("maximum context") || lower.contains("too many tokens")
        || lower.contains("context size");
  }
}
