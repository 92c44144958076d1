package org.hipforge.io.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.ProviderConfig;

/**
 * OpenAI's Batch API: {@code POST /v1/files} (a JSONL input file, {@code purpose=batch}), {@code
 * POST /v1/batches}, {@code GET /v1/batches/{id}}, {@code GET /v1/files/{id}/content} (output and
 * error files), {@code POST /v1/batches/{id}/cancel}.
 */
final class OpenAiBatchApi extends HttpBatchApi {
  /** The path every line asks for; the batch's endpoint must be the same. */
  static final String ENDPOINT = "/v1/chat/completions";

  /** OpenAI's documented limits of one batch input file: 50,000 requests, 200 MB. */
  private static final Dialect DIALECT =
      new Dialect(
          50_000,
          200L * 1000 * 1000,
          "/batches",
          "\",\"method\":\"POST\",\"url\":\"" + ENDPOINT + "\",\"body\":",
          "}\n",
          "",
          OpenAiBatchApi::parseStatus);

  private static final MediaType JSONL = MediaType.get("application/jsonl");
  private static final byte[] NOTHING = new byte[0];

  OpenAiBatchApi(ProviderConfig config, String apiKey) {
    super(config, apiKey, DIALECT);
  }

  /**
   * The JSONL file, streamed line by line from the lines' own bytes (each body is copied as it is,
   * never re-serialized), uploaded as {@code batch.jsonl} with {@code purpose=batch}.
   */
  @Override
  public String uploadInput(List<BatchLine> lines) throws IOException {
    RequestBody multipart =
        new MultipartBody.Builder()
            .setType(MultipartBody.FORM)
            .addFormDataPart("purpose", "batch")
            .addFormDataPart("file", "batch.jsonl", framed(JSONL, NOTHING, NOTHING, lines))
            .build();
    String what = "upload of " + lines.size() + " batch lines";
    return idOf(json(what, "POST", http.url("/files"), multipart), what);
  }

  @Override
  public String create(String inputFileId, List<BatchLine> lines) throws IOException {
    pathId("inputFileId", inputFileId);
    ObjectNode body = MAPPER.createObjectNode();
    body.put("input_file_id", inputFileId);
    body.put("endpoint", ENDPOINT);
    body.put("completion_window", "24h");
    String what = "creating the batch of file " + inputFileId;
    return idOf(
        json(
            what,
            "POST",
            http.url("/batches"),
            RequestBody.create(MAPPER.writeValueAsBytes(body), JSON)),
        what);
  }

  static BatchStatus parseStatus(JsonNode root) {
    String status = root.path("status").asText("");
    BatchStatus.State state =
        switch (status) {
          case "validating" -> BatchStatus.State.VALIDATING;
          case "in_progress" -> BatchStatus.State.IN_PROGRESS;
          case "finalizing" -> BatchStatus.State.FINALIZING;
          case "completed" -> BatchStatus.State.ENDED;
          case "failed" -> BatchStatus.State.FAILED;
          case "expired" -> BatchStatus.State.EXPIRED;
          case "cancelling" -> BatchStatus.State.CANCELLING;
          case "cancelled" -> BatchStatus.State.CANCELLED;
          default ->
              throw new IllegalStateException(
                  "batch "
                      + root.path("id").asText("?")
                      + " has an unknown status \""
                      + status
                      + "\"");
        };
    JsonNode counts = root.path("request_counts");
    int total = count(counts, "total");
    int completed = count(counts, "completed");
    int failed = count(counts, "failed");
    // OpenAI counts only completed and failed; the rest of an expired or cancelled batch never ran.
    int notRun =
        state == BatchStatus.State.EXPIRED || state == BatchStatus.State.CANCELLED
            ? Math.max(0, total - completed - failed)
            : 0;
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
    return new BatchStatus(
        root.path("id").asText(""),
        state,
        total,
        completed,
        failed,
        notRun,
        epochSeconds(root.get("created_at")),
        ended,
        error);
  }

  /**
   * The output file (answered lines, 200 or not), then the error file (lines that failed or never
   * ran).
   */
  @Override
  void results(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    JsonNode root = endedBatch(batchId);
    for (String field : new String[] {"output_file_id", "error_file_id"}) {
      JsonNode file = root.get(field);
      if (file == null || !file.isTextual() || file.textValue().isEmpty()) {
        continue;
      }
      String what =
          "reading " + field.replace("_id", "") + " " + file.textValue() + " of batch " + batchId;
      streamResults(what, http.url("/files/" + pathId(field, file.textValue()) + "/content"), sink);
    }
  }

  /**
   * One output or error file line: {@code {custom_id, response: {status_code, body}, error}}. A 200
   * goes to the synchronous parser; another status gets the synchronous error category; an {@code
   * error} without a response is {@code expired} ({@code batch_expired}), {@code canceled} ({@code
   * batch_cancelled}) or the provider's code.
   */
  @Override
  BatchOutcome outcome(String what, long number, String customId, JsonNode line) {
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
        return new BatchOutcome(
            customId,
            null,
            ErrorCategory.SERVER_ERROR.label(),
            (code.isEmpty() ? "" : code + ": ") + message);
    }
  }
}
