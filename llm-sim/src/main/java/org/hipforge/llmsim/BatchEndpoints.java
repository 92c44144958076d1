package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;

/**
 * The Batch API endpoints of both wire formats over one {@link BatchStore}: routes a request to
 * {@link OpenAiBatches} or {@link AnthropicBatches} and counts it by kind.
 *
 * <p>OpenAI: {@code POST /v1/files} (multipart, {@code purpose=batch}, a JSONL file), {@code GET
 * /v1/files/{id}}, {@code GET /v1/files/{id}/content} (input, output and error files), {@code POST
 * /v1/batches}, {@code GET /v1/batches/{id}}, {@code POST /v1/batches/{id}/cancel}. Anthropic:
 * {@code POST /v1/messages/batches}, {@code GET /v1/messages/batches/{id}}, {@code GET
 * .../{id}/results}, {@code POST .../{id}/cancel}.
 */
final class BatchEndpoints {
  static final long DAY_SECONDS = 86_400;

  /** Every endpoint: its method and path ({@code {id}} for the object's id) and its call kind. */
  private enum Route {
    OPENAI_UPLOAD("POST /v1/files", "upload"),
    OPENAI_FILE("GET /v1/files/{id}", "file"),
    OPENAI_FILE_CONTENT("GET /v1/files/{id}/content", "results"),
    OPENAI_CREATE("POST /v1/batches", "create"),
    OPENAI_STATUS("GET /v1/batches/{id}", "status"),
    OPENAI_CANCEL("POST /v1/batches/{id}/cancel", "cancel"),
    ANTHROPIC_CREATE("POST /v1/messages/batches", "create"),
    ANTHROPIC_STATUS("GET /v1/messages/batches/{id}", "status"),
    ANTHROPIC_RESULTS("GET /v1/messages/batches/{id}/results", "results"),
    ANTHROPIC_CANCEL("POST /v1/messages/batches/{id}/cancel", "cancel");

    final String pattern;

    /** The name {@link RequestRecorder#batchCall} counts it under. */
    final String call;

    Route(String pattern, String call) {
      this.pattern = pattern;
      this.call = call;
    }

    /** The route of {@code "METHOD /path"} with the id segment written {@code {id}}, or null. */
    static Route of(String methodAndPattern) {
      return Arrays.stream(values())
          .filter(r -> r.pattern.equals(methodAndPattern))
          .findFirst()
          .orElse(null);
    }
  }

  private final RequestRecorder recorder;
  private final BatchStore store;
  private final OpenAiBatches openAi;
  private final AnthropicBatches anthropic;

  BatchEndpoints(BatchStore store, RequestRecorder recorder) {
    this.store = store;
    this.recorder = recorder;
    this.openAi = new OpenAiBatches(store, recorder);
    this.anthropic = new AnthropicBatches(store, recorder);
  }

  /** True for a path this class serves. */
  static boolean handles(String path) {
    return path.equals("/v1/files")
        || path.startsWith("/v1/files/")
        || path.equals("/v1/batches")
        || path.startsWith("/v1/batches/")
        || path.equals("/v1/messages/batches")
        || path.startsWith("/v1/messages/batches/");
  }

  /** The wire format of a batch path. */
  static WireFormat wireOf(String path) {
    return path.startsWith("/v1/messages/") ? AnthropicWire.INSTANCE : OpenAiWire.INSTANCE;
  }

  /** The answer to one authenticated Batch API request. */
  Reply serve(
      String method,
      String path,
      String contentType,
      byte[] body,
      String presentedKey,
      String origin)
      throws IOException {
    // [v1, files|batches, id, ...] or [v1, messages, batches, id, ...]
    String[] p = path.substring(1).split("/");
    int idAt = p[1].equals("messages") ? 3 : 2;
    String id = p.length > idAt ? p[idAt] : null;
    if (id != null) {
      p[idAt] = "{id}";
    }
    Route route = Route.of(method + " /" + String.join("/", p));
    if (route == null) {
      return wireOf(path).notFound(method, path);
    }
    recorder.batchCall(route.call);
    switch (route) {
      case OPENAI_UPLOAD:
        return openAi.upload(contentType, body);
      case OPENAI_FILE:
        return openAi.fileObject(id);
      case OPENAI_FILE_CONTENT:
        return openAi.fileContent(id);
      case OPENAI_CREATE:
        return openAi.create(body, presentedKey);
      case OPENAI_STATUS:
        return openAi.batch(store.get(id), id);
      case OPENAI_CANCEL:
        return openAi.batch(store.cancel(id), id);
      case ANTHROPIC_CREATE:
        return anthropic.create(body, presentedKey, origin);
      case ANTHROPIC_STATUS:
        return anthropic.batch(store.get(id), id, origin);
      case ANTHROPIC_RESULTS:
        return anthropic.results(store.get(id), id);
      default:
        return anthropic.batch(store.cancel(id), id, origin);
    }
  }

  static Reply json(int status, JsonNode node) {
    return Reply.json(status, WireFormat.bytes(node));
  }

  static void putOrNull(ObjectNode n, String field, String value) {
    if (value == null) {
      n.putNull(field);
    } else {
      n.put(field, value);
    }
  }
}
