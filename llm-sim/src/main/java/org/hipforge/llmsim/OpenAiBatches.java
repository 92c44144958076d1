package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hipforge.llmsim.BatchStore.Batch;
import org.hipforge.llmsim.BatchStore.InputFile;
import org.hipforge.llmsim.BatchStore.Line;
import org.hipforge.llmsim.BatchStore.Outcome;

/**
 * OpenAI's Batch API over a {@link BatchStore}: files (upload, object, content) and batches
 * (create, status, cancel). A batch whose input is invalid (a line that is not JSON, a duplicate
 * custom_id, a url other than the batch's endpoint, more than 50,000 lines) is created {@code
 * failed} with its {@code errors}, as OpenAI does. Answered lines go to the output file, the rest
 * (errors, expired, cancelled) to the error file.
 */
final class OpenAiBatches {
  static final String ENDPOINT = "/v1/chat/completions";
  private static final OpenAiWire WIRE = OpenAiWire.INSTANCE;
  private static final int MAX_LINES = 50_000;
  private static final long MAX_FILE_BYTES = 200L * 1000 * 1000;

  private final BatchStore store;
  private final RequestRecorder recorder;

  OpenAiBatches(BatchStore store, RequestRecorder recorder) {
    this.store = store;
    this.recorder = recorder;
  }

  Reply upload(String contentType, byte[] body) {
    Multipart form;
    try {
      form = Multipart.parse(contentType, body);
    } catch (IllegalArgumentException e) {
      return WIRE.badRequest(e.getMessage(), null);
    }
    String purpose = form.text("purpose");
    byte[] file = form.bytes("file");
    if (!"batch".equals(purpose)) {
      return WIRE.badRequest("'purpose' must be 'batch' here, got " + purpose, "purpose");
    }
    if (file == null) {
      return WIRE.badRequest("Missing required parameter: 'file'.", "file");
    }
    if (file.length > MAX_FILE_BYTES) {
      return WIRE.badRequest(
          "File is too large: " + file.length + " bytes > " + MAX_FILE_BYTES, "file");
    }
    List<Line> lines = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int start = 0;
    int number = 0;
    while (start < file.length) {
      int end = start;
      while (end < file.length && file[end] != '\n') {
        end++;
      }
      number++;
      byte[] text = Arrays.copyOfRange(file, start, end);
      start = end + 1;
      if (new String(text, StandardCharsets.UTF_8).isBlank()) {
        continue;
      }
      try {
        BatchRequestLine raw = BatchRequestLine.parse(text, "body");
        if (raw.customId == null) {
          errors.add("missing_custom_id: line " + number + " has no custom_id");
        } else if (!ids.add(raw.customId)) {
          errors.add("duplicate_custom_id: line " + number + " repeats custom_id " + raw.customId);
        } else if (!"POST".equals(raw.method)) {
          errors.add("invalid_method: line " + number + " method must be POST");
        } else if (!ENDPOINT.equals(raw.url)) {
          errors.add(
              "mismatched_endpoint: line " + number + " url " + raw.url + " is not " + ENDPOINT);
        } else if (raw.raw == null) {
          errors.add("missing_body: line " + number + " has no body");
        } else {
          lines.add(new Line(raw.customId, raw.raw));
        }
      } catch (IOException e) {
        errors.add("invalid_json_line: line " + number + " is not valid JSON");
      }
    }
    if (lines.size() + errors.size() > MAX_LINES) {
      errors.add(
          "too_many_requests: the file has "
              + (lines.size() + errors.size())
              + " requests > "
              + MAX_LINES);
    }
    InputFile f = store.addFile(file, lines, errors);
    return BatchEndpoints.json(200, fileNode(f.id(), f.raw().length, f.createdAtMillis(), "batch"));
  }

  private static ObjectNode fileNode(String id, long bytes, long createdMillis, String purpose) {
    ObjectNode n = WireFormat.MAPPER.createObjectNode();
    n.put("id", id);
    n.put("object", "file");
    n.put("bytes", bytes);
    n.put("created_at", createdMillis / 1000);
    n.put("filename", purpose.equals("batch") ? "batch.jsonl" : purpose + ".jsonl");
    n.put("purpose", purpose);
    return n;
  }

  Reply fileObject(String id) throws IOException {
    InputFile f = store.file(id);
    if (f != null) {
      return BatchEndpoints.json(
          200, fileNode(f.id(), f.raw().length, f.createdAtMillis(), "batch"));
    }
    byte[] content = outputFile(id);
    if (content == null) {
      return WIRE.noSuchObject("No such File object: " + id);
    }
    return BatchEndpoints.json(200, fileNode(id, content.length, store.now(), "batch_output"));
  }

  Reply fileContent(String id) throws IOException {
    InputFile f = store.file(id);
    byte[] content = f != null ? f.raw() : outputFile(id);
    if (content == null) {
      return WIRE.noSuchObject("No such File object: " + id);
    }
    // JDK's server switches to chunked encoding for a length of 0; a space is an empty JSONL.
    return new Reply(
        200, "application/octet-stream", content.length == 0 ? new byte[] {'\n'} : content, 0);
  }

  /**
   * The output ({@code file-out-<batch>}) or error ({@code file-err-<batch>}) file of an ended
   * batch.
   */
  private byte[] outputFile(String id) throws IOException {
    boolean errors = id.startsWith("file-err-");
    if (!errors && !id.startsWith("file-out-")) {
      return null;
    }
    Batch b = store.get(id.substring("file-out-".length()));
    if (b == null || !b.ended() || b.wire() != WIRE) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    synchronized (store) {
      for (Line l : b.lines()) {
        boolean answered = l.result.outcome() == Outcome.ANSWERED;
        if (answered == errors) {
          continue;
        }
        ObjectNode line = WireFormat.MAPPER.createObjectNode();
        line.put("id", "batch_req_" + WireFormat.randomId(24));
        line.put("custom_id", l.customId);
        switch (l.result.outcome()) {
          case ANSWERED:
          case ERRORED:
            {
              ObjectNode response = line.putObject("response");
              response.put("status_code", l.result.status());
              response.put("request_id", WireFormat.randomId(32).toLowerCase(Locale.ROOT));
              response.set("body", WireFormat.MAPPER.readTree(l.result.body()));
              line.putNull("error");
              break;
            }
          case EXPIRED:
            line.putNull("response");
            line.putObject("error")
                .put("code", "batch_expired")
                .put(
                    "message",
                    "This request could not be executed before the completion window expired.");
            break;
          default:
            line.putNull("response");
            line.putObject("error")
                .put("code", "batch_cancelled")
                .put("message", "This request was not executed because the batch was cancelled.");
        }
        out.write(WireFormat.bytes(line));
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  Reply create(byte[] body, String presentedKey) {
    JsonNode root;
    try {
      root = WireFormat.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return WIRE.badRequest("We could not parse the JSON body of your request.", null);
    }
    String fileId = root.path("input_file_id").asText("");
    String endpoint = root.path("endpoint").asText("");
    String window = root.path("completion_window").asText("");
    if (!ENDPOINT.equals(endpoint)) {
      return WIRE.badRequest(
          "Invalid 'endpoint': this simulator batches only " + ENDPOINT, "endpoint");
    }
    if (!"24h".equals(window)) {
      return WIRE.badRequest(
          "Invalid 'completion_window': expected '24h', got '" + window + "'", "completion_window");
    }
    InputFile f = store.file(fileId);
    if (f == null) {
      return WIRE.noSuchObject("No such File object: " + fileId);
    }
    List<String> errors = new ArrayList<>(f.errors());
    if (errors.isEmpty() && f.lines().isEmpty()) {
      errors.add("empty_file: the input file has no requests");
    }
    Batch b = store.create("batch_", WIRE, fileId, f.lines(), presentedKey, errors);
    recorder.batchCreated(f.lines().size());
    return BatchEndpoints.json(200, openAiNode(b));
  }

  Reply batch(Batch b, String id) {
    if (b == null || b.wire() != WIRE) {
      return WIRE.noSuchObject("No batch found with id '" + id + "'.");
    }
    synchronized (store) {
      return BatchEndpoints.json(200, openAiNode(b));
    }
  }

  private ObjectNode openAiNode(Batch b) {
    ObjectNode n = WireFormat.MAPPER.createObjectNode();
    n.put("id", b.id());
    n.put("object", "batch");
    n.put("endpoint", ENDPOINT);
    if (b.failed()) {
      ObjectNode errors = n.putObject("errors");
      errors.put("object", "list");
      ArrayNode data = errors.putArray("data");
      for (String e : b.errors()) {
        int colon = e.indexOf(": ");
        data.addObject()
            .put("code", e.substring(0, colon))
            .put("message", e.substring(colon + 2))
            .putNull("param")
            .putNull("line");
      }
    } else {
      n.putNull("errors");
    }
    n.put("input_file_id", b.inputFileId());
    n.put("completion_window", "24h");
    boolean cancelled = b.progress().cancelAt >= 0;
    int expired = b.count(Outcome.EXPIRED);
    String status =
        b.failed()
            ? "failed"
            : !b.ended()
                ? (cancelled ? "cancelling" : "in_progress")
                : cancelled ? "cancelled" : expired > 0 ? "expired" : "completed";
    n.put("status", status);
    boolean hasOut = b.ended() && !b.failed() && b.count(Outcome.ANSWERED) > 0;
    boolean hasErr = b.ended() && !b.failed() && b.count(Outcome.ANSWERED) < b.lines().size();
    BatchEndpoints.putOrNull(n, "output_file_id", hasOut ? "file-out-" + b.id() : null);
    BatchEndpoints.putOrNull(n, "error_file_id", hasErr ? "file-err-" + b.id() : null);
    n.put("created_at", b.createdAt() / 1000);
    seconds(n, "in_progress_at", b.failed() ? -1 : b.createdAt());
    n.put("expires_at", b.createdAt() / 1000 + BatchEndpoints.DAY_SECONDS);
    seconds(n, "finalizing_at", b.ended() && !b.failed() ? b.progress().endedAt : -1);
    seconds(n, "completed_at", status.equals("completed") ? b.progress().endedAt : -1);
    seconds(n, "failed_at", b.failed() ? b.progress().endedAt : -1);
    seconds(n, "expired_at", status.equals("expired") ? b.progress().endedAt : -1);
    seconds(n, "cancelling_at", b.progress().cancelAt);
    seconds(n, "cancelled_at", status.equals("cancelled") ? b.progress().endedAt : -1);
    ObjectNode counts = n.putObject("request_counts");
    counts.put("total", b.failed() ? 0 : b.lines().size());
    counts.put("completed", b.count(Outcome.ANSWERED));
    counts.put("failed", b.count(Outcome.ERRORED));
    n.putNull("metadata");
    return n;
  }

  private static void seconds(ObjectNode n, String field, long millis) {
    if (millis < 0) {
      n.putNull(field);
    } else {
      n.put(field, millis / 1000);
    }
  }
}
