package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.CallLlm;

/** What the LLM commands share: loading the provider, running a pipeline, reporting. */
final class CommandSupport {
  private CommandSupport() {}

  static ProviderConfig loadProvider(HipforgeOptions o) {
    ProviderConfig provider;
    try {
      provider = ProviderConfig.load(Paths.get(o.getConfig()), o.getModelName());
    } catch (IOException e) {
      throw new UsageException(e.getMessage());
    }
    try {
      provider.resolveApiKey(); // fail now, before any work, when the key variable is missing
    } catch (IllegalStateException e) {
      throw new UsageException(e.getMessage());
    }
    return provider;
  }

  static WorkLayout requireManifest(HipforgeOptions o) throws IOException {
    if (o.getWorkDir() == null) {
      throw new UsageException("needs --workDir=DIR (the dataset's work directory)");
    }
    WorkLayout layout = new WorkLayout(o.getWorkDir());
    if (!Files.exists(Paths.get(layout.manifest()))) {
      throw new UsageException("no manifest at " + layout.manifest() + ": run 'hipforge manifest "
          + "--sourceDir=DIR --workDir=" + o.getWorkDir() + "' first");
    }
    // The strict read (a malformed line or a duplicate stops, named) is each command's one
    // streamed pass over the manifest (ManifestScan), not a list of every entry held here.
    return layout;
  }

  /**
   * This worker JVM's share of the provider's rpm/tpm. Explicit with --rateShare; otherwise 1 on
   * one machine (embedded Flink or the DirectRunner run every worker in this JVM) and 1/N on a
   * Flink cluster of N TaskManagers (asked from its REST API), so together they stay under the
   * provider's limit.
   */
  static double rateShare(HipforgeOptions o, PrintStream out) {
    double share = o.getRateShare() == null ? 0 : o.getRateShare();
    if (share < 0 || share > 1) {
      throw new UsageException("--rateShare must be in (0, 1], or 0 for automatic, was " + share);
    }
    if (share > 0) {
      return share;
    }
    String master = flinkMaster(o);
    if (master == null || master.startsWith("[")) {
      return 1.0;
    }
    int taskManagers = FlinkRest.countTaskManagers(master);
    if (taskManagers < 1) {
      out.println("rate limits: could not ask " + master + " how many TaskManagers it has; each "
          + "worker JVM takes the whole rpm/tpm budget (set --rateShare=1/N to split it)");
      return 1.0;
    }
    out.printf("rate limits: %d TaskManagers, each takes 1/%d of the provider's rpm/tpm%n",
        taskManagers, taskManagers);
    return 1.0 / taskManagers;
  }

  /**
   * Starts the progress line, unless the work runs on a remote cluster: the counters behind it
   * only see calls made in this JVM, so there it would stay at 0; point at Flink's web UI instead.
   */
  static void startProgress(HipforgeOptions o, String step, long total, PrintStream out) {
    String master = flinkMaster(o);
    if (master != null && !master.startsWith("[")) {
      out.println(step + ": running on the Flink cluster at " + master + "; follow it in the Flink "
          + "web UI (http://" + master + "), the summary comes when the job ends");
      return;
    }
    Progress.start(step, total, out);
  }

  private static String flinkMaster(HipforgeOptions o) {
    if (!o.getRunner().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("flink")) {
      return null;
    }
    try {
      return o.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class).getFlinkMaster();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Runs the pipeline to the end; a rejected key surfaces as its own clear message. */
  static PipelineResult runToEnd(Pipeline p, PrintStream out) {
    try {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      return result;
    } catch (RuntimeException e) {
      Throwable auth = find(e, CallLlm.ProviderRejectedKeyException.class);
      if (auth != null) {
        throw new AuthStop(auth.getMessage());
      }
      throw e;
    } finally {
      Progress.stop();
    }
  }

  static Throwable find(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return c;
      }
      if (c.getMessage() != null && c.getMessage().contains(type.getSimpleName())) {
        return new RuntimeException(c.getMessage().substring(c.getMessage().indexOf(type.getSimpleName())
            + type.getSimpleName().length()).replaceFirst("^:\\s*", ""));
      }
    }
    return null;
  }

  /**
   * Summary of the run's LLM calls: requests, retries, 429s, cache hits, tokens and estimated cost.
   * From the job's Beam metrics, which count on every worker (on a cluster the client's own
   * progress counters see nothing); from the progress counters when the runner has no metrics.
   */
  static String callSummary(ProviderConfig p, PipelineResult result) {
    long requests = metric(result, "requests_sent", Progress.calls());
    long hits = metric(result, "cache_hits", Progress.cacheHits());
    long in = metric(result, "input_tokens", Progress.tokensIn());
    long outTokens = metric(result, "output_tokens", Progress.tokensOut());
    long retried = metric(result, "retried", 0);
    long limited = metric(result, "rate_limited_429", 0);
    String cost = "";
    if (p.inputPricePerMTok() > 0 || p.outputPricePerMTok() > 0) {
      double usd = in / 1e6 * p.inputPricePerMTok() + outTokens / 1e6 * p.outputPricePerMTok();
      cost = String.format(", estimated cost $%.4f", usd);
    }
    return String.format("LLM requests %d (retries %d, 429s %d), cache hits %d, tokens in/out %d/%d%s",
        requests, retried, limited, hits, in, outTokens, cost);
  }

  private static long metric(PipelineResult result, String name, long fallback) {
    try {
      long sum = 0;
      boolean any = false;
      for (org.apache.beam.sdk.metrics.MetricResult<Long> c : result.metrics().queryMetrics(
          org.apache.beam.sdk.metrics.MetricsFilter.builder().addNameFilter(
              org.apache.beam.sdk.metrics.MetricNameFilter.named(CallLlm.class, name)).build()).getCounters()) {
        sum += c.getAttempted();
        any = true;
      }
      return any ? sum : fallback;
    } catch (RuntimeException unsupported) {
      return fallback;
    }
  }

  /** The run stopped because the provider rejected the key. */
  static final class AuthStop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AuthStop(String message) {
      super(message);
    }
  }

}
