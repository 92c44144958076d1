package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** One provider's HTTP dialect: how requests are read and every kind of answer is written. */
abstract class WireFormat {

  /** How this provider names message {@code i} in an error: a format with one {@code %d}. */
  private final String messagePath;

  WireFormat(String messagePath) {
    this.messagePath = messagePath;
  }

  // Shared and thread-safe once configured; building one per request would dominate the cost.
  static final ObjectMapper MAPPER = new ObjectMapper();

  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  /** The API key the request presents, or null when it presents none. */
  abstract String presentedKey(Headers requestHeaders);

  /** A 400 for a header this provider requires and the request lacks, or null. */
  abstract Reply missingHeader(Headers requestHeaders);

  abstract ChatRequest parse(JsonNode body) throws BadRequest;

  /** The 400 this provider answers for a message's {@code role}, or null when it is fine. */
  abstract BadRequest badRole(JsonNode role, String messagePath);

  /**
   * The request made of checked {@code messages}: the last user message's text, and the characters
   * of every message plus {@code systemChars} for the token estimate.
   */
  final ChatRequest fromMessages(
      String model, JsonNode messages, long systemChars, Integer maxTokens) throws BadRequest {
    String user = "";
    long chars = systemChars;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String path = String.format(Locale.ROOT, messagePath, i);
      BadRequest bad = badRole(m.get("role"), path);
      if (bad != null) {
        throw bad;
      }
      String text = text(m.get("content"), path + ".content");
      chars += text.length();
      if (m.get("role").textValue().equals("user")) {
        user = text;
      }
    }
    return new ChatRequest(model, user, chars, maxTokens);
  }

  /**
   * A 200 answer of {@code answer}'s shape ({@link SimulatorConfig.Answer}): its text and token
   * counts are already what that shape bills (the model cuts or replaces the text).
   */
  abstract Reply success(ChatRequest request, SimulatedModel.Generated answer);

  abstract Reply unauthorized(String presentedKey);

  /** The account has no quota or credit left, as this provider says it (a spent spend cap). */
  abstract Reply spentQuota();

  abstract Reply badRequest(String message, String param);

  abstract Reply contextTooLong(int promptTokens, int maxContextTokens);

  abstract Reply rateLimited(SimulatedRateLimiter.Decision decision, String model);

  /** A 500, 502, 503 or 529 in this provider's error format. */
  abstract Reply serverError(int status);

  abstract Reply notFound(String method, String path);

  /** A 404 for an object (a batch, a file) the path names but the provider does not know. */
  abstract Reply noSuchObject(String message);

  abstract Reply models();

  /** Headers every answer of this provider carries (request ids and the like). */
  abstract void commonHeaders(Headers responseHeaders);

  abstract void rateLimitHeaders(Headers responseHeaders, SimulatedRateLimiter.Decision decision);

  /** Adds the retry headers this provider sends with a 429. */
  abstract void retryAfterHeaders(Headers responseHeaders, long retryAfterMillis);

  /** The same 200 HTML page a misconfigured proxy in front of either provider would send. */
  static Reply htmlPage() {
    return new Reply(
        200,
        "text/html",
        ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                + "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                + "</body>\r\n</html>\r\n")
            .getBytes(StandardCharsets.US_ASCII),
        0);
  }

  /** The text of a message's content: a string, or the concatenated text of its blocks. */
  static String text(JsonNode content, String where) throws BadRequest {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode part : content) {
        JsonNode t = part.get("text");
        if (t != null && t.isTextual()) {
          b.append(t.textValue());
        }
      }
      return b.toString();
    }
    throw new BadRequest(
        "Invalid type for '"
            + where
            + "': expected a string or an array of "
            + "content parts, but got "
            + content.getNodeType().name().toLowerCase(Locale.ROOT)
            + " instead.",
        where);
  }

  /** The body's {@code model}: a non-empty string, else a 400 saying {@code message}. */
  static String requiredModel(JsonNode body, String message, String param) throws BadRequest {
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
      throw new BadRequest(message, param);
    }
    return model.textValue();
  }

  /**
   * The body's {@code messages}: a 400 saying {@code missing} or {@code empty} unless a non-empty
   * array.
   */
  static JsonNode requiredMessages(JsonNode body, String missing, String empty) throws BadRequest {
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw new BadRequest(missing, "messages");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw new BadRequest(empty, "messages");
    }
    return messages;
  }

  static Integer optionalPositiveInt(JsonNode body, String field) throws BadRequest {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() < 1) {
      throw new BadRequest(
          "Invalid '" + field + "': expected an integer >= 1, but got " + n + " instead.", field);
    }
    return n.intValue();
  }

  static void checkTemperature(JsonNode body, double max) throws BadRequest {
    JsonNode t = body.get("temperature");
    if (t != null
        && !t.isNull()
        && (!t.isNumber() || t.doubleValue() < 0 || t.doubleValue() > max)) {
      throw new BadRequest(
          "Invalid 'temperature': expected a number in [0, "
              + (int) max
              + "], but got "
              + t
              + " instead.",
          "temperature");
    }
  }

  static void rejectStreaming(JsonNode body) throws BadRequest {
    JsonNode s = body.get("stream");
    // Streaming clients expect server-sent events; a JSON body would fail them obscurely.
    if (s != null && s.asBoolean(false)) {
      throw new BadRequest(
          "stream: the simulated provider does not stream; send " + "\"stream\": false", "stream");
    }
  }

  static byte[] bytes(Object node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("JSON nodes always serialize", e);
    }
  }

  /** {@code length} random base-62 characters: ids only need to be unique, not reproducible. */
  static String randomId(int length) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = BASE62[r.nextInt(BASE62.length)];
    }
    return new String(c);
  }

  /** Seconds for a {@code retry-after} header: never 0, so a client never retries at once. */
  static long retryAfterSeconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }

  /** "Incorrect API key provided: sk-abc*****wxyz" style: never the whole key. */
  static String maskKey(String key) {
    // Short keys would be mostly revealed by a prefix and suffix, so they are masked entirely.
    if (key.length() < 12) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 3) + "*".repeat(key.length() - 7) + key.substring(key.length() - 4);
  }

  /**
   * A duration the way OpenAI's {@code x-ratelimit-reset-*} headers write it (Go's {@code
   * time.Duration} format): "0s", "120ms", "1s", "17.28s", "6m0s", "1h2m3s".
   */
  static String goDuration(long millis) {
    if (millis <= 0) {
      return "0s";
    }
    if (millis < 1000) {
      return millis + "ms";
    }
    long hours = millis / 3_600_000;
    long minutes = millis / 60_000 % 60;
    long secondsMillis = millis % 60_000;
    StringBuilder b = new StringBuilder();
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      b.append(minutes).append('m');
    }
    b.append(secondsMillis / 1000);
    long fraction = secondsMillis % 1000;
    if (fraction > 0) {
      String f = (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + fraction;
      int end = f.length();
      while (f.charAt(end - 1) == '0') {
        end--;
      }
      b.append('.').append(f, 0, end);
    }
    return b.append('s').toString();
  }
}
