package org.hipforge.llmsim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hipforge.llmsim.BatchStore.Batch;
import org.hipforge.llmsim.BatchStore.Line;
import org.hipforge.llmsim.BatchStore.Outcome;

/**
 * Anthropic's Message Batches API over a {@link BatchStore}: create ({@code requests} inline; a
 * duplicate custom_id or more than 100,000 requests is a 400), status, results (JSONL, only once
 * ended) and cancel.
 */
final class AnthropicBatches {
  private static final AnthropicWire WIRE = AnthropicWire.INSTANCE;
  private static final int MAX_REQUESTS = 100_000;

  private final BatchStore store;
  private final RequestRecorder recorder;

  AnthropicBatches(BatchStore store, RequestRecorder recorder) {
    this.store = store;
    this.recorder = recorder;
  }

  Reply create(byte[] body, String presentedKey, String origin) {
    List<Line> lines = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    try (JsonParser p = WireFormat.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return WIRE.badRequest("The request body is not valid JSON.", null);
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
          return WIRE.badRequest("requests: Input should be a valid list", null);
        }
        int i = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
          BatchRequestLine raw = BatchRequestLine.read(p, body, "params");
          if (raw.customId == null || !raw.customId.matches("[A-Za-z0-9_-]{1,64}")) {
            return WIRE.badRequest(
                "requests."
                    + i
                    + ".custom_id: String should match pattern "
                    + "'^[a-zA-Z0-9_-]{1,64}$'",
                null);
          }
          if (!ids.add(raw.customId)) {
            return WIRE.badRequest(
                "requests."
                    + i
                    + ": custom_id '"
                    + raw.customId
                    + "' is used more than once; "
                    + "custom_id must be unique within a batch",
                null);
          }
          if (raw.raw == null) {
            return WIRE.badRequest("requests." + i + ".params: Field required", null);
          }
          lines.add(new Line(raw.customId, raw.raw));
          i++;
        }
      }
      if (!sawRequests || lines.isEmpty()) {
        return WIRE.badRequest("requests: List should have at least 1 item", null);
      }
    } catch (IOException e) {
      return WIRE.badRequest("The request body is not valid JSON.", null);
    }
    if (lines.size() > MAX_REQUESTS) {
      return WIRE.badRequest(
          "requests: a batch may hold at most " + MAX_REQUESTS + " requests, got " + lines.size(),
          null);
    }
    Batch b = store.create("msgbatch_01", WIRE, null, lines, presentedKey, List.of());
    recorder.batchCreated(lines.size());
    synchronized (store) {
      return BatchEndpoints.json(200, node(b, origin));
    }
  }

  Reply batch(Batch b, String id, String origin) {
    if (b == null || b.wire() != WIRE) {
      return WIRE.noSuchObject("batch " + id + " not found");
    }
    synchronized (store) {
      return BatchEndpoints.json(200, node(b, origin));
    }
  }

  private ObjectNode node(Batch b, String origin) {
    ObjectNode n = WireFormat.MAPPER.createObjectNode();
    n.put("id", b.id());
    n.put("type", "message_batch");
    n.put(
        "processing_status",
        b.ended() ? "ended" : b.progress().cancelAt >= 0 ? "canceling" : "in_progress");
    ObjectNode counts = n.putObject("request_counts");
    counts.put("processing", b.processing());
    counts.put("succeeded", b.count(Outcome.ANSWERED));
    counts.put("errored", b.count(Outcome.ERRORED));
    counts.put("canceled", b.count(Outcome.CANCELED));
    counts.put("expired", b.count(Outcome.EXPIRED));
    rfc3339(n, "ended_at", b.progress().endedAt);
    rfc3339(n, "created_at", b.createdAt());
    rfc3339(n, "expires_at", b.createdAt() + BatchEndpoints.DAY_SECONDS * 1000);
    n.putNull("archived_at");
    rfc3339(n, "cancel_initiated_at", b.progress().cancelAt);
    BatchEndpoints.putOrNull(
        n,
        "results_url",
        b.ended() ? origin + "/v1/messages/batches/" + b.id() + "/results" : null);
    return n;
  }

  private static void rfc3339(ObjectNode n, String field, long millis) {
    if (millis < 0) {
      n.putNull(field);
    } else {
      n.put(field, Instant.ofEpochMilli(millis).toString());
    }
  }

  Reply results(Batch b, String id) throws IOException {
    if (b == null || b.wire() != WIRE) {
      return WIRE.noSuchObject("batch " + id + " not found");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    synchronized (store) {
      if (!b.ended()) {
        return WIRE.badRequest(
            "Batch " + id + " is still processing; results are available once it has ended", null);
      }
      for (Line l : b.lines()) {
        ObjectNode line = WireFormat.MAPPER.createObjectNode();
        line.put("custom_id", l.customId);
        ObjectNode result = line.putObject("result");
        switch (l.result.outcome()) {
          case ANSWERED:
            result.put("type", "succeeded");
            result.set("message", WireFormat.MAPPER.readTree(l.result.body()));
            break;
          case ERRORED:
            result.put("type", "errored");
            result.set("error", WireFormat.MAPPER.readTree(l.result.body()));
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
}
