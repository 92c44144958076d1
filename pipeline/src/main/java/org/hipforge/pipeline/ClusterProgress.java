package org.hipforge.pipeline;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hipforge.io.util.Progress;
import org.hipforge.io.util.RateWindow;

/**
 * The progress line of a job on a Flink cluster, for the client that waits for it: the job is
 * found by its name ({@code hipforge-<command>-<run-id>}) and its Beam counters are summed from
 * Flink's REST API ({@link FlinkRest}), so the client prints the same line as on one machine
 * ({@link Progress#format}) while the TaskManagers work.
 *
 * <p>Beam's Flink runner hands its counters to Flink when a bundle ends, so the line moves in
 * bundle steps; calls in flight and pauses are known only inside the workers and are left out.
 * Polls at most every {@link #POLL_SECONDS} s; a REST error keeps the last numbers.
 */
final class ClusterProgress implements Supplier<Progress.Snapshot>, AutoCloseable {
  /** The REST API is asked at most this often: a live line redraws every second. */
  static final int POLL_SECONDS = 2;
  private static final List<String> COUNTERS = List.of("CallLlm.succeeded", "CallLlm.failed",
      "CallLlm.requests_sent", "CallLlm.retried", "CallLlm.rate_limited_429", "CallLlm.cache_hits",
      "CallLlm.input_tokens", "CallLlm.output_tokens", "ExtractCode.extracted", "ValidateHip.compiled",
      "ValidateHip.not_compiled");

  private final String label;
  private final String jobName;
  private final long total;
  private final double inputPrice;
  private final double outputPrice;
  private final FlinkRest rest;
  private final RateWindow window = new RateWindow(TimeUnit.SECONDS.toNanos(Progress.RATE_WINDOW_SECONDS));
  private String jid;
  private long lastPoll;
  private Progress.Snapshot last;

  ClusterProgress(String master, String label, String jobName, long total, double inputPrice, double outputPrice) {
    this.rest = new FlinkRest(master);
    this.label = label;
    this.jobName = jobName;
    this.total = total;
    this.inputPrice = inputPrice;
    this.outputPrice = outputPrice;
    this.last = snapshot(Map.of(), "waiting for the cluster to start job " + jobName);
  }

  @Override
  public synchronized Progress.Snapshot get() {
    long now = System.nanoTime();
    if (now - lastPoll < TimeUnit.SECONDS.toNanos(POLL_SECONDS)) {
      return last;
    }
    lastPoll = now;
    try {
      if (jid == null) {
        jid = rest.runningJob(jobName);
        if (jid == null) {
          return last;
        }
      }
      Map<String, Long> sums = rest.sumMetrics(jid, COUNTERS);
      window.add(now, sums.get("CallLlm.succeeded") + sums.get("CallLlm.failed"));
      last = snapshot(sums, null);
    } catch (java.io.IOException | RuntimeException e) {
      last = new Progress.Snapshot(last.label(), last.done(), last.failed(), last.total(), last.ratePerSecond(),
          last.etaSeconds(), -1, last.requests(), last.retries(), last.rateLimited(), last.cacheHits(),
          last.tokensIn(), last.tokensOut(), last.costUsd(), 0, null, last.compileQueued(), 0, last.compileDone(),
          "cluster REST API: " + e.getMessage());
    }
    return last;
  }

  private Progress.Snapshot snapshot(Map<String, Long> s, String status) {
    long ok = s.getOrDefault("CallLlm.succeeded", 0L);
    long failed = s.getOrDefault("CallLlm.failed", 0L);
    long in = s.getOrDefault("CallLlm.input_tokens", 0L);
    long out = s.getOrDefault("CallLlm.output_tokens", 0L);
    long compiled = s.getOrDefault("ValidateHip.compiled", 0L) + s.getOrDefault("ValidateHip.not_compiled", 0L);
    double cost = inputPrice > 0 || outputPrice > 0 ? in / 1e6 * inputPrice + out / 1e6 * outputPrice : Double.NaN;
    return new Progress.Snapshot(label, ok + failed, failed, total, window.rate(), window.etaSeconds(total - ok - failed),
        -1, s.getOrDefault("CallLlm.requests_sent", 0L), s.getOrDefault("CallLlm.retried", 0L),
        s.getOrDefault("CallLlm.rate_limited_429", 0L), s.getOrDefault("CallLlm.cache_hits", 0L), in, out, cost, 0,
        null, s.getOrDefault("ExtractCode.extracted", 0L), 0, compiled, status);
  }

  @Override
  public void close() {
    rest.close();
  }
}
