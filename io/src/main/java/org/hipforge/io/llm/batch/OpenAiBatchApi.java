package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.hipforge.io.llm.ProviderConfig;

/**
 * OpenAI's Batch API: {@code POST /v1/files} (a JSONL input file, {@code purpose=batch}), {@code
 * POST /v1/batches}, {@code GET /v1/batches/{id}}, {@code GET /v1/files/{id}/content} (output and
 * error files), {@code POST /v1/batches/{id}/cancel}.
 */
final class OpenAiBatchApi extends HttpBatchApi {
  /** The path every line asks for; the batch's endpoint must be the same. */
  static final String ENDPOINT = "/v1/chat/completions";
  /** OpenAI's documented limits of one batch input file. */
  private static final int MAX_REQUESTS = 50_000;
  private static final long MAX_BYTES = 200L * 1000 * 1000;
  private static final MediaType JSONL = MediaType.get("application/jsonl");
  private static final byte[] LINE_HEAD = "{\"custom_id\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LINE_MIDDLE = ("\",\"method\":\"POST\",\"url\":\"" + ENDPOINT + "\",\"body\":")
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LINE_TAIL = "}\n".getBytes(StandardCharsets.US_ASCII);

  OpenAiBatchApi(ProviderConfig config, String apiKey) {
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

  /** Exact: a custom_id needs no JSON escaping ({@link BatchLine}), and the body is copied as it is. */
  @Override
  public long encodedSize(BatchLine line) {
    return (long) LINE_HEAD.length + line.customId().length() + LINE_MIDDLE.length + line.body().length
        + LINE_TAIL.length;
  }

  /**
   * The JSONL file, streamed line by line from the lines' own bytes (each body is copied as it is,
   * never re-serialized), uploaded as {@code batch.jsonl} with {@code purpose=batch}.
   */
  @Override
  public String uploadInput(List<BatchLine> lines) throws IOException {
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one line");
    }
    long size = 0;
    for (BatchLine line : lines) {
      size += encodedSize(line);
    }
    final long length = size;
    RequestBody file = new RequestBody() {
      @Override
      public MediaType contentType() {
        return JSONL;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        for (BatchLine line : lines) {
          sink.write(LINE_HEAD).writeUtf8(line.customId()).write(LINE_MIDDLE).write(line.body()).write(LINE_TAIL);
        }
      }
    };
    RequestBody multipart = new MultipartBody.Builder()
        .setType(MultipartBody.FORM)
        .addFormDataPart("purpose", "batch")
        .addFormDataPart("file", "batch.jsonl", file)
        .build();
    String url = http.url("/files");
    JsonNode root = json("upload of " + lines.size() + " batch lines", "POST", url, multipart);
    return id(root, "upload of " + lines.size() + " batch lines");
  }

  @Override
  public String create(String inputFileId, List<BatchLine> lines) throws IOException {
    pathId("inputFileId", inputFileId);
    ObjectNode body = MAPPER.createObjectNode();
    body.put("input_file_id", inputFileId);
    body.put("endpoint", ENDPOINT);
    body.put("completion_window", "24h");
    JsonNode root = json("creating the batch of file " + inputFileId, "POST", http.url("/batches"),
        RequestBody.create(MAPPER.writeValueAsBytes(body), JSON));
    return id(root, "creating the batch of file " + inputFileId);
  }

  private String id(JsonNode root, String what) throws IOException {
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
    return json("status of batch " + batchId, "GET", http.url("/batches/" + pathId("batchId", batchId)), null);
  }

  static BatchStatus parseStatus(JsonNode root) {
    String status = root.path("status").asText("");
    BatchStatus.State state;
    switch (status) {
      case "validating":
        state = BatchStatus.State.VALIDATING;
        break;
      case "in_progress":
        state = BatchStatus.State.IN_PROGRESS;
        break;
      case "finalizing":
        state = BatchStatus.State.FINALIZING;
        break;
      case "completed":
        state = BatchStatus.State.ENDED;
        break;
      case "failed":
        state = BatchStatus.State.FAILED;
        break;
      case "expired":
        state = BatchStatus.State.EXPIRED;
        break;
      case "cancelling":
        state = BatchStatus.State.CANCELLING;
        break;
      case "cancelled":
        state = BatchStatus.State.CANCELLED;
        break;
      default:
        throw new IllegalStateException("batch " + root.path("id").asText("?") + " has an unknown status \""
            + status + "\"");
    }
    JsonNode counts = root.path("request_counts");
    int total = count(counts, "total");
    int completed = count(counts, "completed");
    int failed = count(counts, "failed");
    // OpenAI counts only completed and failed; the rest of an expired or cancelled batch never ran.
    int notRun = state == BatchStatus.State.EXPIRED || state == BatchStatus.State.CANCELLED
        ? Math.max(0, total - completed - failed) : 0;
    java.time.Instant ended = null;
    for (String field : new String[] {"completed_at", "failed_at", "expired_at", "cancelled_at"}) {
      if (ended == null && state.terminal()) {
        ended = epochSeconds(root.get(field));
      }
    }
    String error = null;
    JsonNode errors = root.path("errors").path("data");
    if (errors.isArray() && !errors.isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode e : errors) {
        if (b.length() > 0) {
          b.append("; ");
        }
        b.append(e.path("code").asText("error")).append(": ").append(e.path("message").asText(""));
        if (e.hasNonNull("line")) {
          b.append(" (line ").append(e.get("line").asText()).append(')');
        }
        if (b.length() > 1000) {
          break;
        }
      }
      error = b.toString();
    }
    return new BatchStatus(root.path("id").asText(""), state, total, completed, failed, notRun,
        epochSeconds(root.get("created_at")), ended, error);
  }

  /** The output file (answered lines, 200 or not), then the error file (lines that failed or never ran). */
  @Override
  void results(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    JsonNode root = batch(batchId);
    BatchStatus status = parseStatus(root);
    if (!status.state().hasResults()) {
      throw new IllegalStateException("batch " + batchId + " has no results to read: it is "
          + status.state() + (status.error() == null ? "" : " (" + status.error() + ")"));
    }
    for (String field : new String[] {"output_file_id", "error_file_id"}) {
      JsonNode file = root.get(field);
      if (file == null || !file.isTextual() || file.textValue().isEmpty()) {
        continue;
      }
      String what = "reading " + field.replace("_id", "") + " " + file.textValue() + " of batch " + batchId;
      lines(what, http.url("/files/" + pathId(field, file.textValue()) + "/content"),
          (number, text) -> sink.accept(outcome(what, number, text)));
    }
  }

  /**
   * One output or error file line: {@code {custom_id, response: {status_code, body}, error}}. A
   * 200 goes to the synchronous parser; another status gets the synchronous error category; an
   * {@code error} without a response is {@code expired} ({@code batch_expired}), {@code canceled}
   * ({@code batch_cancelled}) or the provider's code.
   */
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
    JsonNode response = line.get("response");
    if (response != null && response.isObject()) {
      int status = response.path("status_code").asInt(0);
      JsonNode body = response.get("body");
      if (status == 200) {
        return answered(customId, body == null ? MAPPER.nullNode() : body);
      }
      if (status != 0) {
        return failed(customId, status, body);
      }
    }
    JsonNode error = line.path("error");
    String code = error.path("code").asText("");
    String message = http.redact(error.path("message").asText(code));
    switch (code) {
      case "batch_expired":
        return new BatchOutcome(customId, null, BatchOutcome.EXPIRED, message);
      case "batch_cancelled":
        return new BatchOutcome(customId, null, BatchOutcome.CANCELED, message);
      default:
        return new BatchOutcome(customId, null, org.hipforge.io.llm.ErrorCategory.SERVER_ERROR.label(),
            (code.isEmpty() ? "" : code + ": ") + message);
    }
  }

  @Override
  public void cancel(String batchId) throws IOException {
    json("cancelling batch " + batchId, "POST", http.url("/batches/" + pathId("batchId", batchId) + "/cancel"),
        RequestBody.create(new byte[0], JSON));
  }
}
