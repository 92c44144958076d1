package org.hipforge.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.RunCounts;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.BeforeExit;
import org.hipforge.io.util.Progress;

/**
 * {@code W/runs/<run-id>.json}: the record of one describe, generate or validate run — the command,
 * its flags, engine, provider, model, prompt version, start and end, its records by category,
 * requests, tokens and cost. Written when the run starts ({@code status: running}) and again when
 * it ends, whichever way: done, failed (Main), stopped by a signal (StopSignals), or a JVM exit
 * that skipped both ({@link BeforeExit}). Each write is atomic (a temp file renamed over the old
 * one), so a reader never sees half a file. The shape is in the README ("Run manifest").
 *
 * <p>Never holds an API key: keys are not flags (the config names an environment variable), and a
 * flag whose name says key, token, secret or password is written as {@code <redacted>} anyway.
 */
final class RunManifest {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The command line as Main parsed it, for the manifest's {@code flags}. */
  private static volatile String[] commandArgs = new String[0];

  private static volatile String parentCommand;
  private static volatile RunManifest current;

  /** Which run the manifest is of: where its state and journal are, its provider (or null). */
  private record Run(
      WorkLayout layout, WorkLayout.Step step, String runId, ProviderConfig provider) {}

  private final Run run;
  private final ObjectNode doc;
  private final long startNanos = System.nanoTime();
  private boolean ended;

  private RunManifest(Run run, ObjectNode doc) {
    this.run = run;
    this.doc = doc;
  }

  /**
   * Main: the arguments of this command line (after {@code --flag value} became {@code
   * --flag=value}).
   */
  static void commandLine(String command, String[] args) {
    commandArgs = args.clone();
    parentCommand = command.equals("demo") ? "demo" : null;
  }

  /** The flags of a command line by name, values as given; a key-like name's value redacted. */
  static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--")) {
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
      String value = eq < 0 ? "true" : a.substring(eq + 1);
      String lower = name.toLowerCase(Locale.ROOT);
      boolean secret =
          lower.contains("key")
              || lower.contains("token") && !lower.contains("tokens")
              || lower.contains("secret")
              || lower.contains("password");
      flags.put(name, secret ? "<redacted>" : value);
    }
    return flags;
  }

  /**
   * Writes {@code W/runs/<runId>.json} for a run that starts now and makes it the current one
   * (ended by {@link #endCurrent}); {@code provider} null for a run without an LLM (validate).
   */
  static RunManifest start(
      WorkLayout layout,
      WorkLayout.Step step,
      String command,
      String runId,
      PipelineOptions o,
      ProviderConfig provider,
      String promptVersion,
      long planned) {
    ObjectNode d = JSON.createObjectNode();
    d.put("schema", 1);
    d.put("run_id", runId);
    d.put("command", command);
    d.put("parent_command", parentCommand);
    d.put("status", "running");
    d.putNull("exit_code");
    d.putNull("stop_reason");
    d.put("started_at", Instant.now().toString());
    d.putNull("ended_at");
    d.putNull("wall_s");
    d.put("hipforge_version", CommandHelp.hipforgeVersion());
    ObjectNode flags = d.putObject("flags");
    flags(commandArgs).forEach(flags::put);
    ObjectNode engine = d.putObject("engine");
    engine.put("runner", o.getRunner().getSimpleName());
    try {
      org.apache.beam.runners.flink.FlinkPipelineOptions f =
          o.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class);
      boolean flink = o.getRunner().getSimpleName().contains("Flink");
      engine.put("flink_master", flink ? f.getFlinkMaster() : null);
      if (flink && f.getParallelism() != null && f.getParallelism() > 0) {
        engine.put("parallelism", f.getParallelism());
      } else {
        engine.putNull("parallelism");
      }
    } catch (RuntimeException e) {
      engine.putNull("flink_master");
      engine.putNull("parallelism");
    }
    engine.put("job_name", o.getJobName());
    if (provider == null) {
      d.putNull("provider");
    } else {
      ObjectNode p = d.putObject("provider");
      p.put("name", provider.name());
      p.put("api", provider.api().name().toLowerCase(Locale.ROOT));
      p.put("base_url", provider.baseUrl());
      p.put("model", provider.model());
      p.put("input_price_per_mtok", provider.inputPricePerMTok());
      p.put("output_price_per_mtok", provider.outputPricePerMTok());
    }
    d.put("prompt_version", promptVersion);
    ObjectNode tasks = d.putObject("tasks");
    tasks.put("planned", planned);
    tasks.put("recorded", 0);
    tasks.put("passed", 0);
    tasks.put("failed", 0);
    d.putObject("categories");
    d.putNull("compiled");
    d.putNull("requests");
    ObjectNode tokens = d.putObject("tokens");
    tokens.put("input", 0);
    tokens.put("output", 0);
    tokens.put("answers_journaled", 0);
    d.putNull("cost_usd");
    RunManifest m = new RunManifest(new Run(layout, step, runId, provider), d);
    m.write();
    current = m;
    BeforeExit.register(
        "run manifest", () -> endCurrent("stopped", null, "the JVM exited before the run ended"));
    return m;
  }

  /** Requests of the run, as the summary counts them ({@link CallStats#callCounts}). */
  void requests(long sent, long retries, long rateLimited, long cacheHits) {
    ObjectNode r = doc.putObject("requests");
    r.put("sent", sent);
    r.put("retries", retries);
    r.put("rate_limited_429", rateLimited);
    r.put("cache_hits", cacheHits);
  }

  /** Ends the current run's manifest (if a run is current and not ended yet); never throws. */
  static void endCurrent(String status, Integer exitCode, String reason) {
    RunManifest m = current;
    if (m != null) {
      m.end(status, exitCode, reason);
    }
  }

  /** Ends this run's manifest: status, exit code, the counts read from its state and journal. */
  synchronized void end(String status, Integer exitCode, String reason) {
    if (ended) {
      return;
    }
    ended = true;
    if (current == this) {
      current = null;
    }
    doc.put("status", status);
    if (exitCode == null) {
      doc.putNull("exit_code");
    } else {
      doc.put("exit_code", exitCode);
    }
    doc.put("stop_reason", reason);
    doc.put("ended_at", Instant.now().toString());
    doc.put("wall_s", Math.round((System.nanoTime() - startNanos) / 1e8) / 10.0);
    try {
      RunCounts counts = RunCounts.read(run.layout(), run.step(), run.runId());
      ObjectNode tasks = (ObjectNode) doc.get("tasks");
      tasks.put("recorded", counts.records());
      tasks.put("passed", counts.passed());
      tasks.put("failed", counts.records() - counts.passed());
      ObjectNode categories = doc.putObject("categories");
      counts.categories().forEach(categories::put);
      if (run.step() == WorkLayout.Step.GENERATE) {
        doc.put("compiled", counts.compiled());
      }
      if (doc.get("requests").isNull() && run.provider() != null) {
        Progress.Calls c = Progress.calls();
        requests(c.sent(), c.retries(), c.rateLimited(), c.cacheHits());
      }
      if (run.provider() != null) {
        RunLedger paid = RunLedger.read(run.layout(), run.step(), run.runId());
        ObjectNode tokens = doc.putObject("tokens");
        tokens.put("input", paid.inputTokens);
        tokens.put("output", paid.outputTokens);
        tokens.put("answers_journaled", paid.answers);
        if (RunLedger.priced(run.provider())) {
          doc.put("cost_usd", Math.round(paid.costUsd(run.provider()) * 1e6) / 1e6);
        }
      }
    } catch (IOException | RuntimeException e) {
      doc.put("counts_error", Main.rootMessage(e));
    }
    write();
  }

  /** The file, written atomically: a temp file beside it, renamed over it. */
  private void write() {
    if (!run.layout().isLocal()) {
      return; // like the lock and the run log: local work directories only
    }
    Path target = WorkLayout.localPath(run.layout().runManifest(run.runId()));
    try {
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
      Files.write(tmp, (JSON.writeValueAsString(doc) + "\n").getBytes(StandardCharsets.UTF_8));
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      // The manifest is a record, not the ledger: a run is never failed for it.
      System.err.println(
          "hipforge: could not write the run manifest " + target + ": " + e.getMessage());
    }
  }
}
