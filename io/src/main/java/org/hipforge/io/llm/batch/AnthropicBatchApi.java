package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.RequestBody;
import org.hipforge.io.llm.ProviderConfig;

/**
 * Anthropic's Message Batches: {@code POST /v1/messages/batches} (requests inline), {@code GET
 * /v1/messages/batches/{id}}, its {@code results_url} ({@code .../results}, JSONL), {@code POST
 * /v1/messages/batches/{id}/cancel}.
 */
final class AnthropicBatchApi extends HttpBatchApi {
  /** Anthropic's documented limits of one Message Batch: 100,000 requests, 256 MB. */
  private static final Dialect DIALECT =
      new Dialect(
          100_000,
          256L * 1024 * 1024,
          "/messages/batches",
          "\",\"params\":",
          "}",
          ",",
          AnthropicBatchApi::parseStatus);

  private static final byte[] HEAD = ascii("{\"requests\":[");
  private static final byte[] TAIL = ascii("]}");

  AnthropicBatchApi(ProviderConfig config, String apiKey) {
    super(config, apiKey, DIALECT);
  }

  /** Nothing to upload: the requests go inline at {@link #create}. */
  @Override
  public String uploadInput(List<BatchLine> lines) {
    return null;
  }

  /**
   * {@code {"requests":[{"custom_id", "params": <the synchronous body, as it is>}, ...]}},
   * streamed.
   */
  @Override
  public String create(String inputFileId, List<BatchLine> lines) throws IOException {
    RequestBody body = framed(JSON, HEAD, TAIL, lines);
    String what = "creating a message batch of " + lines.size() + " requests";
    return idOf(json(what, "POST", http.url("/messages/batches"), body), what);
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
    BatchStatus.State state =
        switch (status) {
          case "in_progress" -> BatchStatus.State.IN_PROGRESS;
          case "canceling" -> BatchStatus.State.CANCELLING;
          case "ended" ->
              root.hasNonNull("cancel_initiated_at")
                  ? BatchStatus.State.CANCELLED
                  : expired > 0 ? BatchStatus.State.EXPIRED : BatchStatus.State.ENDED;
          default ->
              throw new IllegalStateException(
                  "batch "
                      + root.path("id").asText("?")
                      + " has an unknown "
                      + "processing_status \""
                      + status
                      + "\"");
        };
    return new BatchStatus(
        root.path("id").asText(""),
        state,
        processing + succeeded + errored + canceled + expired,
        succeeded,
        errored,
        canceled + expired,
        rfc3339(root.get("created_at")),
        rfc3339(root.get("ended_at")),
        null);
  }

  /**
   * The results of an ended batch. {@code results_url} is used only when it has the origin of
   * {@code base_url} (the key goes with the request); otherwise the documented path under {@code
   * base_url} is read.
   */
  @Override
  void results(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    JsonNode root = endedBatch(batchId);
    String url = http.url("/messages/batches/" + batchId + "/results");
    JsonNode given = root.get("results_url");
    if (given != null && given.isTextual() && sameOrigin(given.textValue(), url)) {
      url = given.textValue();
    }
    streamResults("reading the results of batch " + batchId, url, sink);
  }

  private static boolean sameOrigin(String a, String b) {
    try {
      URI x = URI.create(a);
      URI y = URI.create(b);
      return x.getScheme() != null
          && x.getScheme().equalsIgnoreCase(y.getScheme())
          && x.getHost() != null
          && x.getHost().equalsIgnoreCase(y.getHost())
          && port(x) == port(y);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** {@code {custom_id, result: {type: succeeded|errored|canceled|expired, message | error}}}. */
  @Override
  BatchOutcome outcome(String what, long number, String customId, JsonNode line)
      throws IOException {
    JsonNode result = line.path("result");
    String type = result.path("type").asText("");
    switch (type) {
      case "succeeded":
        return answered(customId, result.path("message"));
      case "errored":
        return errored(customId, result.path("error"));
      case "canceled":
        return new BatchOutcome(
            customId,
            null,
            BatchOutcome.CANCELED,
            "the batch was cancelled before this request ran");
      case "expired":
        return new BatchOutcome(
            customId, null, BatchOutcome.EXPIRED, "the batch expired before this request ran");
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
    return switch (type) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }
}
