package org.hipforge.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.io.state.StateFiles;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;

/**
 * The report's runs table and latency histograms: per run and step, its answers and tokens from
 * {@link RunLedger} (the run's journal lines), its provider, model and first/last answer from the
 * journal lines themselves, and its status, times and cost from its run manifest ({@code
 * W/runs/<run-id>.json}) when there is one; a manifest that cannot be read is a {@code problems}
 * line, not a failure.
 */
final class ReportRuns {
  private final ObjectNode root;
  private final WorkLayout layout;

  private ReportRuns(ObjectNode root, WorkLayout layout) {
    this.root = root;
    this.layout = layout;
  }

  /**
   * Adds {@code runs} and {@code latency} (and any {@code problems}) of {@code layout} to {@code
   * root}.
   */
  static void add(ObjectNode root, WorkLayout layout) throws IOException {
    new ReportRuns(root, layout).runs();
  }

  /** Per run and step, from its journal lines: what a journal line says about the call. */
  private static final class RunFacts {
    final String runId;
    final WorkLayout.Step step;
    String provider;
    String model;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;

    RunFacts(String runId, WorkLayout.Step step) {
      this.runId = runId;
      this.step = step;
    }
  }

  private void runs() throws IOException {
    ArrayNode runs = root.putArray("runs");
    ObjectNode latency = root.putObject("latency");
    List<RunFacts> all = new ArrayList<>();
    for (WorkLayout.Step step : WorkLayout.Step.values()) {
      Map<String, RunFacts> byRun = new TreeMap<>();
      Histogram h = Histogram.latencyMs();
      StateFiles.readAll(
          List.of(layout.journalGlob(step)),
          new StateFileReader.Sink() {
            @Override
            public void record(StateRecord r) {
              if (r.cached()) {
                return; // not a call
              }
              h.add(r.latencyMs());
              RunFacts f =
                  byRun.computeIfAbsent(String.valueOf(r.runId()), id -> new RunFacts(id, step));
              f.provider = r.provider() != null ? r.provider() : f.provider;
              f.model = r.model() != null ? r.model() : f.model;
              f.first = Math.min(f.first, r.finishedAtMillis());
              f.last = Math.max(f.last, r.finishedAtMillis());
            }

            @Override
            public void malformed(String file, long line, String reason, boolean torn) {
              // RunLedger counts them per run
            }
          });
      all.addAll(byRun.values());
      if (h.count() > 0) {
        latency.set(step.dir(), ReportData.histogram(h, true));
      }
    }
    Map<String, JsonNode> manifests = runManifests();
    Map<String, RunFacts> byId = new LinkedHashMap<>();
    for (RunFacts f : all) {
      byId.put(f.step.dir() + "/" + f.runId, f);
    }
    manifests.forEach(
        (runId, m) -> {
          WorkLayout.Step step =
              "describe".equals(m.path("command").asText())
                  ? WorkLayout.Step.DESCRIBE
                  : WorkLayout.Step.GENERATE; // generate and validate write generate state
          byId.computeIfAbsent(step.dir() + "/" + runId, k -> new RunFacts(runId, step));
        });
    List<ObjectNode> rows = new ArrayList<>();
    for (RunFacts f : byId.values()) {
      RunLedger paid = RunLedger.read(layout, f.step, f.runId);
      JsonNode m = manifests.get(f.runId);
      ObjectNode r = ReportData.JSON.createObjectNode();
      r.put("run_id", f.runId);
      r.put("step", f.step.dir());
      r.put("command", m != null ? text(m, "command") : f.step.dir());
      r.put("status", m != null ? status(layout, f, m) : "no run manifest");
      r.put(
          "provider",
          f.provider != null ? f.provider : m == null ? null : text(m.path("provider"), "name"));
      r.put(
          "model",
          f.model != null ? f.model : m == null ? null : text(m.path("provider"), "model"));
      String started = m != null ? text(m, "started_at") : null;
      String ended = m != null ? text(m, "ended_at") : null;
      r.put(
          "started",
          started != null
              ? started
              : f.first == Long.MAX_VALUE ? null : Instant.ofEpochMilli(f.first).toString());
      r.put(
          "ended",
          ended != null
              ? ended
              : f.last == Long.MIN_VALUE ? null : Instant.ofEpochMilli(f.last).toString());
      r.put("answers", paid.answers);
      r.put("input_tokens", paid.inputTokens);
      r.put("output_tokens", paid.outputTokens);
      JsonNode cost = m == null ? null : m.get("cost_usd");
      if (cost != null && cost.isNumber()) {
        r.put("cost_usd", cost.asDouble());
      } else {
        r.putNull(
            "cost_usd"); // no prices in state records: only a run manifest with prices has a cost
      }
      r.put("unreadable_lines", paid.unreadableLines);
      rows.add(r);
    }
    rows.sort(
        (a, b) ->
            String.valueOf(a.path("started").asText(null))
                .compareTo(String.valueOf(b.path("started").asText(null))));
    rows.forEach(runs::add);
  }

  /**
   * The run manifests {@code W/runs/<run-id>.json} by run id (only on a local work directory); one
   * that cannot be read is named in {@code problems} and left out.
   */
  private Map<String, JsonNode> runManifests() {
    Map<String, JsonNode> out = new TreeMap<>();
    Path dir;
    try {
      dir = WorkLayout.localPath(layout.runsDir());
    } catch (java.nio.file.InvalidPathException notLocal) {
      return out;
    }
    if (!java.nio.file.Files.isDirectory(dir)) {
      return out;
    }
    try (java.nio.file.DirectoryStream<Path> files =
        java.nio.file.Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        try {
          JsonNode m =
              ReportData.JSON.readTree(
                  SafeFiles.read(
                      dir, f.getFileName().toString(), SourceFiles.MAX_FILE_BYTES, null));
          String runId = text(m, "run_id");
          if (runId == null) {
            throw new IOException("no run_id");
          }
          out.put(runId, m);
        } catch (IOException | RuntimeException e) {
          problem(f + ": not a run manifest (" + e.getMessage() + ")");
        }
      }
    } catch (IOException e) {
      problem(dir + ": cannot be listed (" + e.getMessage() + ")");
    }
    return out;
  }

  /**
   * A run manifest's status; one still {@code running} whose step's LOCK does not name its run
   * ended without writing its end (a SIGKILL or a machine loss).
   */
  private static String status(WorkLayout layout, RunFacts f, JsonNode m) {
    String status = text(m, "status");
    if (!"running".equals(status)) {
      return status;
    }
    try {
      byte[] lock = java.nio.file.Files.readAllBytes(WorkLayout.localPath(layout.lockFile(f.step)));
      if (org.hipforge.io.state.LockHolder.parse(lock)
          .map(h -> f.runId.equals(h.runId()))
          .orElse(false)) {
        return status;
      }
    } catch (IOException | RuntimeException noLock) {
      // no lock file: nobody runs the step
    }
    return "ended without a record";
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n == null ? null : n.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }

  private void problem(String text) {
    ArrayNode p =
        root.has("problems") ? (ArrayNode) root.get("problems") : root.putArray("problems");
    p.add(text);
  }
}
