package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderHttp;

/** What both Batch API dialects share: JSON calls over {@link ProviderHttp}, result lines, answers. */
abstract class HttpBatchApi implements BatchApi {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  final ProviderHttp http;
  final ProviderConfig config;

  HttpBatchApi(ProviderConfig config, String apiKey) {
    this.config = config;
    this.http = ProviderHttp.of(config, apiKey);
  }

  @Override
  public final byte[] body(ChatRequest request) throws IOException {
    return http.chatBody(request);
  }

  /** Sends one request and reads its JSON answer; every failure is a {@link BatchApiException}. */
  final JsonNode json(String what, String method, String url, RequestBody body) throws IOException {
    try (Response response = send(what, method, url, body)) {
      ResponseBody rb = response.body();
      byte[] bytes;
      try {
        bytes = rb == null ? new byte[0] : rb.bytes();
      } catch (IOException e) {
        throw new BatchApiException(what, http.transportError(e, method + " " + url));
      }
      try {
        JsonNode root = MAPPER.readTree(bytes);
        if (root != null && root.isObject()) {
          return root;
        }
      } catch (IOException notJson) {
        // reported below, with the start of the body
      }
      String head = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8);
      throw new BatchApiException(what, new LlmException(ErrorCategory.BAD_RESPONSE, response.code(), -1,
          "the answer to " + method + " " + url + " is not a JSON object; body starts: "
          + http.redact(head).replaceAll("\\s+", " ")));
    }
  }

  /**
   * The open 2xx response of one request (the caller closes it), else a {@link BatchApiException}.
   * A GET whose connection broke before any answer is sent once more: polls are minutes apart, and
   * a pooled keep-alive connection the server closed meanwhile fails the next GET that way (OkHttp
   * checks a GET's connection less than a POST's). A GET buys nothing; a POST is never repeated.
   */
  final Response send(String what, String method, String url, RequestBody body) throws BatchApiException {
    try {
      return http.send(method, url, body);
    } catch (LlmException e) {
      if (method.equals("GET") && e.category() == ErrorCategory.CONNECTION) {
        try {
          return http.send(method, url, body);
        } catch (LlmException again) {
          throw new BatchApiException(what, again);
        }
      }
      throw new BatchApiException(what, e);
    }
  }

  /**
   * Streams a JSONL answer to {@code line}, one line at a time (blank lines skipped): memory is one
   * line, whatever the file's size.
   */
  final void lines(String what, String url, LineHandler line) throws IOException {
    try (Response response = send(what, "GET", url, null)) {
      ResponseBody rb = response.body();
      if (rb == null) {
        return;
      }
      BufferedSource source = rb.source();
      long number = 0;
      while (true) {
        String text;
        try {
          text = source.readUtf8Line();
        } catch (IOException e) {
          throw new BatchApiException(what + " (after line " + number + ")", http.transportError(e, "GET " + url));
        }
        if (text == null) {
          return;
        }
        number++;
        if (!text.isBlank()) {
          line.accept(number, text);
        }
      }
    }
  }

  /** One line of a results file. */
  interface LineHandler {
    void accept(long number, String line) throws IOException;
  }

  /** A result line that is not what the provider documents: named by its number, never dropped silently. */
  static IOException badLine(String what, long number, String why) {
    return new BatchApiException(what, new LlmException(ErrorCategory.BAD_RESPONSE, 200, -1,
        "results line " + number + " " + why));
  }

  /**
   * The outcome of a line the provider answered with 200: parsed by the synchronous client's own
   * parser, so an unusable answer keeps its tokens and gets the synchronous category.
   */
  final BatchOutcome answered(String customId, JsonNode message) {
    byte[] body;
    try {
      body = MAPPER.writeValueAsBytes(message);
    } catch (IOException e) {
      throw new IllegalStateException("a parsed JSON node always serializes", e);
    }
    long max = config.retryRules().maxAnswerBytes();
    if (body.length > max) {
      return new BatchOutcome(customId, null, ErrorCategory.TOO_LARGE_ANSWER.label(), "the answer of "
          + config.name() + " is larger than max_answer_bytes " + max + " (" + body.length + " bytes); it is not stored");
    }
    try {
      ChatResponse response = http.parseAnswer(body);
      return new BatchOutcome(customId, response, null, null);
    } catch (LlmException e) {
      return new BatchOutcome(customId, e.answer(), e.category().label(), e.getMessage());
    }
  }

  /** The outcome of a line whose own request failed with an HTTP status: the synchronous category. */
  final BatchOutcome failed(String customId, int status, JsonNode body) {
    LlmException e = http.errorOf(status, body == null ? "" : body.toString(), "batch line " + customId);
    return new BatchOutcome(customId, null, e.category().label(), e.getMessage());
  }

  static Instant epochSeconds(JsonNode n) {
    return n == null || !n.isNumber() ? null : Instant.ofEpochSecond(n.longValue());
  }

  static Instant rfc3339(JsonNode n) {
    if (n == null || !n.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(n.textValue());
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(n.textValue()).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  static int count(JsonNode counts, String field) {
    JsonNode n = counts.get(field);
    return n != null && n.canConvertToInt() ? Math.max(0, n.intValue()) : 0;
  }

  /** The id as it may go into a URL path: provider ids are [A-Za-z0-9_-]; anything else is refused. */
  static String pathId(String kind, String id) {
    if (id == null || !id.matches("[A-Za-z0-9_\\-]{1,200}")) {
      throw new IllegalArgumentException(kind + " must be a provider id of [A-Za-z0-9_-], was \""
          + (id == null ? "null" : id.length() > 80 ? id.substring(0, 80) + "..." : id) + "\"");
    }
    return id;
  }

  /** Streams {@code sink} from the results. */
  abstract void results(String batchId, Consumer<BatchOutcome> sink) throws IOException;

  @Override
  public final void readResults(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    results(pathId("batchId", batchId), sink);
  }

  @Override
  public void close() {
    http.close();
  }
}
