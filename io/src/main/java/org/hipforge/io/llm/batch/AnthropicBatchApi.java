package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.hipforge.io.llm.ProviderConfig;

/**
 * Anthropic's Message Batches: {@code POST /v1/messages/batches} (requests inline), {@code GET
 * /v1/messages/batches/{id}}, its {@code results_url} ({@code .../results}, JSONL), {@code POST
 * /v1/messages/batches/{id}/cancel}.
 */
final class AnthropicBatchApi extends HttpBatchApi {
  /** Anthropic's documented limits of one Message Batch. */
  private static final int MAX_REQUESTS = 100_000;
  private static final long MAX_BYTES = 256L * 1024 * 1024;
  private static final byte[] HEAD = "{\"requests\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LINE_HEAD = "{\"custom_id\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LINE_MIDDLE = "\",\"params\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LINE_TAIL = "}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TAIL = "]}".getBytes(StandardCharsets.US_ASCII);

  AnthropicBatchApi(ProviderConfig config, String apiKey) {
    super(config, apiKey);
  }

  @Override
  public int maxRequests() {
    return MAX_REQUESTS;
  }

  @Override
  public long maxBytes() {
    return MAX_BYTES;
  }

  /** Exact, separator included: {@code {"custom_id":"…","params":<body>},} (plus 15 bytes per batch). */
  @Override
  public long encodedSize(BatchLine line) {
    return (long) LINE_HEAD.length + line.customId().length() + LINE_MIDDLE.length + line.body().length
        + LINE_TAIL.length + 1;
  }

  /** Nothing to upload: the requests go inline at {@link #create}. */
  @Override
  public String uploadInput(List<BatchLine> lines) {
    return null;
  }

  /** {@code {"requests":[{"custom_id", "params": <the synchronous body, as it is>}, ...]}}, streamed. */
  @Override
  public String create(String inputFileId, List<BatchLine> lines) throws IOException {
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one line");
    }
    long size = HEAD.length + TAIL.length - 1;
    for (BatchLine line : lines) {
      size += encodedSize(line);
    }
    final long length = size;
    RequestBody body = new RequestBody() {
      @Override
      public MediaType contentType() {
        return JSON;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(HEAD);
        boolean first = true;
        for (BatchLine line : lines) {
          if (!first) {
            sink.writeByte(',');
          }
          first = false;
          sink.write(LINE_HEAD).writeUtf8(line.customId()).write(LINE_MIDDLE).write(line.body()).write(LINE_TAIL);
        }
        sink.write(TAIL);
      }
    };
    String what = "creating a message batch of " + lines.size() + " requests";
    JsonNode root = json(what, "POST", http.url("/messages/batches"), body);
    JsonNode id = root.get("id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      throw badLine(what, 1, "has no \"id\"");
    }
    return id.textValue();
  }

  @Override
  public BatchStatus status(String batchId) throws IOException {
    return parseStatus(batch(batchId));
  }

  private JsonNode batch(String batchId) throws IOException {
    return json("status of batch " + batchId, "GET", http.url("/messages/batches/" + pathId("batchId", batchId)),
        null);
  }

  /**
   * {@code in_progress}, {@code canceling}, and {@code ended}: {@link BatchStatus.State#CANCELLED}
   * when a cancel was asked, {@link BatchStatus.State#EXPIRED} when requests expired, else {@link
   * BatchStatus.State#ENDED}.
   */
  static BatchStatus parseStatus(JsonNode root) {
    String status = root.path("processing_status").asText("");
    JsonNode counts = root.path("request_counts");
    int processing = count(counts, "processing");
    int succeeded = count(counts, "succeeded");
    int errored = count(counts, "errored");
    int canceled = count(counts, "canceled");
    int expired = count(counts, "expired");
    BatchStatus.State state;
    switch (status) {
      case "in_progress":
        state = BatchStatus.State.IN_PROGRESS;
        break;
      case "canceling":
        state = BatchStatus.State.CANCELLING;
        break;
      case "ended":
        state = root.hasNonNull("cancel_initiated_at") ? BatchStatus.State.CANCELLED
            : expired > 0 ? BatchStatus.State.EXPIRED : BatchStatus.State.ENDED;
        break;
      default:
        throw new IllegalStateException("batch " + root.path("id").asText("?") + " has an unknown "
            + "processing_status \"" + status + "\"");
    }
    return new BatchStatus(root.path("id").asText(""), state, processing + succeeded + errored + canceled + expired,
        succeeded, errored, canceled + expired, rfc3339(root.get("created_at")), rfc3339(root.get("ended_at")), null);
  }

  /**
   * The results of an ended batch. {@code results_url} is used only when it has the origin of
   * {@code base_url} (the key goes with the request); otherwise the documented path under
   * {@code base_url} is read.
   */
  @Override
  void results(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    JsonNode root = batch(batchId);
    BatchStatus status = parseStatus(root);
    if (!status.state().hasResults()) {
      throw new IllegalStateException("batch " + batchId + " has no results to read: it is " + status.state());
    }
    String url = http.url("/messages/batches/" + batchId + "/results");
    JsonNode given = root.get("results_url");
    if (given != null && given.isTextual() && sameOrigin(given.textValue(), url)) {
      url = given.textValue();
    }
    String what = "reading the results of batch " + batchId;
    lines(what, url, (number, text) -> sink.accept(outcome(what, number, text)));
  }

  private static boolean sameOrigin(String a, String b) {
    try {
      URI x = URI.create(a);
      URI y = URI.create(b);
      return x.getScheme() != null && x.getScheme().equalsIgnoreCase(y.getScheme())
          && x.getHost() != null && x.getHost().equalsIgnoreCase(y.getHost()) && port(x) == port(y);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** {@code {custom_id, result: {type: succeeded|errored|canceled|expired, message | error}}}. */
  private BatchOutcome outcome(String what, long number, String text) throws IOException {
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
    String customId = id.textValue();
    JsonNode result = line.path("result");
    String type = result.path("type").asText("");
    switch (type) {
      case "succeeded":
        return answered(customId, result.path("message"));
      case "errored":
        return errored(customId, result.path("error"));
      case "canceled":
        return new BatchOutcome(customId, null, BatchOutcome.CANCELED, "the batch was cancelled before this request ran");
      case "expired":
        return new BatchOutcome(customId, null, BatchOutcome.EXPIRED, "the batch expired before this request ran");
      default:
        throw badLine(what, number, "has an unknown result type \"" + type + "\"");
    }
  }

  /**
   * An errored request: its error is an error body ({@code {type: error, error: {type, message}}},
   * or the bare {@code {type, message}} of older answers), categorised as that HTTP error would be.
   */
  private BatchOutcome errored(String customId, JsonNode error) {
    JsonNode inner = error.has("error") ? error.get("error") : error;
    ObjectNode body = MAPPER.createObjectNode();
    body.put("type", "error");
    body.set("error", inner);
    String type = inner.path("type").asText("");
    return failed(customId, statusOf(type), body);
  }

  /** The HTTP status Anthropic gives each error type. */
  static int statusOf(String type) {
    switch (type) {
      case "invalid_request_error":
        return 400;
      case "authentication_error":
        return 401;
      case "billing_error":
        return 402;
      case "permission_error":
        return 403;
      case "not_found_error":
        return 404;
      case "request_too_large":
        return 413;
      case "rate_limit_error":
        return 429;
      case "timeout_error":
        return 504;
      case "overloaded_error":
        return 529;
      default:
        return 500;
    }
  }

  @Override
  public void cancel(String batchId) throws IOException {
    json("cancelling batch " + batchId, "POST",
        http.url("/messages/batches/" + pathId("batchId", batchId) + "/cancel"), RequestBody.create(new byte[0], JSON));
  }
}
