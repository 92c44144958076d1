package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import okhttp3.Request;

/**
 * OpenAI-compatible {@code POST /chat/completions} (OpenAI, vLLM, Ollama, llama.cpp).
 *
 * <p>Tolerates what compatible servers leave out: no {@code usage} gives -1 token counts (the
 * caller then stores its own estimate, marked {@code tokens_estimated}).
 */
final class OpenAiChatClient extends HttpLlmClient {
  OpenAiChatClient(ProviderConfig config, String apiKey) {
    super(config, apiKey, versioned(config.baseUrl()), "/chat/completions");
  }

  /** base_url is ".../v1" by convention; accept a bare host too. */
  private static String versioned(String base) {
    return base.endsWith("/v1") || base.matches(".*/v\\d+$") ? base : base + "/v1";
  }

  @Override
  void writeBody(JsonGenerator g, ChatRequest request) throws IOException {
    g.writeStartObject();
    g.writeStringField("model", config.model());
    g.writeArrayFieldStart("messages");
    writeMessage(g, "system", request.system());
    writeMessage(g, "user", request.user());
    g.writeEndArray();
    g.writeNumberField("temperature", config.temperature());
    g.writeNumberField("max_tokens", request.maxTokensOr(config.maxTokens()));
    g.writeEndObject();
  }

  @Override
  Request.Builder authorize(Request.Builder builder) {
    return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
  }

  /**
   * A usable answer, or the final category of a billed one that is not: {@code refused} ({@code
   * message.refusal}), {@code filtered} ({@code finish_reason: content_filter}), {@code truncated}
   * ({@code finish_reason: length}, also a reasoning cut with null content), {@code empty_answer}
   * ({@code choices: []}, blank content). Content parts are joined and think blocks removed; usage
   * values that are not believable read as unknown (-1).
   */
  @Override
  ChatResponse parse(JsonNode root, byte[] body, RateLimitSnapshot limits) throws LlmException {
    JsonNode choices = array(root, "choices", "the answer has no choices", body);
    JsonNode usage = root.path("usage");
    long in = AnswerText.tokens(usage.get("prompt_tokens"));
    long out = AnswerText.tokens(usage.get("completion_tokens"));
    if (choices.isEmpty()) {
      throw new LlmException(
          ErrorCategory.EMPTY_ANSWER,
          new ChatResponse(null, in, out, limits),
          "the model answered with no choices (choices: [])");
    }
    JsonNode choice = choices.get(0);
    JsonNode message = choice.path("message");
    String finish = textOrNull(choice.get("finish_reason"));
    String raw = AnswerText.of(message.get("content"));
    String text = AnswerText.withoutThinking(raw);
    ChatResponse answer = new ChatResponse(text, in, out, limits, finish, 0, 0);
    JsonNode refusal = message.get("refusal");
    if (refusal != null && refusal.isTextual() && !refusal.asText().isBlank()) {
      throw new LlmException(
          ErrorCategory.REFUSED,
          answer,
          "the model refused: \""
              + oneLine(redact(refusal.asText()), 160)
              + "\" (finish_reason "
              + finish
              + ")");
    }
    if ("content_filter".equals(finish)) {
      throw new LlmException(
          ErrorCategory.FILTERED,
          answer,
          "the provider's content filter withheld the "
              + "answer (finish_reason content_filter"
              + (raw == null ? ", content null" : "")
              + ")");
    }
    if ("length".equals(finish)) {
      throw new LlmException(ErrorCategory.TRUNCATED, answer, truncatedDetail(raw, text, out));
    }
    if (text == null || text.isBlank()) {
      throw new LlmException(
          ErrorCategory.EMPTY_ANSWER,
          answer,
          "the model answered with "
              + (raw == null
                  ? "no content"
                  : raw.isBlank() ? "empty content" : "only a think block")
              + " (finish_reason "
              + finish
              + ")");
    }
    return answer;
  }

  private String truncatedDetail(String raw, String text, long out) {
    String what =
        raw == null || raw.isBlank()
            ? "with no content (the reasoning used up the budget)"
            : text == null || text.isBlank()
                ? "while still reasoning (only a think block)"
                : "after " + text.length() + " characters";
    return "the answer was cut at max_tokens "
        + config.maxTokens()
        + " "
        + what
        + " (finish_reason length, "
        + (out >= 0 ? out : "unknown")
        + " output tokens)";
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
    if (body != null
        && "context_length_exceeded".equals(body.path("error").path("code").asText())) {
      return true;
    }
    String lower = rawBody.toLowerCase(java.util.Locale.ROOT);
    // "context size": llama.cpp's server ("exceeds the available context size", type
    // exceed_context_size_error).
    return lower.contains("context length")
        || lower.contains("context_length")
        || lower.contains("maximum context")
        || lower.contains("too many tokens")
        || lower.contains("context size");
  }
}
