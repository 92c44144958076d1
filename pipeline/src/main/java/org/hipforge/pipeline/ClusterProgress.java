package org.hipforge.pipeline;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.util.Progress;
import org.hipforge.io.util.RateWindow;

/**
 * The progress line of a job on a Flink cluster, for the client that waits for it, in the same
 * format as on one machine ({@link Progress#format}): answers, failures and tokens from the run's
 * journal as the TaskManagers write it (the work directory is shared, {@link RunLedger#tail}), and
 * requests, retries, 429s and cache hits from the job's Beam counters, read through Flink's REST
 * API from the job named {@code hipforge-<command>-<run-id>} ({@link FlinkRest#beamCounters}).
 *
 * <p>Why both: measured on the two-TaskManager cluster, Beam's Flink runner (batch) hands its
 * counters to Flink only when the job's bundle ends, so the REST API shows them at the end; the
 * journal grows with every answer. Until the counters arrive the line leaves requests out; calls in
 * flight and pauses are known only inside the workers and are left out. Polls at most every {@link
 * #POLL_SECONDS} s; a REST error keeps the last numbers.
 */
final class ClusterProgress implements Supplier<Progress.Snapshot>, AutoCloseable {
  /** The REST API is asked at most this often: a live line redraws every second. */
  static final int POLL_SECONDS = 2;

  private final String label;
  private final String jobName;
  private final long total;
  private final ProviderConfig provider;
  private final FlinkRest rest;
  private final RunLedger.Tail journal;
  private final RateWindow window =
      new RateWindow(TimeUnit.SECONDS.toNanos(Progress.RATE_WINDOW_SECONDS));
  private String jid;
  private long lastPoll;
  private Progress.Snapshot last;

  ClusterProgress(
      String master,
      String label,
      String jobName,
      long total,
      ProviderConfig provider,
      RunLedger.Tail journal) {
    this.rest = new FlinkRest(master);
    this.journal = journal;
    this.label = label;
    this.jobName = jobName;
    this.total = total;
    this.provider = provider;
    this.last = snapshot(Map.of(), new long[4], "waiting for the cluster to start job " + jobName);
  }

  @Override
  public synchronized Progress.Snapshot get() {
    long now = System.nanoTime();
    if (now - lastPoll < TimeUnit.SECONDS.toNanos(POLL_SECONDS)) {
      return last;
    }
    lastPoll = now;
    try {
      long[] answers = journal.refresh();
      if (jid == null) {
        jid = rest.runningJob(jobName);
      }
      Map<String, Long> sums = jid == null ? Map.of() : rest.beamCounters(jid);
      last =
          snapshot(
              sums,
              answers,
              jid == null ? "waiting for the cluster to start job " + jobName : null);
      window.add(now, last.done());
    } catch (java.io.IOException | RuntimeException e) {
      last =
          new Progress.Snapshot(
              last.label(),
              last.done(),
              last.failed(),
              last.total(),
              last.ratePerSecond(),
              last.etaSeconds(),
              -1,
              last.requests(),
              last.retries(),
              last.rateLimited(),
              last.cacheHits(),
              last.tokensIn(),
              last.tokensOut(),
              last.costUsd(),
              0,
              null,
              last.compileQueued(),
              0,
              last.compileDone(),
              "cluster REST API: " + e.getMessage());
    }
    return last;
  }

  private Progress.Snapshot snapshot(Map<String, Long> s, long[] journaled, String status) {
    long ok = Math.max(s.getOrDefault("CallLlm.succeeded", 0L), journaled[0] - journaled[1]);
    long failed = Math.max(s.getOrDefault("CallLlm.failed", 0L), journaled[1]);
    long in = journaled[2];
    long out = journaled[3];
    long compiled =
        s.getOrDefault("ValidateHip.compiled", 0L) + s.getOrDefault("ValidateHip.not_compiled", 0L);
    double cost = RunLedger.priced(provider) ? RunLedger.cost(provider, in, out) : Double.NaN;
    boolean counted = s.containsKey("CallLlm.requests_sent");
    return new Progress.Snapshot(
        label,
        ok + failed,
        failed,
        total,
        window.rate(),
        window.etaSeconds(total - ok - failed),
        -1,
        counted ? s.get("CallLlm.requests_sent") : -1,
        s.getOrDefault("CallLlm.retried", 0L),
        s.getOrDefault("CallLlm.rate_limited_429", 0L),
        s.getOrDefault("CallLlm.cache_hits", 0L),
        in,
        out,
        cost,
        0,
        null,
        s.getOrDefault("ExtractCode.extracted", 0L),
        0,
        compiled,
        status);
  }

  @Override
  public void close() {
    rest.close();
  }
}
