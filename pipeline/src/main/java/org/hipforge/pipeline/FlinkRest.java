package org.hipforge.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.VarInt;

/**
 * The one client of a Flink cluster's REST API: whether a master is a cluster at all, what the
 * cluster is ({@code GET /overview}: version, TaskManagers, slots; asked once per JVM and master),
 * which job runs under a name, and that job's Beam counters.
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

  /** {@link #overview} by master: the engine defaults and the rate share ask the same question. */
  private static final Map<String, Overview> OVERVIEWS = new ConcurrentHashMap<>();

  private final String base;
  private final OkHttpClient http;

  /** What {@code GET /overview} of a Flink JobManager says. */
  record Overview(String version, int taskManagers, int slots) {}

  /**
   * An address that answers, but not as a Flink JobManager does (an HTTP error, not the JSON
   * expected).
   */
  static final class NotAJobManager extends IOException {
    private static final long serialVersionUID = 1L;

    NotAJobManager(String message, Throwable cause) {
      super(message, cause);
    }
  }

  FlinkRest(String master) {
    this.base = url(master, "");
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(10, TimeUnit.SECONDS)
            .build();
  }

  /**
   * A JobManager address ({@code host:port}), not embedded Flink ({@code [local]}, {@code [auto]}).
   */
  static boolean isCluster(String master) {
    return master != null && !master.isBlank() && !master.startsWith("[");
  }

  /**
   * The JobManager address of a run on a Flink cluster, or null (another runner, or embedded
   * Flink).
   */
  static String clusterOf(PipelineOptions o) {
    if (!o.getRunner().getSimpleName().toLowerCase(Locale.ROOT).contains("flink")) {
      return null;
    }
    try {
      String master = o.as(FlinkPipelineOptions.class).getFlinkMaster();
      return isCluster(master) ? master : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The cluster at {@code master}, asked once per JVM: {@link RunnerDefaults} asks it before the
   * options are built, the rate share ({@code CommandSupport.rateShare}) reads the same answer.
   */
  static Overview overview(String master) throws IOException {
    Overview known = OVERVIEWS.get(master);
    if (known != null) {
      return known;
    }
    try (FlinkRest rest = new FlinkRest(master)) {
      Overview o = rest.askOverview();
      OVERVIEWS.put(master, o);
      return o;
    }
  }

  /** Forgets the cached {@link #overview}s (tests that start another cluster on a reused port). */
  static void forgetOverviews() {
    OVERVIEWS.clear();
  }

  /** The URL of {@code path} on the JobManager {@code master} ({@code host:port} or a URL). */
  static String url(String master, String path) {
    String b = master.matches("(?i)^https?://.*") ? master : "http://" + master;
    return b.replaceAll("/+$", "") + path;
  }

  private String url(String path) {
    return base + path;
  }

  private Overview askOverview() throws IOException {
    JsonNode o = get("/overview");
    JsonNode version = o.get("flink-version");
    JsonNode tms = o.get("taskmanagers");
    JsonNode slots = o.get("slots-total");
    if (version == null
        || !version.isTextual()
        || tms == null
        || !tms.canConvertToInt()
        || slots == null
        || !slots.canConvertToInt()) {
      throw new NotAJobManager(
          url("/overview") + " answered, but not like a Flink JobManager", null);
    }
    return new Overview(version.asText(), tms.asInt(), slots.asInt());
  }

  /**
   * {@code GET path} as JSON; a status other than 2xx or a body that is not JSON is a {@link
   * NotAJobManager}, a failed connection an {@link IOException} naming its type.
   */
  JsonNode get(String path) throws IOException {
    Request request;
    try {
      request = new Request.Builder().url(url(path)).build();
    } catch (IllegalArgumentException e) {
      throw new IOException("IllegalArgumentException: " + e.getMessage(), e);
    }
    try (Response r = http.newCall(request).execute()) {
      if (!r.isSuccessful() || r.body() == null) {
        throw new NotAJobManager(
            url(path) + " answered HTTP " + r.code() + ", not like a Flink JobManager", null);
      }
      try {
        return JSON.readTree(r.body().string());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new NotAJobManager(url(path) + " answered, but not like a Flink JobManager", e);
      }
    } catch (NotAJobManager e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
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
        // An int64 counter is an unsigned varint (Beam's VarLongCoder).
        byte[] payload = Base64.getDecoder().decode(m.path("payload").asText());
        sums.merge(name, VarInt.decodeLong(new ByteArrayInputStream(payload)), Long::sum);
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
