package org.hipforge.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.code.ExtractedCode;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ManifestScan;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.io.state.StateFiles;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.io.util.SourceText;

/**
 * Everything the HTML report shows, gathered from a work directory as one JSON tree: the page draws
 * it and never reads files itself.
 *
 * <p>Nothing here has a rule of its own: task states come from {@link StatusReport} (so from {@link
 * PendingRule} on a {@link StateIndex}, exactly as {@code status} counts them), the pairs from the
 * same indexes and rule as {@code export} (a described task whose describe record is current; its
 * generation only while current), each run's tokens from {@link RunLedger} (its journal lines:
 * every billed answer), latencies from the journal lines read by {@link StateFileReader}, files by
 * {@link SafeFiles} and {@link SourceText}, a failed generation's code by {@link ResponseCache} and
 * {@link CodeExtractor}. Keys a neighbouring feature adds to generate records (kernel resources,
 * {@link StateRecordJson#RESOURCE_KEYS}) are read by name from the record's JSON line, so they show
 * as soon as records carry them.
 */
public final class ReportData {
  /**
   * Kernel resources of a generate record, shown as distributions when present: the per-file
   * extremes ({@link StateRecordJson#RESOURCE_KEYS}) and, per kernel and arch, the fields of the
   * compact text under {@link StateRecordJson#RESOURCES_KERNELS_KEY}, read by {@link
   * KernelResources#parseList} (the names and the format have their one home there).
   */
  /**
   * A cell's text is cut after this many characters: a page of 1000 pairs stays tens of MB at most.
   */
  static final int MAX_CELL_CHARS = 64 * 1024;

  /** Largest file read into a cell (the cell shows its first {@link #MAX_CELL_CHARS}). */
  private static final long MAX_FILE_BYTES = 64L << 20;

  static final String VERDICT_COMPILED = "compiled";
  static final String VERDICT_PASSED = "passed (not compiled)";
  static final String VERDICT_NOT_GENERATED = "not generated";
  static final String VERDICT_STALE = "stale generation";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode root = JSON.createObjectNode();

  /** Described pairs, and how many of them the page holds. */
  long pairsTotal;

  long pairsShown;

  private ReportData() {}

  /** One line for the command's output, e.g. {@code 28 of 28 pairs}. */
  public String summary() {
    return pairsShown + " of " + pairsTotal + " described pairs in the table";
  }

  /** The tree the page draws. */
  public ObjectNode json() {
    return root;
  }

  /**
   * Reads {@code layout}'s manifest and state; {@code sourceDir} (may be null) shows sources in the
   * pairs table; at most {@code maxPairs} pairs (the first by manifest order) are kept.
   */
  public static ReportData gather(WorkLayout layout, Path sourceDir, int maxPairs)
      throws IOException {
    ReportData d = new ReportData();
    d.root.put("work_dir", layout.root());
    d.root.put("generated_at", Instant.now().toString());
    d.root.put("chart_library", "Apache ECharts " + ChartLibrary.VERSION + " (Apache-2.0)");
    StateIndex described = StateIndex.describe(layout, true);
    StateIndex generated = StateIndex.generate(layout);
    StatusReport describe = StatusReport.describe(layout, described);
    StatusReport generate =
        StatusReport.generate(describe.manifestSize, described, generated, null);
    d.steps(describe, generate);
    d.generations(described, generated, generate);
    d.runs(layout);
    d.pairs(layout, described, generated, sourceDir, maxPairs);
    return d;
  }

  // ---- tasks per state, failures per category ----

  private void steps(StatusReport describe, StatusReport generate) {
    ArrayNode steps = root.putArray("steps");
    ObjectNode ds = steps.addObject();
    ds.put("step", "describe");
    ds.put("manifest", describe.manifestSize);
    ObjectNode states = ds.putObject("states");
    states.put("passed", describe.passed);
    states.put("failed", describe.failed);
    states.put("never tried", describe.neverTried);
    states.put("stale", describe.stale);
    putCategories(ds, describe);
    ds.put("malformed_lines", describe.malformedLines);
    ObjectNode gs = steps.addObject();
    gs.put("step", "generate");
    gs.put("manifest", generate.manifestSize);
    states = gs.putObject("states");
    states.put("compiled", generate.compiled);
    states.put(VERDICT_PASSED, generate.passed - generate.compiled);
    states.put("failed", generate.failed);
    states.put("never tried", generate.neverTried);
    states.put("stale", generate.stale);
    states.put("not ready", generate.notReady);
    putCategories(gs, generate);
    gs.put("malformed_lines", generate.malformedLines);
  }

  private static void putCategories(ObjectNode step, StatusReport s) {
    ObjectNode c = step.putObject("failed_by_category");
    s.failedByCategory.forEach((k, v) -> c.put(k == null ? "unknown" : k, v));
  }

  // ---- what the current generations hold: repair rounds, fidelity, resources ----

  private void generations(StateIndex described, StateIndex generated, StatusReport generate)
      throws IOException {
    Histogram fidelity = Histogram.unitScore();
    Map<String, Histogram> resources = new LinkedHashMap<>();
    try (StateIndex.Records records = generated.records()) {
      for (int s = 0; s < described.size(); s++) {
        PendingRule.Outcome o = StateIndex.generate(described, s, true, generated);
        if (o != PendingRule.Outcome.DONE && o != PendingRule.Outcome.FAILED) {
          continue; // no current generation
        }
        String line = records.line(generated.slotOf(described.id(s)));
        StateRecord r;
        JsonNode tree;
        try {
          r = StateRecordJson.parse(line);
          tree = JSON.readTree(line);
        } catch (MalformedLineException | IOException e) {
          continue; // counted as malformed by the index already
        }
        if (r.fidelity() != null) {
          fidelity.add(r.fidelity().score());
        }
        resources(tree, resources);
      }
    }
    root.set("rounds", generate.maxRounds >= 1 ? yieldPerRound(generate) : null);
    root.set("fidelity", fidelity.count() == 0 ? null : histogram(fidelity, false));
    ObjectNode res = root.putObject("resources");
    resources.forEach((k, h) -> res.set(k, histogram(h, true)));
  }

  /** Adds the kernel resources {@code record} holds to {@code into}, one histogram per figure. */
  static void resources(JsonNode record, Map<String, Histogram> into) {
    for (String key : StateRecordJson.RESOURCE_KEYS) {
      JsonNode v = record.get(key);
      if (v != null && v.isNumber()) {
        into.computeIfAbsent(key, k -> Histogram.powersOfTwo()).add(v.asDouble());
      }
    }
    JsonNode text = record.get(StateRecordJson.RESOURCES_KERNELS_KEY);
    if (text == null || !text.isTextual()) {
      return;
    }
    for (KernelResources k : KernelResources.parseList(text.asText())) {
      perKernel(into, "vgprs", k.vgprs());
      perKernel(into, "sgprs", k.sgprs());
      perKernel(into, "agprs", k.agprs());
      perKernel(into, "lds_bytes", k.ldsBytes());
      perKernel(into, "scratch_bytes", k.scratchBytes());
      perKernel(into, "vgpr_spills", k.vgprSpills());
      perKernel(into, "sgpr_spills", k.sgprSpills());
      perKernel(into, "occupancy", k.occupancy());
    }
  }

  private static void perKernel(Map<String, Histogram> into, String field, double value) {
    into.computeIfAbsent(field + " (per kernel)", k -> Histogram.powersOfTwo()).add(value);
  }

  /**
   * The verdict of a generate record without rounds: compiled, passed unvalidated, or its category.
   */
  static String verdict(StateRecord r) {
    if (Boolean.TRUE.equals(r.compiled())) {
      return VERDICT_COMPILED;
    }
    if (r.pass()) {
      return VERDICT_PASSED;
    }
    String c = r.errorCategory();
    return c == null ? "failed" : c;
  }

  /**
   * Compile yield after each round (round 0: the first answer, round k: the k-th repair), by the
   * rule {@code status} prints it with ({@link StatusReport#compiledWithin}).
   */
  static ObjectNode yieldPerRound(StatusReport g) {
    ObjectNode y = JSON.createObjectNode();
    y.put("tasks", g.tried());
    ArrayNode per = y.putArray("per_round");
    long before = 0;
    for (int k = 0; k <= g.maxRounds; k++) {
      long compiled = g.compiledWithin(k);
      ObjectNode r = per.addObject();
      r.put("round", k);
      r.put("newly_compiled", compiled - before);
      r.put("compiled", compiled);
      r.put("yield", g.tried() == 0 ? 0 : (double) compiled / g.tried());
      before = compiled;
    }
    return y;
  }

  private static ObjectNode histogram(Histogram h, boolean trim) {
    ObjectNode o = JSON.createObjectNode();
    int from = trim ? h.firstUsed() : 0;
    int to = trim ? h.lastUsed() : h.labels().size() - 1;
    ArrayNode labels = o.putArray("labels");
    ArrayNode counts = o.putArray("counts");
    long[] c = h.counts();
    for (int i = from; i <= to; i++) {
      labels.add(h.labels().get(i));
      counts.add(c[i]);
    }
    o.put("n", h.count());
    o.put("mean", round(h.mean()));
    o.put("p50", round(h.percentile(50)));
    o.put("p90", round(h.percentile(90)));
    o.put("p99", round(h.percentile(99)));
    return o;
  }

  private static double round(double v) {
    return Double.isNaN(v) ? 0 : Math.round(v * 1000) / 1000.0;
  }

  // ---- runs: tokens, cost, latency ----

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

  private void runs(WorkLayout layout) throws IOException {
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
        latency.set(step.dir(), histogram(h, true));
      }
    }
    Map<String, JsonNode> manifests = runManifests(layout);
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
      ObjectNode r = JSON.createObjectNode();
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
  private Map<String, JsonNode> runManifests(WorkLayout layout) {
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
              JSON.readTree(SafeFiles.read(dir, f.getFileName().toString(), MAX_FILE_BYTES, null));
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

  // ---- the pairs table ----

  private void pairs(
      WorkLayout layout, StateIndex described, StateIndex generated, Path sourceDir, int maxPairs)
      throws IOException {
    ArrayNode pairs = root.putArray("pairs");
    Path outHip = WorkLayout.localPath(layout.outHipDir());
    ResponseCache[] answers = {null}; // generate journals, opened when a failed generation is shown
    try (StateIndex.Records describeRecords = described.records();
        StateIndex.Records generateRecords = generated.records()) {
      ManifestScan.forEach(
          layout.manifest(),
          e -> {
            int ds = described.slotOf(e.id);
            if (described.describe(e, ds) != PendingRule.Outcome.DONE) {
              return;
            }
            pairsTotal++;
            if (pairsShown >= maxPairs) {
              return;
            }
            pairsShown++;
            ObjectNode p = pairs.addObject();
            p.put("id", e.id);
            p.put("file", e.fileName());
            p.put("instruction", cut(describeRecords.read(ds).instruction()));
            p.put(
                "source", sourceDir == null ? null : readText(sourceDir, e.fileName(), e.sha256()));
            PendingRule.Outcome o = StateIndex.generate(described, ds, true, generated);
            if (o == PendingRule.Outcome.NEW) {
              p.put("verdict", VERDICT_NOT_GENERATED);
              return;
            }
            if (o == PendingRule.Outcome.STALE) {
              p.put("verdict", VERDICT_STALE);
              return;
            }
            StateRecord g = generateRecords.read(generated.slotOf(e.id));
            p.put("verdict", verdict(g));
            String detail = g.compileError() != null ? g.compileError() : g.errorMsg();
            p.put("detail", detail == null ? null : cut(detail));
            if (g.fidelity() != null) {
              p.put("fidelity", g.fidelity().score());
            }
            if (g.codeSha256() != null && g.pass()) {
              p.put("generated", readText(outHip, e.fileName(), g.codeSha256()));
            } else if (g.promptSha256() != null) {
              if (answers[0] == null) {
                answers[0] = ResponseCache.forGlob(layout.journalGlob(WorkLayout.Step.GENERATE));
              }
              StateRecord answer = answers[0].get(g.promptSha256());
              ExtractedCode code =
                  answer == null || answer.response() == null
                      ? null
                      : CodeExtractor.extract(answer.response());
              p.put("generated", code != null && code.isPresent() ? cut(code.code()) : null);
            }
          });
    }
    root.put("pairs_total", pairsTotal);
    root.put("pairs_shown", pairsShown);
    root.put("sources_shown", sourceDir != null);
  }

  /**
   * A file's text by {@link SafeFiles}' rule (with its recorded sha256) and {@link SourceText}'s; a
   * refusal says why.
   */
  private static String readText(Path root, String fileName, String sha256) throws IOException {
    try {
      byte[] bytes = SafeFiles.read(root, fileName, MAX_FILE_BYTES, sha256);
      SourceText.Decoded text = SourceText.decode(bytes);
      return cut(text.ok() ? text.text() : new String(bytes, StandardCharsets.UTF_8));
    } catch (SafeFiles.Refused r) {
      return "(not shown: " + r.getMessage() + ")";
    }
  }

  static String cut(String s) {
    if (s == null || s.length() <= MAX_CELL_CHARS) {
      return s;
    }
    return s.substring(0, MAX_CELL_CHARS)
        + "\n… ("
        + (s.length() - MAX_CELL_CHARS)
        + " more characters)";
  }
}
