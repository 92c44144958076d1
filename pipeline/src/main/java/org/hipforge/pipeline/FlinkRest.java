package org.hipforge.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Asks a Flink cluster's REST API what the client needs: how many TaskManagers it has, which job
 * runs under a name, and that job's Beam counters.
 *
 * <pre>{@code
 * try (FlinkRest rest = new FlinkRest("127.0.0.1:8081")) {
 *   String jid = rest.runningJob("hipforge-describe-20261206T180000Z-1a2b");
 *   long sent = rest.beamCounters(jid).getOrDefault("CallLlm.requests_sent", 0L);
 * }
 * }</pre>
 */
final class FlinkRest implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final OkHttpClient http;

  FlinkRest(String master) {
    String b = master.startsWith("http") ? master : "http://" + master;
    this.base = b.replaceAll("/+$", "");
    this.http = new OkHttpClient.Builder().callTimeout(5, TimeUnit.SECONDS).build();
  }

  /** Registered TaskManagers of the cluster at {@code host:port}, or -1 when it cannot tell. */
  static int countTaskManagers(String master) {
    try (FlinkRest rest = new FlinkRest(master)) {
      JsonNode tms = rest.get("/taskmanagers").get("taskmanagers");
      return tms != null && tms.isArray() ? tms.size() : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  JsonNode get(String path) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(base + path).build()).execute()) {
      if (!r.isSuccessful() || r.body() == null) {
        throw new IOException("GET " + base + path + ": HTTP " + r.code());
      }
      return JSON.readTree(r.body().string());
    }
  }

  /** The id of the newest job named {@code name} that is not finished, or null. */
  String runningJob(String name) throws IOException {
    String found = null;
    long newest = Long.MIN_VALUE;
    for (JsonNode j : get("/jobs/overview").path("jobs")) {
      String state = j.path("state").asText();
      if (name.equals(j.path("name").asText())
          && !state.equals("FINISHED")
          && !state.equals("CANCELED")
          && !state.equals("FAILED")
          && j.path("start-time").asLong() > newest) {
        newest = j.path("start-time").asLong();
        found = j.path("jid").asText();
      }
    }
    return found;
  }

  /**
   * Beam's counters of job {@code jid}, summed per {@code <Namespace simple name>.<name>} (e.g.
   * {@code CallLlm.requests_sent}), read from the {@code __metricscontainers} accumulator Beam's
   * Flink runner keeps: the TaskManagers send accumulators with their heartbeats, so a running
   * job's counters arrive every few seconds. Its value is JSON whose counters are base64 varints
   * (Beam's monitoring-info encoding), decoded here. Empty when the job has none yet.
   */
  Map<String, Long> beamCounters(String jid) throws IOException {
    Map<String, Long> sums = new LinkedHashMap<>();
    for (JsonNode acc : get("/jobs/" + jid + "/accumulators").path("user-task-accumulators")) {
      if (!"__metricscontainers".equals(acc.path("name").asText())) {
        continue;
      }
      JsonNode value = JSON.readTree(acc.path("value").asText());
      for (JsonNode m : value.path("metrics").path("attempted")) {
        if (!m.path("urn").asText().endsWith(":sum_int64:v1")) {
          continue;
        }
        String namespace = m.path("labels").path("NAMESPACE").asText();
        String name =
            namespace.substring(namespace.lastIndexOf('.') + 1)
                + "."
                + m.path("labels").path("NAME").asText();
        sums.merge(
            name,
            varint(java.util.Base64.getDecoder().decode(m.path("payload").asText())),
            Long::sum);
      }
    }
    return sums;
  }

  /** An unsigned LEB128 varint (Beam's VarLongCoder), as Beam encodes an int64 counter. */
  static long varint(byte[] b) {
    long v = 0;
    for (int i = 0, shift = 0; i < b.length && shift < 64; i++, shift += 7) {
      v |= (long) (b[i] & 0x7f) << shift;
      if ((b[i] & 0x80) == 0) {
        break;
      }
    }
    return v;
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
