package org.hipforge.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hipforge.io.code.CodeExtractor;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.StateFileReader;
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
  static final String VERDICT_COMPILED = "compiled";
  static final String VERDICT_PASSED = "passed (not compiled)";
  static final String VERDICT_NOT_GENERATED = "not generated";
  static final String VERDICT_STALE = "stale generation";

  static final ObjectMapper JSON = new ObjectMapper();

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
    ReportRuns.add(d.root, layout);
    ReportPairs pairs = ReportPairs.add(d.root, layout, described, generated, sourceDir, maxPairs);
    d.pairsTotal = pairs.total;
    d.pairsShown = pairs.shown;
    return d;
  }

  // ---- tasks per state, failures per category ----

  private void steps(StatusReport describe, StatusReport generate) {
    ArrayNode steps = root.putArray("steps");
    ObjectNode states = step(steps, "describe", describe);
    states.put("passed", describe.passed);
    states.put("failed", describe.failed);
    states.put("never tried", describe.neverTried);
    states.put("stale", describe.stale);
    states = step(steps, "generate", generate);
    states.put("compiled", generate.compiled);
    states.put(VERDICT_PASSED, generate.passed - generate.compiled);
    states.put("failed", generate.failed);
    states.put("never tried", generate.neverTried);
    states.put("stale", generate.stale);
    states.put("not ready", generate.notReady);
  }

  /**
   * A step's entry (name, manifest size, failures by category, malformed lines); returns its states
   * to fill.
   */
  private static ObjectNode step(ArrayNode steps, String name, StatusReport s) {
    ObjectNode step = steps.addObject();
    step.put("step", name);
    step.put("manifest", s.manifestSize);
    ObjectNode states = step.putObject("states");
    ObjectNode c = step.putObject("failed_by_category");
    s.failedByCategory.forEach((k, v) -> c.put(k == null ? "unknown" : k, v));
    step.put("malformed_lines", s.malformedLines);
    return states;
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

  /**
   * Adds the kernel resources {@code record} holds to {@code into}, one histogram per figure, shown
   * as distributions when present: the per-file extremes ({@link StateRecordJson#RESOURCE_KEYS})
   * and, per kernel and arch, the fields of the compact text under {@link
   * StateRecordJson#RESOURCES_KERNELS_KEY}, read by {@link KernelResources#parseList} (the names
   * and the format have their one home there).
   */
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

  /**
   * A histogram as the page draws it: labels and counts (trimmed to the bins used), n, mean,
   * percentiles.
   */
  static ObjectNode histogram(Histogram h, boolean trim) {
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
}
