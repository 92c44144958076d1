package org.hipforge.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Asks a Flink cluster's REST API what the client needs to know before submitting. */
final class FlinkRest {
  private FlinkRest() {}

  /** Registered TaskManagers of the cluster at {@code host:port}, or -1 when it cannot tell. */
  static int countTaskManagers(String master) {
    String base = master.startsWith("http") ? master : "http://" + master;
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(5, TimeUnit.SECONDS).build();
    try (Response r = http.newCall(new Request.Builder().url(base + "/taskmanagers").build()).execute()) {
      if (!r.isSuccessful() || r.body() == null) {
        return -1;
      }
      JsonNode tms = new ObjectMapper().readTree(r.body().string()).get("taskmanagers");
      return tms != null && tms.isArray() ? tms.size() : -1;
    } catch (Exception e) {
      return -1;
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
