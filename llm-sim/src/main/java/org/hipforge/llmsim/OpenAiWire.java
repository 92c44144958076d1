package org.hipforge.llmsim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;

/** OpenAI's chat-completions dialect, including its pretty-printed JSON and error shapes. */
final class OpenAiWire extends WireFormat {

  static final OpenAiWire INSTANCE = new OpenAiWire();

  // OpenAI pretty-prints its bodies (2 spaces for results, 4 for errors); clients must not
  // assume one JSON document per line, and the simulator makes sure they don't.
  private static final ObjectWriter BODY_WRITER = MAPPER.writer(new OpenAiPrettyPrinter(2));
  private static final ObjectWriter ERROR_WRITER = MAPPER.writer(new OpenAiPrettyPrinter(4));
  private static final String FINGERPRINT = "fp_5f3c7a9e1d";
  private static final String ORGANIZATION = "org-simulated";

  private OpenAiWire() {
    super("messages[%d]");
  }

  @Override
  String presentedKey(Headers h) {
    String auth = h.getFirst("Authorization");
    if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = auth.substring(7).trim();
    return key.isEmpty() ? null : key;
  }

  @Override
  Reply missingHeader(Headers h) {
    return null;
  }

  @Override
  ChatRequest parse(JsonNode body) throws BadRequest {
    if (body == null || !body.isObject()) {
      throw new BadRequest(
          "We could not parse the JSON body of your request. The OpenAI API "
              + "expects a JSON payload, but what was sent was not valid JSON.",
          null);
    }
    String model = requiredModel(body, "you must provide a model parameter", null);
    JsonNode messages =
        requiredMessages(
            body,
            "Missing required parameter: 'messages'.",
            "Invalid 'messages': expected a non-empty array.");
    rejectStreaming(body);
    checkTemperature(body, 2);
    Integer maxTokens = optionalPositiveInt(body, "max_tokens");
    Integer maxCompletionTokens = optionalPositiveInt(body, "max_completion_tokens");
    return fromMessages(
        model, messages, 0, maxCompletionTokens != null ? maxCompletionTokens : maxTokens);
  }

  @Override
  BadRequest badRole(JsonNode role, String path) {
    return role != null && role.isTextual()
        ? null
        : new BadRequest("Missing required parameter: '" + path + ".role'.", path + ".role");
  }

  @Override
  Reply success(ChatRequest request, SimulatedModel.Generated answer) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", "chatcmpl-" + randomId(29));
    root.put("object", "chat.completion");
    root.put("created", System.currentTimeMillis() / 1000);
    root.put("model", request.model());
    ArrayNode choices = root.putArray("choices");
    int reasoningTokens = 0;
    if (answer.shape() != SimulatorConfig.Answer.NO_CHOICES) {
      ObjectNode choice = choices.addObject();
      choice.put("index", 0);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      String finish = "stop";
      switch (answer.shape()) {
        case REFUSAL: // the shape of OpenAI's structured-output refusals
          message.putNull("content");
          message.put("refusal", answer.text());
          break;
        case CONTENT_FILTER:
          message.putNull("content");
          message.putNull("refusal");
          finish = "content_filter";
          break;
        case REASONING_CUT: // o-series / vLLM reasoning models: the budget went on reasoning
          message.putNull("content");
          message.putNull("refusal");
          message.put("reasoning_content", "Let me look at the kernel launch first. The grid is");
          reasoningTokens = answer.completionTokens();
          finish = "length";
          break;
        case PARTS:
          {
            int half = answer.text().length() / 2;
            ArrayNode parts = message.putArray("content");
            parts.addObject().put("type", "text").put("text", answer.text().substring(0, half));
            parts.addObject().put("type", "text").put("text", answer.text().substring(half));
            message.putNull("refusal");
            break;
          }
        case THINK: // DeepSeek-R1 / Qwen3 served by vLLM, Ollama, llama.cpp
          message.put(
              "content",
              "<think>\nThe user wants a description. Let me read the kernel.\n</think>\n\n"
                  + answer.text());
          message.putNull("refusal");
          break;
        case TRUNCATED:
          message.put("content", answer.text());
          message.putNull("refusal");
          finish = "length";
          break;
        default:
          message.put("content", answer.text());
          message.putNull("refusal");
      }
      message.putArray("annotations");
      choice.putNull("logprobs");
      choice.put("finish_reason", finish);
    }
    if (answer.shape() != SimulatorConfig.Answer.NO_USAGE) {
      ObjectNode usage = root.putObject("usage");
      usage.put("prompt_tokens", answer.promptTokens());
      usage.put("completion_tokens", answer.completionTokens());
      usage.put("total_tokens", answer.promptTokens() + answer.completionTokens());
      ObjectNode promptDetails = usage.putObject("prompt_tokens_details");
      promptDetails.put(
          "cached_tokens",
          answer.shape() == SimulatorConfig.Answer.CACHE_TOKENS ? answer.promptTokens() / 2 : 0);
      promptDetails.put("audio_tokens", 0);
      ObjectNode completionDetails = usage.putObject("completion_tokens_details");
      completionDetails.put("reasoning_tokens", reasoningTokens);
      completionDetails.put("audio_tokens", 0);
      completionDetails.put("accepted_prediction_tokens", 0);
      completionDetails.put("rejected_prediction_tokens", 0);
    }
    root.put("service_tier", "default");
    root.put("system_fingerprint", FINGERPRINT);
    return Reply.json(200, write(BODY_WRITER, root));
  }

  @Override
  Reply spentQuota() {
    // OpenAI's answer once the organisation's spend cap or prepaid credit is used up: a 429 that no
    // wait can fix, told apart from a rate limit only by its code.
    return error(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more "
            + "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "insufficient_quota",
        null,
        "insufficient_quota",
        0);
  }

  @Override
  Reply unauthorized(String presentedKey) {
    if (presentedKey == null) {
      return error(
          401,
          "You didn't provide an API key. You need to provide your API key in an "
              + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          "invalid_request_error",
          null,
          null,
          0);
    }
    return error(
        401,
        "Incorrect API key provided: "
            + maskKey(presentedKey)
            + ". You can find "
            + "your API key in your account settings.",
        "invalid_request_error",
        null,
        "invalid_api_key",
        0);
  }

  @Override
  Reply badRequest(String message, String param) {
    return error(400, message, "invalid_request_error", param, null, 0);
  }

  @Override
  Reply contextTooLong(int promptTokens, int maxContextTokens) {
    return error(
        400,
        "This model's maximum context length is "
            + maxContextTokens
            + " tokens. However, your messages resulted in "
            + promptTokens
            + " tokens. Please "
            + "reduce the length of the messages.",
        "invalid_request_error",
        "messages",
        "context_length_exceeded",
        0);
  }

  @Override
  Reply rateLimited(SimulatedRateLimiter.Decision d, String model) {
    boolean requests = "requests".equals(d.refusedBy());
    String message;
    if (d.tooLarge()) {
      message =
          "Request too large for "
              + model
              + " in organization "
              + ORGANIZATION
              + " on tokens per min (TPM): Limit "
              + d.tpm()
              + ", Requested "
              + d.requestedTokens()
              + ". The input or output tokens must be reduced in order to run successfully.";
    } else if (requests) {
      message =
          "Rate limit reached for "
              + model
              + " in organization "
              + ORGANIZATION
              + " on requests per min (RPM): Limit "
              + d.rpm()
              + ", Used "
              + (d.rpm() - d.remainingRequests())
              + ", Requested 1. Please try again in "
              + goDuration(d.retryAfterMillis())
              + ".";
    } else {
      message =
          "Rate limit reached for "
              + model
              + " in organization "
              + ORGANIZATION
              + " on tokens per min (TPM): Limit "
              + d.tpm()
              + ", Used "
              + (d.tpm() - d.remainingTokens())
              + ", Requested "
              + d.requestedTokens()
              + ". Please try again in "
              + goDuration(d.retryAfterMillis())
              + ".";
    }
    return error(
        429,
        message,
        requests ? "requests" : "tokens",
        null,
        "rate_limit_exceeded",
        d.retryAfterMillis());
  }

  @Override
  Reply serverError(int status) {
    switch (status) {
      case 500:
        return error(
            500,
            "The server had an error while processing your request. Sorry about " + "that!",
            "server_error",
            null,
            null,
            0);
      case 502:
        {
          // OpenAI's edge really answers 502 with a numeric code and its own type.
          ObjectNode root = MAPPER.createObjectNode();
          ObjectNode error = root.putObject("error");
          error.put("code", 502);
          error.put("message", "Bad gateway.");
          error.putNull("param");
          error.put("type", "cf_bad_gateway");
          return Reply.json(502, write(ERROR_WRITER, root));
        }
      case 503:
        return error(
            503, "The server is overloaded or not ready yet.", "server_error", null, null, 0);
      default:
        return error(
            status,
            "The server is overloaded. Please try again later.",
            "server_error",
            null,
            null,
            0);
    }
  }

  @Override
  Reply notFound(String method, String path) {
    return error(
        404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null, 0);
  }

  @Override
  Reply noSuchObject(String message) {
    return error(404, message, "invalid_request_error", null, null, 0);
  }

  @Override
  Reply models() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    model(data, "gpt-4o-mini", 1_721_172_741L);
    model(data, "gpt-4o", 1_715_367_049L);
    model(data, "gpt-4.1-mini", 1_744_318_173L);
    return Reply.json(200, write(BODY_WRITER, root));
  }

  private static void model(ArrayNode data, String id, long created) {
    ObjectNode m = data.addObject();
    m.put("id", id);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "system");
  }

  @Override
  void commonHeaders(Headers h) {
    h.set("x-request-id", "req_" + randomId(32));
    h.set("openai-version", "2020-10-01");
    h.set("openai-organization", ORGANIZATION);
  }

  @Override
  void rateLimitHeaders(Headers h, SimulatedRateLimiter.Decision d) {
    if (d.rpm() > 0) {
      h.set("x-ratelimit-limit-requests", Long.toString(d.rpm()));
      h.set("x-ratelimit-remaining-requests", Long.toString(d.remainingRequests()));
      h.set("x-ratelimit-reset-requests", goDuration(d.requestsResetMillis()));
    }
    if (d.tpm() > 0) {
      h.set("x-ratelimit-limit-tokens", Long.toString(d.tpm()));
      h.set("x-ratelimit-remaining-tokens", Long.toString(d.remainingTokens()));
      h.set("x-ratelimit-reset-tokens", goDuration(d.tokensResetMillis()));
    }
  }

  @Override
  void retryAfterHeaders(Headers h, long retryAfterMillis) {
    h.set("retry-after", Long.toString(retryAfterSeconds(retryAfterMillis)));
    h.set("retry-after-ms", Long.toString(retryAfterMillis));
  }

  private static Reply error(
      int status, String message, String type, String param, String code, long retryAfterMillis) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    return new Reply(status, "application/json", write(ERROR_WRITER, root), retryAfterMillis);
  }

  private static byte[] write(ObjectWriter writer, Object node) {
    try {
      return writer.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON nodes always serialize", e);
    }
  }
}
