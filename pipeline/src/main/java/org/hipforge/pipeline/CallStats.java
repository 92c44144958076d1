package org.hipforge.pipeline;

import java.io.IOException;
import java.util.Locale;
import org.apache.beam.sdk.PipelineResult;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.CallLlm;

/** A run's LLM call counts (Beam metrics, else this JVM's progress) and their summary line. */
final class CallStats {
  private CallStats() {}

  /**
   * Summary of the run's LLM calls: requests, retries, 429s and cache hits from the job's Beam
   * metrics (they count on every worker; the progress counters when the runner has none), and the
   * answers, tokens and estimated cost from the run's journal files ({@link RunLedger}): the
   * journal holds every billed answer, also a failed attempt's, which metrics lose on a restart.
   */
  static String callSummary(
      ProviderConfig p, CallCounts c, WorkLayout layout, WorkLayout.Step step, String runId)
      throws IOException {
    return String.format(
        Locale.ROOT,
        "LLM requests %d (retries %d, 429s %d), cache hits %d; %s in this run",
        c.requests(),
        c.retries(),
        c.rateLimited(),
        c.cacheHits(),
        RunLedger.read(layout, step, runId).summary(p));
  }

  /** A run's requests, retries, 429s and cache hits. */
  record CallCounts(long requests, long retries, long rateLimited, long cacheHits) {}

  /**
   * The job's Beam metrics (they count on every worker); this JVM's progress counters when the
   * runner has none.
   */
  static CallCounts callCounts(PipelineResult result) {
    Progress.Calls here = Progress.calls();
    return new CallCounts(
        metric(result, "requests_sent", here.sent()),
        metric(result, "retried", here.retries()),
        metric(result, "rate_limited_429", here.rateLimited()),
        metric(result, "cache_hits", here.cacheHits()));
  }

  private static long metric(PipelineResult result, String name, long fallback) {
    try {
      long sum = 0;
      boolean any = false;
      for (org.apache.beam.sdk.metrics.MetricResult<Long> c :
          result
              .metrics()
              .queryMetrics(
                  org.apache.beam.sdk.metrics.MetricsFilter.builder()
                      .addNameFilter(
                          org.apache.beam.sdk.metrics.MetricNameFilter.named(CallLlm.class, name))
                      .build())
              .getCounters()) {
        sum += c.getAttempted();
        any = true;
      }
      return any ? sum : fallback;
    } catch (RuntimeException unsupported) {
      return fallback;
    }
  }
}
