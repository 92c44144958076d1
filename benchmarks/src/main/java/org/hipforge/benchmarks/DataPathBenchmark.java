package org.hipforge.benchmarks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateShardWriter;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.pending.FindPending;

/**
 * The data-path benchmark: {@code FindPending} end to end (read manifest, read every state shard,
 * latest-wins merge, anti-join, count) on N synthetic manifest lines and N state lines.
 *
 * <p>The state is realistic: half the tasks passed, the rest failed, one in twenty passed on an
 * older version of its file (stale), one in a hundred is duplicated in another shard, and every
 * shard ends with a torn line. Prints wall time, lines/s and the JVM's peak resident memory.
 *
 * <p>How to run (after {@code mvn -pl benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java $OPENS -Xmx16g -cp benchmarks/target/benchmarks.jar org.hipforge.benchmarks.DataPathBenchmark \
 *     --lines=1000000 --dir=/tmp/hipforge-datapath [--runner=DirectRunner] [--parallelism=2]
 * </pre>
 *
 * Generated inputs are kept in {@code --dir} and reused when the line count matches.
 */
public final class DataPathBenchmark {
  private static final int SHARDS = 8;

  private DataPathBenchmark() {}

  public static void main(String[] args) throws Exception {
    long lines = 1_000_000;
    String dir = "/tmp/hipforge-datapath";
    String runner = "FlinkRunner";
    int parallelism = Runtime.getRuntime().availableProcessors();
    List<String> beamFlags = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("--lines=")) {
        lines = Long.parseLong(a.substring(8).replace("_", ""));
      } else if (a.startsWith("--dir=")) {
        dir = a.substring(6);
      } else if (a.startsWith("--runner=")) {
        runner = a.substring(9);
      } else if (a.startsWith("--parallelism=")) {
        parallelism = Integer.parseInt(a.substring(14));
      } else if (a.startsWith("--")) {
        beamFlags.add(a); // any other Beam/Flink option, e.g. --objectReuse=true
      } else {
        throw new IllegalArgumentException(
            "unknown argument "
                + a
                + " (flags: --lines=N --dir=DIR --runner=FlinkRunner|DirectRunner --parallelism=N, Beam flags)");
      }
    }
    Path work = Paths.get(dir, "n" + lines);
    long genStart = System.nanoTime();
    long[] expected = generate(work, lines);
    System.out.printf(
        "data path: inputs in %s (%d manifest lines, %d state lines in %d shards; %s)%n",
        work,
        lines,
        expected[1],
        SHARDS,
        expected[2] == 1
            ? "reused"
            : String.format("generated in %.1f s", (System.nanoTime() - genStart) / 1e9));

    List<String> opts = new ArrayList<>(List.of("--runner=" + runner));
    if (runner.contains("Flink")) {
      opts.add("--flinkMaster=[local]");
      opts.add("--parallelism=" + parallelism);
    }
    opts.addAll(beamFlags);
    PipelineOptions options = PipelineOptionsFactory.fromArgs(opts.toArray(new String[0])).create();
    WorkLayout layout = new WorkLayout(work.toString());
    Pipeline p = Pipeline.create(options);
    // Counted into a metric by a chained step, like len(pending) in the Python baseline: the
    // count should not add a shuffle and a file write of its own to what is measured.
    p.apply("FindPending", FindPending.in(layout, WorkLayout.Step.DESCRIBE))
        .pending()
        .apply("CountPending", ParDo.of(new CountFn()));

    long start = System.nanoTime();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    double secs = (System.nanoTime() - start) / 1e9;
    long pending = counter(result, CountFn.class, "pending_seen");
    long torn = counter(result, FindPending.class, "torn_lines");
    long total = lines + expected[1];
    System.out.printf(
        "data path: runner %s (parallelism %d): %d pending of %d (expected %d), torn "
            + "lines %d, wall %.2f s, %.0f lines/s, peak RSS %s%n",
        runner, parallelism, pending, lines, expected[0], torn, secs, total / secs, peakRss());
    if (pending != expected[0]) {
      throw new IllegalStateException(
          "wrong answer: " + pending + " pending, expected " + expected[0]);
    }
  }

  /** Counts the pending entries it sees. */
  static final class CountFn extends DoFn<ManifestEntry, Void> {
    private final Counter seen = Metrics.counter(CountFn.class, "pending_seen");
    private long n;

    @StartBundle
    public void start() {
      n = 0;
    }

    @ProcessElement
    public void process(@Element ManifestEntry e) {
      n++;
    }

    @FinishBundle
    public void finish() {
      seen.inc(n);
    }
  }

  private static long counter(PipelineResult result, Class<?> namespace, String name) {
    try {
      MetricQueryResults q =
          result
              .metrics()
              .queryMetrics(
                  MetricsFilter.builder()
                      .addNameFilter(MetricNameFilter.named(namespace, name))
                      .build());
      long sum = 0;
      for (MetricResult<Long> c : q.getCounters()) {
        sum += c.getAttempted();
      }
      return sum;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static String peakRss() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format("%.2f GB", kb / 1e6);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: fall through
    }
    return "n/a";
  }

  /**
   * Writes the inputs unless already there; returns {expected pending, state lines, reused?1:0}.
   * Pending = failed (odd ids) + stale (even ids divisible by 20), by construction.
   */
  static long[] generate(Path work, long n) throws IOException {
    long expectedPending = 0;
    for (long id = 0; id < n; id++) {
      if (id % 2 == 1 || id % 20 == 0) {
        expectedPending++;
      }
    }
    long stateLines = n + n / 100;
    Path marker = work.resolve("complete");
    if (Files.exists(marker)) {
      return new long[] {expectedPending, stateLines, 1};
    }
    Files.createDirectories(work);
    SplittableRandom random = new SplittableRandom(1);
    WorkLayout layout = new WorkLayout(work.toString());
    try (BufferedWriter m =
        Files.newBufferedWriter(Path.of(layout.manifest()), StandardCharsets.UTF_8)) {
      for (long id = 0; id < n; id++) {
        m.write(ManifestJson.toJson(new ManifestEntry(id, name(id), 1000 + id % 5000, sha(id, 0))));
        m.write('\n');
      }
    }
    StateShardWriter[] shards = new StateShardWriter[SHARDS];
    for (int s = 0; s < SHARDS; s++) {
      shards[s] = StateShardWriter.open(layout, WorkLayout.Step.DESCRIBE, "gen" + s);
    }
    long base = 1_790_000_000_000L;
    for (long id = 0; id < n; id++) {
      boolean pass = id % 2 == 0;
      String sha = id % 20 == 0 ? sha(id, 1) : sha(id, 0);
      StateRecord.Builder b =
          StateRecord.builder()
              .id(id)
              .fileName(name(id))
              .pass(pass)
              .sourceSha256(sha)
              .provider("openai")
              .model("gpt-4o-mini")
              .inputTokens(700 + random.nextInt(400))
              .outputTokens(100 + random.nextInt(200))
              .latencyMs(800 + random.nextInt(2000))
              .attempts(1)
              .finishedAtMillis(base + id)
              .runId("gen")
              .promptSha256(sha(id, 2));
      StateFixtures.outcome(b, id, pass);
      StateRecord r = b.build();
      int shard = (int) (id % SHARDS);
      shards[shard].write(r);
      if (id % 100 == 7) {
        shards[(shard + 3) % SHARDS].write(r); // a duplicate in another shard: harmless
      }
    }
    for (StateShardWriter w : shards) {
      w.close();
      Files.writeString(
          w.path(),
          "{\"id\":12,\"file_name\":\"k/12.hip\",\"pa", // a torn last line
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    }
    Files.writeString(marker, "ok\n");
    return new long[] {expectedPending, stateLines, 0};
  }

  private static String name(long id) {
    return "k" + (id % 1000) + "/kernel_" + id + ".hip";
  }

  private static String sha(long id, int salt) {
    return String.format(
        "%016x%016x%016x%016x",
        id * 0x9E3779B97F4A7C15L + salt, id ^ 0x5DEECE66DL, (id + salt) * 31, id * 7 + salt);
  }
}
