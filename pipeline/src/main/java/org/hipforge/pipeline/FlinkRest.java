package org.hipforge.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Asks a Flink cluster's REST API what the client needs: how many TaskManagers it has, which job
 * runs under a name, and the sums of a job's operator metrics (Beam's counters, which the Flink
 * runner registers as Flink metrics named {@code <step>.<namespace>.<name>}).
 *
 * <pre>{@code
 * FlinkRest rest = new FlinkRest("127.0.0.1:8081");
 * String jid = rest.runningJob("hipforge-describe-20261206T180000Z-1a2b");
 * Map<String, Long> sums = rest.sumMetrics(jid, List.of("CallLlm.requests_sent"));
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
      if (name.equals(j.path("name").asText()) && !state.equals("FINISHED") && !state.equals("CANCELED")
          && !state.equals("FAILED") && j.path("start-time").asLong() > newest) {
        newest = j.path("start-time").asLong();
        found = j.path("jid").asText();
      }
    }
    return found;
  }

  /**
   * The sum over every vertex and subtask of job {@code jid} of the metrics whose names end with
   * each of {@code suffixes} (e.g. {@code CallLlm.requests_sent}); a suffix no metric has yet is 0.
   */
  Map<String, Long> sumMetrics(String jid, List<String> suffixes) throws IOException {
    Map<String, Long> sums = new LinkedHashMap<>();
    suffixes.forEach(s -> sums.put(s, 0L));
    for (JsonNode v : get("/jobs/" + jid).path("vertices")) {
      String vertex = "/jobs/" + jid + "/vertices/" + v.path("id").asText() + "/subtasks/metrics";
      List<String> ids = new ArrayList<>();
      for (JsonNode m : get(vertex)) {
        String id = m.path("id").asText();
        for (String s : suffixes) {
          if (id.endsWith("." + s) || id.equals(s)) {
            ids.add(id);
          }
        }
      }
      if (ids.isEmpty()) {
        continue;
      }
      JsonNode values = get(vertex + "?agg=sum&get=" + URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8));
      for (JsonNode m : values) {
        String id = m.path("id").asText();
        for (String s : suffixes) {
          if (id.endsWith("." + s) || id.equals(s)) {
            sums.merge(s, (long) m.path("sum").asDouble(), Long::sum);
          }
        }
      }
    }
    return sums;
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
