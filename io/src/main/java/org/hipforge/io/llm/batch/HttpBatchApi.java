package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.BufferedSource;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderHttp;

/**
 * What both Batch API dialects share: JSON calls over {@link ProviderHttp}, the framing of input
 * lines and their sizes, status and cancel calls, result lines, answers.
 */
abstract class HttpBatchApi implements BatchApi {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /**
   * How every input line of both dialects starts; a custom_id needs no JSON escaping ({@link
   * BatchLine}).
   */
  private static final byte[] LINE_HEAD = ascii("{\"custom_id\":\"");

  /**
   * What sets one dialect apart: its documented limits of one batch, the path of its batches under
   * the API root, how it frames one input line ({@code {"custom_id":"<id><lineMiddle><body><lineTail>},
   * lines joined by {@code separator}) and how it reads a batch object.
   */
  record Dialect(
      int maxRequests,
      long maxBytes,
      String batchesPath,
      String lineMiddle,
      String lineTail,
      String separator,
      Function<JsonNode, BatchStatus> statusParser) {}

  final ProviderHttp http;
  final ProviderConfig config;
  private final Dialect dialect;
  private final byte[] lineMiddle;
  private final byte[] lineTail;
  private final byte[] separator;

  HttpBatchApi(ProviderConfig config, String apiKey, Dialect dialect) {
    this.config = config;
    this.http = ProviderHttp.of(config, apiKey);
    this.dialect = dialect;
    this.lineMiddle = ascii(dialect.lineMiddle());
    this.lineTail = ascii(dialect.lineTail());
    this.separator = ascii(dialect.separator());
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public final byte[] body(ChatRequest request) throws IOException {
    return http.chatBody(request);
  }

  @Override
  public final int maxRequests() {
    return dialect.maxRequests();
  }

  @Override
  public final long maxBytes() {
    return dialect.maxBytes();
  }

  /** Exact, separator included: the body is copied as it is, never re-serialized. */
  @Override
  public final long encodedSize(BatchLine line) {
    return (long) LINE_HEAD.length
        + line.customId().length()
        + lineMiddle.length
        + line.body().length
        + lineTail.length
        + separator.length;
  }

  /**
   * The lines framed by the dialect between {@code head} and {@code tail}, streamed from the lines'
   * own bytes with its exact length.
   */
  final RequestBody framed(MediaType type, byte[] head, byte[] tail, List<BatchLine> lines) {
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one line");
    }
    long size = head.length + tail.length - separator.length;
    for (BatchLine line : lines) {
      size += encodedSize(line);
    }
    final long length = size;
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return type;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(head);
        boolean first = true;
        for (BatchLine line : lines) {
          if (!first) {
            sink.write(separator);
          }
          first = false;
          sink.write(LINE_HEAD)
              .writeUtf8(line.customId())
              .write(lineMiddle)
              .write(line.body())
              .write(lineTail);
        }
        sink.write(tail);
      }
    };
  }

  /**
   * The {@code "id"} of a created object (a file, a batch); {@code what} names the call in the
   * error.
   */
  static String idOf(JsonNode root, String what) throws IOException {
    JsonNode id = root.get("id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      throw badLine(what, 1, "has no \"id\"");
    }
    return id.textValue();
  }

  @Override
  public final BatchStatus status(String batchId) throws IOException {
    return dialect.statusParser().apply(batch(batchId));
  }

  /** The batch object, one GET. */
  final JsonNode batch(String batchId) throws IOException {
    return json(
        "status of batch " + batchId,
        "GET",
        http.url(dialect.batchesPath() + "/" + pathId("batchId", batchId)),
        null);
  }

  /**
   * The batch object of a batch that has results to read; else an {@link IllegalStateException}
   * naming its state.
   */
  final JsonNode endedBatch(String batchId) throws IOException {
    JsonNode root = batch(batchId);
    BatchStatus status = dialect.statusParser().apply(root);
    if (!status.state().hasResults()) {
      throw new IllegalStateException(
          "batch "
              + batchId
              + " has no results to read: it is "
              + status.state()
              + (status.error() == null ? "" : " (" + status.error() + ")"));
    }
    return root;
  }

  @Override
  public final void cancel(String batchId) throws IOException {
    json(
        "cancelling batch " + batchId,
        "POST",
        http.url(dialect.batchesPath() + "/" + pathId("batchId", batchId) + "/cancel"),
        RequestBody.create(new byte[0], JSON));
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
      throw new BatchApiException(
          what,
          new LlmException(
              ErrorCategory.BAD_RESPONSE,
              response.code(),
              -1,
              "the answer to "
                  + method
                  + " "
                  + url
                  + " is not a JSON object; body starts: "
                  + http.redact(head).replaceAll("\\s+", " ")));
    }
  }

  /**
   * The open 2xx response of one request (the caller closes it), else a {@link BatchApiException}.
   * A GET whose connection broke before any answer is sent once more: polls are minutes apart, and
   * a pooled keep-alive connection the server closed meanwhile fails the next GET that way (OkHttp
   * checks a GET's connection less than a POST's). A GET buys nothing; a POST is never repeated.
   */
  final Response send(String what, String method, String url, RequestBody body)
      throws BatchApiException {
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
   * Streams a JSONL results file to {@code sink}, one line at a time (blank lines skipped): memory
   * is one line, whatever the file's size. Each line must be a JSON object with a {@code
   * custom_id}; the dialect reads the rest ({@link #outcome}).
   */
  final void streamResults(String what, String url, Consumer<BatchOutcome> sink)
      throws IOException {
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
          throw new BatchApiException(
              what + " (after line " + number + ")", http.transportError(e, "GET " + url));
        }
        if (text == null) {
          return;
        }
        number++;
        if (!text.isBlank()) {
          sink.accept(resultLine(what, number, text));
        }
      }
    }
  }

  private BatchOutcome resultLine(String what, long number, String text) throws IOException {
    JsonNode line;
    try {
      line = MAPPER.readTree(text);
    } catch (IOException e) {
      throw badLine(what, number, "is not JSON");
    }
    JsonNode id = line == null ? null : line.get("custom_id");
    if (id == null || !id.isTextual()) {
      throw badLine(what, number, "has no custom_id");
    }
    return outcome(what, number, id.textValue(), line);
  }

  /**
   * The outcome of results line {@code number}, a JSON object whose custom_id is {@code customId}.
   */
  abstract BatchOutcome outcome(String what, long number, String customId, JsonNode line)
      throws IOException;

  /**
   * A result line that is not what the provider documents: named by its number, never dropped
   * silently.
   */
  static IOException badLine(String what, long number, String why) {
    return new BatchApiException(
        what,
        new LlmException(
            ErrorCategory.BAD_RESPONSE, 200, -1, "results line " + number + " " + why));
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
      return new BatchOutcome(
          customId,
          null,
          ErrorCategory.TOO_LARGE_ANSWER.label(),
          "the answer of "
              + config.name()
              + " is larger than max_answer_bytes "
              + max
              + " ("
              + body.length
              + " bytes); it is not stored");
    }
    try {
      ChatResponse response = http.parseAnswer(body);
      return new BatchOutcome(customId, response, null, null);
    } catch (LlmException e) {
      return new BatchOutcome(customId, e.answer(), e.category().label(), e.getMessage());
    }
  }

  /**
   * The outcome of a line whose own request failed with an HTTP status: the synchronous category.
   */
  final BatchOutcome failed(String customId, int status, JsonNode body) {
    LlmException e =
        http.errorOf(status, body == null ? "" : body.toString(), "batch line " + customId);
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

  /**
   * The id as it may go into a URL path: provider ids are [A-Za-z0-9_-]; anything else is refused.
   */
  static String pathId(String kind, String id) {
    if (id == null || !id.matches("[A-Za-z0-9_\\-]{1,200}")) {
      throw new IllegalArgumentException(
          kind
              + " must be a provider id of [A-Za-z0-9_-], was \""
              + (id == null ? "null" : id.length() > 80 ? id.substring(0, 80) + "..." : id)
              + "\"");
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
