package org.hipforge.llmsim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
import org.hipforge.llmsim.WireFormat.Reply;

/**
 * The Batch API endpoints of both wire formats over one {@link BatchStore}.
 *
 * <p>OpenAI: {@code POST /v1/files} (multipart, {@code purpose=batch}, a JSONL file), {@code GET
 * /v1/files/{id}}, {@code GET /v1/files/{id}/content} (input, output and error files), {@code
 * POST /v1/batches}, {@code GET /v1/batches/{id}}, {@code POST /v1/batches/{id}/cancel}. A batch
 * whose input is invalid (a line that is not JSON, a duplicate custom_id, a url other than the
 * batch's endpoint, more than 50,000 lines) is created {@code failed} with its {@code errors}, as
 * OpenAI does. Answered lines go to the output file, the rest (errors, expired, cancelled) to the
 * error file.
 *
 * <p>Anthropic: {@code POST /v1/messages/batches} ({@code requests} inline; a duplicate
 * custom_id or more than 100,000 requests is a 400), {@code GET /v1/messages/batches/{id}},
 * {@code GET .../{id}/results} (JSONL, only once ended), {@code POST .../{id}/cancel}.
 */
final class BatchEndpoints {
  static final String OPENAI_ENDPOINT = "/v1/chat/completions";
  private static final int OPENAI_MAX_LINES = 50_000;
  private static final long OPENAI_MAX_FILE_BYTES = 200L * 1000 * 1000;
  private static final int ANTHROPIC_MAX_REQUESTS = 100_000;
  private static final long DAY_SECONDS = 86_400;

  private final BatchStore store;
  private final RequestRecorder recorder;

  BatchEndpoints(BatchStore store, RequestRecorder recorder) {
    this.store = store;
    this.recorder = recorder;
  }

  /** True for a path this class serves. */
  static boolean handles(String path) {
    return path.equals("/v1/files") || path.startsWith("/v1/files/") || path.equals("/v1/batches")
        || path.startsWith("/v1/batches/") || path.equals("/v1/messages/batches")
        || path.startsWith("/v1/messages/batches/");
  }

  /** The wire format of a batch path. */
  static WireFormat wireOf(String path) {
    return path.startsWith("/v1/messages/") ? AnthropicWire.INSTANCE : OpenAiWire.INSTANCE;
  }

  /** The answer to one authenticated Batch API request. */
  Reply serve(String method, String path, String contentType, byte[] body, String presentedKey, String origin)
      throws IOException {
    String[] p = path.substring(1).split("/");
    // p: [v1, files] [v1, files, id] [v1, files, id, content] [v1, batches(, id(, cancel))]
    //    [v1, messages, batches(, id(, results|cancel))]
    if (p[1].equals("files")) {
      if (p.length == 2 && method.equals("POST")) {
        recorder.batchCall("upload");
        return upload(contentType, body);
      }
      if (p.length == 3 && method.equals("GET")) {
        recorder.batchCall("file");
        return fileObject(p[2]);
      }
      if (p.length == 4 && p[3].equals("content") && method.equals("GET")) {
        recorder.batchCall("results");
        return fileContent(p[2]);
      }
      return OpenAiWire.INSTANCE.notFound(method, path);
    }
    if (p[1].equals("batches")) {
      if (p.length == 2 && method.equals("POST")) {
        recorder.batchCall("create");
        return createOpenAi(body, presentedKey);
      }
      if (p.length == 3 && method.equals("GET")) {
        recorder.batchCall("status");
        return openAiBatch(store.get(p[2]), p[2]);
      }
      if (p.length == 4 && p[3].equals("cancel") && method.equals("POST")) {
        recorder.batchCall("cancel");
        return openAiBatch(store.cancel(p[2]), p[2]);
      }
      return OpenAiWire.INSTANCE.notFound(method, path);
    }
    AnthropicWire wire = AnthropicWire.INSTANCE;
    if (p.length == 3 && method.equals("POST")) {
      recorder.batchCall("create");
      return createAnthropic(body, presentedKey, origin);
    }
    if (p.length == 4 && method.equals("GET")) {
      recorder.batchCall("status");
      return anthropicBatch(store.get(p[3]), p[3], origin);
    }
    if (p.length == 5 && p[4].equals("results") && method.equals("GET")) {
      recorder.batchCall("results");
      return anthropicResults(store.get(p[3]), p[3]);
    }
    if (p.length == 5 && p[4].equals("cancel") && method.equals("POST")) {
      recorder.batchCall("cancel");
      return anthropicBatch(store.cancel(p[3]), p[3], origin);
    }
    return wire.notFound(method, path);
  }

  // ---------------------------------------------------------------- OpenAI

  private Reply upload(String contentType, byte[] body) {
    OpenAiWire wire = OpenAiWire.INSTANCE;
    Multipart form;
    try {
      form = Multipart.parse(contentType, body);
    } catch (IllegalArgumentException e) {
      return wire.badRequest(e.getMessage(), null);
    }
    String purpose = form.text("purpose");
    byte[] file = form.bytes("file");
    if (!"batch".equals(purpose)) {
      return wire.badRequest("'purpose' must be 'batch' here, got " + purpose, "purpose");
    }
    if (file == null) {
      return wire.badRequest("Missing required parameter: 'file'.", "file");
    }
    if (file.length > OPENAI_MAX_FILE_BYTES) {
      return wire.badRequest("File is too large: " + file.length + " bytes > " + OPENAI_MAX_FILE_BYTES, "file");
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
        RawLine raw = RawLine.parse(text, "body");
        if (raw.customId == null) {
          errors.add("missing_custom_id: line " + number + " has no custom_id");
        } else if (!ids.add(raw.customId)) {
          errors.add("duplicate_custom_id: line " + number + " repeats custom_id " + raw.customId);
        } else if (!"POST".equals(raw.method)) {
          errors.add("invalid_method: line " + number + " method must be POST");
        } else if (!OPENAI_ENDPOINT.equals(raw.url)) {
          errors.add("mismatched_endpoint: line " + number + " url " + raw.url + " is not " + OPENAI_ENDPOINT);
        } else if (raw.raw == null) {
          errors.add("missing_body: line " + number + " has no body");
        } else {
          lines.add(new Line(raw.customId, raw.raw));
        }
      } catch (IOException e) {
        errors.add("invalid_json_line: line " + number + " is not valid JSON");
      }
    }
    if (lines.size() + errors.size() > OPENAI_MAX_LINES) {
      errors.add("too_many_requests: the file has " + (lines.size() + errors.size()) + " requests > "
          + OPENAI_MAX_LINES);
    }
    InputFile f = store.addFile(file, lines, errors);
    return json(200, fileNode(f.id, f.raw.length, f.createdAtMillis, "batch"));
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

  private Reply fileObject(String id) throws IOException {
    InputFile f = store.file(id);
    if (f != null) {
      return json(200, fileNode(f.id, f.raw.length, f.createdAtMillis, "batch"));
    }
    byte[] content = outputFile(id);
    if (content == null) {
      return OpenAiWire.INSTANCE.noSuchObject("No such File object: " + id);
    }
    return json(200, fileNode(id, content.length, store.now(), "batch_output"));
  }

  private Reply fileContent(String id) throws IOException {
    InputFile f = store.file(id);
    byte[] content = f != null ? f.raw : outputFile(id);
    if (content == null) {
      return OpenAiWire.INSTANCE.noSuchObject("No such File object: " + id);
    }
    // JDK's server switches to chunked encoding for a length of 0; a space is an empty JSONL.
    return new Reply(200, "application/octet-stream", content.length == 0 ? new byte[] {'\n'} : content, 0);
  }

  /** The output ({@code file-out-<batch>}) or error ({@code file-err-<batch>}) file of an ended batch. */
  private byte[] outputFile(String id) throws IOException {
    boolean errors = id.startsWith("file-err-");
    if (!errors && !id.startsWith("file-out-")) {
      return null;
    }
    Batch b = store.get(id.substring("file-out-".length()));
    if (b == null || !b.ended() || b.wire != OpenAiWire.INSTANCE) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    synchronized (store) {
      for (Line l : b.lines) {
        boolean answered = l.result.outcome == Outcome.ANSWERED;
        if (answered == errors) {
          continue;
        }
        ObjectNode line = WireFormat.MAPPER.createObjectNode();
        line.put("id", "batch_req_" + WireFormat.randomId(24));
        line.put("custom_id", l.customId);
        switch (l.result.outcome) {
          case ANSWERED:
          case ERRORED: {
            ObjectNode response = line.putObject("response");
            response.put("status_code", l.result.status);
            response.put("request_id", WireFormat.randomId(32).toLowerCase(Locale.ROOT));
            response.set("body", WireFormat.MAPPER.readTree(l.result.body));
            line.putNull("error");
            break;
          }
          case EXPIRED:
            line.putNull("response");
            line.putObject("error").put("code", "batch_expired")
                .put("message", "This request could not be executed before the completion window expired.");
            break;
          default:
            line.putNull("response");
            line.putObject("error").put("code", "batch_cancelled")
                .put("message", "This request was not executed because the batch was cancelled.");
        }
        out.write(WireFormat.bytes(line));
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  private Reply createOpenAi(byte[] body, String presentedKey) {
    OpenAiWire wire = OpenAiWire.INSTANCE;
    JsonNode root;
    try {
      root = WireFormat.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return wire.badRequest("We could not parse the JSON body of your request.", null);
    }
    String fileId = root.path("input_file_id").asText("");
    String endpoint = root.path("endpoint").asText("");
    String window = root.path("completion_window").asText("");
    if (!OPENAI_ENDPOINT.equals(endpoint)) {
      return wire.badRequest("Invalid 'endpoint': this simulator batches only " + OPENAI_ENDPOINT, "endpoint");
    }
    if (!"24h".equals(window)) {
      return wire.badRequest("Invalid 'completion_window': expected '24h', got '" + window + "'", "completion_window");
    }
    InputFile f = store.file(fileId);
    if (f == null) {
      return wire.noSuchObject("No such File object: " + fileId);
    }
    List<String> errors = new ArrayList<>(f.errors);
    if (errors.isEmpty() && f.lines.isEmpty()) {
      errors.add("empty_file: the input file has no requests");
    }
    Batch b = store.create("batch_", wire, fileId, f.lines, presentedKey, errors);
    recorder.batchCreated(f.lines.size());
    return json(200, openAiNode(b));
  }

  private Reply openAiBatch(Batch b, String id) {
    if (b == null || b.wire != OpenAiWire.INSTANCE) {
      return OpenAiWire.INSTANCE.noSuchObject("No batch found with id '" + id + "'.");
    }
    synchronized (store) {
      return json(200, openAiNode(b));
    }
  }

  private ObjectNode openAiNode(Batch b) {
    ObjectNode n = WireFormat.MAPPER.createObjectNode();
    n.put("id", b.id);
    n.put("object", "batch");
    n.put("endpoint", OPENAI_ENDPOINT);
    if (b.failed()) {
      ObjectNode errors = n.putObject("errors");
      errors.put("object", "list");
      ArrayNode data = errors.putArray("data");
      for (String e : b.errors) {
        int colon = e.indexOf(": ");
        data.addObject().put("code", e.substring(0, colon)).put("message", e.substring(colon + 2)).putNull("param")
            .putNull("line");
      }
    } else {
      n.putNull("errors");
    }
    n.put("input_file_id", b.inputFileId);
    n.put("completion_window", "24h");
    boolean cancelled = b.cancelAt >= 0;
    int expired = b.count(Outcome.EXPIRED);
    String status = b.failed() ? "failed"
        : !b.ended() ? (cancelled ? "cancelling" : "in_progress")
        : cancelled ? "cancelled" : expired > 0 ? "expired" : "completed";
    n.put("status", status);
    boolean hasOut = b.ended() && !b.failed() && b.count(Outcome.ANSWERED) > 0;
    boolean hasErr = b.ended() && !b.failed() && b.count(Outcome.ANSWERED) < b.lines.size();
    putOrNull(n, "output_file_id", hasOut ? "file-out-" + b.id : null);
    putOrNull(n, "error_file_id", hasErr ? "file-err-" + b.id : null);
    n.put("created_at", b.createdAt / 1000);
    seconds(n, "in_progress_at", b.failed() ? -1 : b.createdAt);
    n.put("expires_at", b.createdAt / 1000 + DAY_SECONDS);
    seconds(n, "finalizing_at", b.ended() && !b.failed() ? b.endedAt : -1);
    seconds(n, "completed_at", status.equals("completed") ? b.endedAt : -1);
    seconds(n, "failed_at", b.failed() ? b.endedAt : -1);
    seconds(n, "expired_at", status.equals("expired") ? b.endedAt : -1);
    seconds(n, "cancelling_at", b.cancelAt);
    seconds(n, "cancelled_at", status.equals("cancelled") ? b.endedAt : -1);
    ObjectNode counts = n.putObject("request_counts");
    counts.put("total", b.failed() ? 0 : b.lines.size());
    counts.put("completed", b.count(Outcome.ANSWERED));
    counts.put("failed", b.count(Outcome.ERRORED));
    n.putNull("metadata");
    return n;
  }

  private static void putOrNull(ObjectNode n, String field, String value) {
    if (value == null) {
      n.putNull(field);
    } else {
      n.put(field, value);
    }
  }

  private static void seconds(ObjectNode n, String field, long millis) {
    if (millis < 0) {
      n.putNull(field);
    } else {
      n.put(field, millis / 1000);
    }
  }

  // ---------------------------------------------------------------- Anthropic

  private Reply createAnthropic(byte[] body, String presentedKey, String origin) {
    AnthropicWire wire = AnthropicWire.INSTANCE;
    List<Line> lines = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    try (JsonParser p = WireFormat.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return wire.badRequest("The request body is not valid JSON.", null);
      }
      boolean sawRequests = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken t = p.nextToken();
        if (!name.equals("requests")) {
          p.skipChildren();
          continue;
        }
        sawRequests = true;
        if (t != JsonToken.START_ARRAY) {
          return wire.badRequest("requests: Input should be a valid list", null);
        }
        int i = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
          RawLine raw = RawLine.read(p, body, "params");
          if (raw.customId == null || !raw.customId.matches("[A-Za-z0-9_-]{1,64}")) {
            return wire.badRequest("requests." + i + ".custom_id: String should match pattern "
                + "'^[a-zA-Z0-9_-]{1,64}$'", null);
          }
          if (!ids.add(raw.customId)) {
            return wire.badRequest("requests." + i + ": custom_id '" + raw.customId + "' is used more than once; "
                + "custom_id must be unique within a batch", null);
          }
          if (raw.raw == null) {
            return wire.badRequest("requests." + i + ".params: Field required", null);
          }
          lines.add(new Line(raw.customId, raw.raw));
          i++;
        }
      }
      if (!sawRequests || lines.isEmpty()) {
        return wire.badRequest("requests: List should have at least 1 item", null);
      }
    } catch (IOException e) {
      return wire.badRequest("The request body is not valid JSON.", null);
    }
    if (lines.size() > ANTHROPIC_MAX_REQUESTS) {
      return wire.badRequest("requests: a batch may hold at most " + ANTHROPIC_MAX_REQUESTS + " requests, got "
          + lines.size(), null);
    }
    Batch b = store.create("msgbatch_01", wire, null, lines, presentedKey, List.of());
    recorder.batchCreated(lines.size());
    synchronized (store) {
      return json(200, anthropicNode(b, origin));
    }
  }

  private Reply anthropicBatch(Batch b, String id, String origin) {
    if (b == null || b.wire != AnthropicWire.INSTANCE) {
      return AnthropicWire.INSTANCE.noSuchObject("batch " + id + " not found");
    }
    synchronized (store) {
      return json(200, anthropicNode(b, origin));
    }
  }

  private ObjectNode anthropicNode(Batch b, String origin) {
    ObjectNode n = WireFormat.MAPPER.createObjectNode();
    n.put("id", b.id);
    n.put("type", "message_batch");
    n.put("processing_status", b.ended() ? "ended" : b.cancelAt >= 0 ? "canceling" : "in_progress");
    ObjectNode counts = n.putObject("request_counts");
    counts.put("processing", b.processing());
    counts.put("succeeded", b.count(Outcome.ANSWERED));
    counts.put("errored", b.count(Outcome.ERRORED));
    counts.put("canceled", b.count(Outcome.CANCELED));
    counts.put("expired", b.count(Outcome.EXPIRED));
    rfc3339(n, "ended_at", b.endedAt);
    rfc3339(n, "created_at", b.createdAt);
    rfc3339(n, "expires_at", b.createdAt + DAY_SECONDS * 1000);
    n.putNull("archived_at");
    rfc3339(n, "cancel_initiated_at", b.cancelAt);
    putOrNull(n, "results_url", b.ended() ? origin + "/v1/messages/batches/" + b.id + "/results" : null);
    return n;
  }

  private static void rfc3339(ObjectNode n, String field, long millis) {
    if (millis < 0) {
      n.putNull(field);
    } else {
      n.put(field, Instant.ofEpochMilli(millis).toString());
    }
  }

  private Reply anthropicResults(Batch b, String id) throws IOException {
    AnthropicWire wire = AnthropicWire.INSTANCE;
    if (b == null || b.wire != wire) {
      return wire.noSuchObject("batch " + id + " not found");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    synchronized (store) {
      if (!b.ended()) {
        return wire.badRequest("Batch " + id + " is still processing; results are available once it has ended", null);
      }
      for (Line l : b.lines) {
        ObjectNode line = WireFormat.MAPPER.createObjectNode();
        line.put("custom_id", l.customId);
        ObjectNode result = line.putObject("result");
        switch (l.result.outcome) {
          case ANSWERED:
            result.put("type", "succeeded");
            result.set("message", WireFormat.MAPPER.readTree(l.result.body));
            break;
          case ERRORED:
            result.put("type", "errored");
            result.set("error", WireFormat.MAPPER.readTree(l.result.body));
            break;
          case EXPIRED:
            result.put("type", "expired");
            break;
          default:
            result.put("type", "canceled");
        }
        out.write(WireFormat.bytes(line));
        out.write('\n');
      }
    }
    return new Reply(200, "application/binary", out.toByteArray(), 0);
  }

  private static Reply json(int status, JsonNode node) {
    return Reply.json(status, WireFormat.bytes(node));
  }

  /**
   * One request object of a batch, with its body's raw bytes: the exact bytes the client sent,
   * so a test can compare them with a synchronous request's body.
   */
  static final class RawLine {
    String customId;
    String method;
    String url;
    byte[] raw;

    /** A whole JSONL line: {@code {custom_id, method, url, <bodyField>}}. */
    static RawLine parse(byte[] line, String bodyField) throws IOException {
      try (JsonParser p = WireFormat.MAPPER.getFactory().createParser(line)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new IOException("not an object");
        }
        RawLine r = read(p, line, bodyField);
        if (p.nextToken() != null) {
          throw new IOException("trailing data");
        }
        return r;
      }
    }

    /** The object {@code p} is at the start of, inside {@code source}. */
    static RawLine read(JsonParser p, byte[] source, String bodyField) throws IOException {
      RawLine r = new RawLine();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken t = p.nextToken();
        if (name.equals(bodyField) && t == JsonToken.START_OBJECT) {
          int from = (int) p.getTokenLocation().getByteOffset();
          p.skipChildren();
          int to = (int) p.getCurrentLocation().getByteOffset();
          r.raw = Arrays.copyOfRange(source, from, to);
        } else if (t == JsonToken.VALUE_STRING && name.equals("custom_id")) {
          r.customId = p.getText();
        } else if (t == JsonToken.VALUE_STRING && name.equals("method")) {
          r.method = p.getText();
        } else if (t == JsonToken.VALUE_STRING && name.equals("url")) {
          r.url = p.getText();
        } else {
          p.skipChildren();
        }
      }
      return r;
    }
  }

  /** A multipart/form-data body: enough of RFC 7578 for a file upload. */
  static final class Multipart {
    private final List<String> names = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>();

    static Multipart parse(String contentType, byte[] body) {
      if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
        throw new IllegalArgumentException("the upload must be multipart/form-data, was " + contentType);
      }
      int b = contentType.indexOf("boundary=");
      if (b < 0) {
        throw new IllegalArgumentException("multipart/form-data without a boundary");
      }
      String boundary = contentType.substring(b + 9).split(";")[0].trim();
      if (boundary.startsWith("\"") && boundary.endsWith("\"") && boundary.length() >= 2) {
        boundary = boundary.substring(1, boundary.length() - 1);
      }
      byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
      Multipart m = new Multipart();
      int at = indexOf(body, delimiter, 0);
      while (at >= 0) {
        int partStart = at + delimiter.length;
        if (partStart + 1 < body.length && body[partStart] == '-' && body[partStart + 1] == '-') {
          break; // the closing delimiter
        }
        partStart += 2; // CRLF after the delimiter
        int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), partStart);
        int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII), partStart);
        if (headersEnd < 0 || next < 0 || headersEnd > next) {
          throw new IllegalArgumentException("a broken multipart/form-data body");
        }
        String headers = new String(body, partStart, headersEnd - partStart, StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher name = java.util.regex.Pattern.compile("name=\"([^\"]*)\"").matcher(headers);
        if (name.find()) {
          m.names.add(name.group(1));
          m.values.add(Arrays.copyOfRange(body, headersEnd + 4, next));
        }
        at = next + 2;
      }
      return m;
    }

    byte[] bytes(String name) {
      int i = names.indexOf(name);
      return i < 0 ? null : values.get(i);
    }

    String text(String name) {
      byte[] v = bytes(name);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
      outer:
      for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
        for (int j = 0; j < pattern.length; j++) {
          if (data[i + j] != pattern[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }
}
