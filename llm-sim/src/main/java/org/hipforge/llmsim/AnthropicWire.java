package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import java.time.Instant;

/** Anthropic's messages dialect: compact JSON, typed errors and RFC 3339 limit resets. */
final class AnthropicWire extends WireFormat {

  static final AnthropicWire INSTANCE = new AnthropicWire();

  private AnthropicWire() {
    super("messages.%d");
  }

  @Override
  String presentedKey(Headers h) {
    String key = h.getFirst("x-api-key");
    return key == null || key.isBlank() ? null : key.trim();
  }

  @Override
  Reply missingHeader(Headers h) {
    String version = h.getFirst("anthropic-version");
    if (version == null || version.isBlank()) {
      return badRequest("anthropic-version: header is required", null);
    }
    return null;
  }

  @Override
  ChatRequest parse(JsonNode body) throws BadRequest {
    if (body == null || !body.isObject()) {
      throw new BadRequest("The request body is not valid JSON.", null);
    }
    String model = requiredModel(body, "model: Field required", "model");
    if (body.get("max_tokens") == null) {
      throw new BadRequest("max_tokens: Field required", "max_tokens");
    }
    Integer maxTokens = optionalPositiveInt(body, "max_tokens");
    JsonNode messages =
        requiredMessages(
            body, "messages: Field required", "messages: at least one message is required");
    rejectStreaming(body);
    checkTemperature(body, 1);
    return fromMessages(model, messages, text(body.get("system"), "system").length(), maxTokens);
  }

  @Override
  BadRequest badRole(JsonNode role, String path) {
    String r = role != null && role.isTextual() ? role.textValue() : "";
    return r.equals("user") || r.equals("assistant")
        ? null
        : new BadRequest(path + ".role: Input should be 'user' or 'assistant'", null);
  }

  @Override
  Reply success(ChatRequest request, SimulatedModel.Generated answer) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", "msg_01" + randomId(22));
    root.put("type", "message");
    root.put("role", "assistant");
    root.put("model", request.model());
    ArrayNode content = root.putArray("content");
    String stop = "end_turn";
    switch (answer.shape()) {
      case REFUSAL:
      case CONTENT_FILTER: // Anthropic has no separate filter reason: its classifiers refuse
        content.addObject().put("type", "text").put("text", SimulatedModel.REFUSAL_TEXT);
        stop = "refusal";
        break;
      case REASONING_CUT:
        content
            .addObject()
            .put("type", "thinking")
            .put("thinking", "Let me look at the kernel launch first. The grid is")
            .put("signature", "EqQBCgIYAhIM" + randomId(20));
        stop = "max_tokens";
        break;
      case NO_CHOICES:
        break;
      case PARTS:
        {
          int half = answer.text().length() / 2;
          content.addObject().put("type", "text").put("text", answer.text().substring(0, half));
          content.addObject().put("type", "text").put("text", answer.text().substring(half));
          break;
        }
      case THINK:
        content
            .addObject()
            .put("type", "thinking")
            .put("thinking", "The user wants a description. Let me read the kernel.")
            .put("signature", "EqQBCgIYAhIM" + randomId(20));
        content.addObject().put("type", "text").put("text", answer.text());
        break;
      case TRUNCATED:
        content.addObject().put("type", "text").put("text", answer.text());
        stop = "max_tokens";
        break;
      default:
        content.addObject().put("type", "text").put("text", answer.text());
    }
    root.put("stop_reason", stop);
    root.putNull("stop_sequence");
    if (answer.shape() != SimulatorConfig.Answer.NO_USAGE) {
      ObjectNode usage = root.putObject("usage");
      boolean cache = answer.shape() == SimulatorConfig.Answer.CACHE_TOKENS;
      // With caching, input_tokens counts only the uncached rest of the prompt.
      int created = cache ? answer.promptTokens() / 4 : 0;
      int read = cache ? answer.promptTokens() / 2 : 0;
      usage.put("input_tokens", answer.promptTokens() - created - read);
      usage.put("cache_creation_input_tokens", created);
      usage.put("cache_read_input_tokens", read);
      usage.put("output_tokens", answer.completionTokens());
      usage.put("service_tier", "standard");
    }
    return Reply.json(200, bytes(root));
  }

  @Override
  Reply spentQuota() {
    return error(
        400,
        "invalid_request_error",
        "Your credit balance is too low to access the Anthropic API. "
            + "Please go to Plans & Billing to upgrade or purchase credits.",
        0);
  }

  @Override
  Reply unauthorized(String presentedKey) {
    return error(
        401,
        "authentication_error",
        presentedKey == null ? "x-api-key header is required" : "invalid x-api-key",
        0);
  }

  @Override
  Reply badRequest(String message, String param) {
    return error(400, "invalid_request_error", message, 0);
  }

  @Override
  Reply contextTooLong(int promptTokens, int maxContextTokens) {
    return error(
        400,
        "invalid_request_error",
        "prompt is too long: " + promptTokens + " tokens > " + maxContextTokens + " maximum",
        0);
  }

  @Override
  Reply rateLimited(SimulatedRateLimiter.Decision d, String model) {
    boolean requests = "requests".equals(d.refusedBy());
    String what = requests ? d.rpm() + " requests per minute" : d.tpm() + " tokens per minute";
    return error(
        429,
        "rate_limit_error",
        "This request would exceed the rate limit for your "
            + "organization of "
            + what
            + ". You can see the response headers for current usage. "
            + "Please reduce the prompt length or the maximum tokens requested, or try again later.",
        d.retryAfterMillis());
  }

  @Override
  Reply serverError(int status) {
    switch (status) {
      case 529:
        return error(529, "overloaded_error", "Overloaded", 0);
      case 500:
        return error(500, "api_error", "Internal server error", 0);
      case 502:
        return error(502, "api_error", "Bad gateway", 0);
      default:
        return error(status, "api_error", "Service unavailable", 0);
    }
  }

  @Override
  Reply notFound(String method, String path) {
    return error(404, "not_found_error", "Not found: " + method + " " + path, 0);
  }

  @Override
  Reply noSuchObject(String message) {
    return error(404, "not_found_error", message, 0);
  }

  @Override
  Reply models() {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    model(data, "claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z");
    model(data, "claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z");
    root.put("has_more", false);
    root.put("first_id", "claude-sonnet-4-20250514");
    root.put("last_id", "claude-3-5-haiku-20241022");
    return Reply.json(200, bytes(root));
  }

  private static void model(ArrayNode data, String id, String name, String created) {
    ObjectNode m = data.addObject();
    m.put("type", "model");
    m.put("id", id);
    m.put("display_name", name);
    m.put("created_at", created);
  }

  @Override
  void commonHeaders(Headers h) {
    h.set("request-id", "req_011C" + randomId(20));
  }

  @Override
  void rateLimitHeaders(Headers h, SimulatedRateLimiter.Decision d) {
    long now = System.currentTimeMillis();
    if (d.rpm() > 0) {
      limit(h, "requests", d.rpm(), d.remainingRequests(), now + d.requestsResetMillis());
    }
    if (d.tpm() > 0) {
      // One simulated token bucket stands for Anthropic's three (total, input, output), so all
      // three header families report it; real clients read whichever they understand.
      String reset = rfc3339(now + d.tokensResetMillis());
      limit(h, "tokens", d.tpm(), d.remainingTokens(), reset);
      limit(h, "input-tokens", d.tpm(), d.remainingTokens(), reset);
      limit(h, "output-tokens", d.tpm(), d.remainingTokens(), reset);
    }
  }

  private static void limit(Headers h, String kind, long limit, long remaining, long resetAt) {
    limit(h, kind, limit, remaining, rfc3339(resetAt));
  }

  private static void limit(Headers h, String kind, long limit, long remaining, String reset) {
    h.set("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
    h.set("anthropic-ratelimit-" + kind + "-remaining", Long.toString(remaining));
    h.set("anthropic-ratelimit-" + kind + "-reset", reset);
  }

  // Whole seconds rounded up, as Anthropic sends them ("2025-01-01T12:00:05Z"), so a client
  // that waits until the reset time never arrives early.
  private static String rfc3339(long epochMillis) {
    return Instant.ofEpochSecond((epochMillis + 999) / 1000).toString();
  }

  @Override
  void retryAfterHeaders(Headers h, long retryAfterMillis) {
    h.set("retry-after", Long.toString(retryAfterSeconds(retryAfterMillis)));
  }

  private static Reply error(int status, String type, String message, long retryAfterMillis) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("type", "error");
    ObjectNode error = root.putObject("error");
    error.put("type", type);
    error.put("message", message);
    return new Reply(status, "application/json", bytes(root), retryAfterMillis);
  }
}
