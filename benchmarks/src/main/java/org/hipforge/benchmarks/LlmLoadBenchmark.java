package org.hipforge.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.hipforge.io.llm.RateLimiter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StatusReport;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.pipeline.DemoOptions;
import org.hipforge.pipeline.DescribeCommand;
import org.hipforge.pipeline.ManifestCommand;

/**
 * Question: does the real {@code describe} (manifest + describe, embedded Flink by default) use a
 * provider's rate limit to the full without tripping it, how many calls per second can the whole
 * pipeline push on this machine, and does it lose or repeat paid work when the provider misbehaves?
 *
 * <p>Generates {@code --tasks} small HIP sources, starts the {@link SimulatedLlmServer} in this
 * JVM, runs {@link ManifestCommand} and {@link DescribeCommand} against it and prints wall time,
 * the rate the simulator saw (from its success timestamps, skipping the first {@link
 * LlmLoadSettings#WARMUP_MILLIS} ms), the share of 429s, successful calls per task, tasks {@code
 * pass:true} at the end and the JVM's peak heap. Scenarios ({@code --scenario=}):
 *
 * <ul>
 *   <li>{@code rpm}: 2,000 tasks, exponential latency with mean 1.5 s, simulator and config both at
 *       600 RPM. Targets: at least 0.97 x 600 RPM after the first 10 s, at most 1 % 429s, exactly
 *       one successful call per task.
 *   <li>{@code learned}: the {@code rpm} scenario with no {@code rpm} in the config: the simulator
 *       advertises its 600 RPM in {@code x-ratelimit-*} headers and the client must learn it. The
 *       rate is counted after the first minute (issue 10). Targets as for {@code rpm}.
 *   <li>{@code overhead}: 20,000 tasks, no limit, no latency, 64 in flight per worker. Target: at
 *       least 1,000 calls/s over the LLM phase.
 *   <li>{@code faults}: 1,000 tasks, 10 % 5xx, 5 % dropped connections, 5 % HTML bodies, 2 %
 *       answers slower than the 2 s timeout, max_attempts 10. Targets: every task pass:true, none
 *       lost, no task answered twice.
 * </ul>
 *
 * <p>How to run (the {@code --add-opens} flags are those of the {@code hipforge} launcher):
 *
 * <pre>{@code
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * java <--add-opens flags> -cp benchmarks/target/benchmarks.jar \
 *     org.hipforge.benchmarks.LlmLoadBenchmark --scenario=rpm|learned [--tasks=N] [--latencyMs=1500]
 *     [--rpm=600] [--maxInFlight=32] [--direct [--targetParallelism=3]] [--parallelism=2] [--timeoutS=20]
 *     [--maxAttempts=6] [--slowMs=5000] [--warmupS=10] [--workDir=DIR] [--keep]
 * }</pre>
 */
public final class LlmLoadBenchmark {
  private LlmLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    LlmLoadSettings s;
    try {
      s = LlmLoadSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LlmLoadBenchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean ok = run(s, System.out);
    System.out.flush();
    System.exit(ok ? 0 : 1);
  }

  /** Runs one scenario and prints its report; true when every target of the scenario was met. */
  static boolean run(LlmLoadSettings s, PrintStream out) throws Exception {
    Path work =
        s.workDir != null
            ? Files.createDirectories(Path.of(s.workDir))
            : Files.createTempDirectory("hipforge-llm-load-");
    Path src = work.resolve("src");
    HeapSampler heap = HeapSampler.start();
    out.println("llm-load: " + s);
    out.println(
        "llm-load: machine "
            + Runtime.getRuntime().availableProcessors()
            + " cores, "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + ", max heap "
            + Runtime.getRuntime().maxMemory() / (1 << 20)
            + " MiB, load average "
            + String.format(
                Locale.ROOT,
                "%.2f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    long t0 = System.nanoTime();
    writeKernels(src, s.tasks, s.sourceBytes);
    out.printf(
        Locale.ROOT,
        "llm-load: wrote %d sources in %.1f s%n",
        s.tasks,
        (System.nanoTime() - t0) / 1e9);

    StatusReport report;
    double describeSecs;
    Map<String, Long> byStatus;
    Map<String, Long> successByPrompt;
    long[] successMillis;
    long total;
    long describeStartMillis;
    try (SimulatedLlmServer server = SimulatedLlmServer.start(s.simulator())) {
      Path config = work.resolve("config.json");
      Files.writeString(
          config,
          "{\"sim\": {\"api\": \"openai\", \"base_url\": \""
              + server.baseUrl()
              + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_BENCH_UNSET_KEY\", \"timeout_s\": "
              + s.timeoutS
              + ", \"max_attempts\": "
              + s.maxAttempts
              + ", \"rpm\": "
              + s.configRpm
              + "}}\n",
          StandardCharsets.UTF_8);
      RateLimiter.clearShared();
      ResponseCache.clearLoaded();
      PrintStream quietOut = new PrintStream(java.io.OutputStream.nullOutputStream());
      ManifestCommand.run(options(s, work, src, config), quietOut);
      describeStartMillis = System.currentTimeMillis();
      long start = System.nanoTime();
      report = DescribeCommand.run(options(s, work, src, config), out);
      describeSecs = (System.nanoTime() - start) / 1e9;
      byStatus = server.requestsByStatus();
      successByPrompt = server.successCountsByPrompt();
      successMillis = server.successTimestampsMillis();
      total = server.totalRequests();
    }
    heap.stop();

    // Rates from the simulator's own clock: when each successful answer left it.
    long[] ts = successMillis.clone();
    Arrays.sort(ts);
    long first = ts.length == 0 ? 0 : ts[0];
    long last = ts.length == 0 ? 0 : ts[ts.length - 1];
    double llmPhaseSecs = Math.max(1e-3, (last - first) / 1000.0);
    long from = first + s.warmupMillis;
    long afterWarmup = Arrays.stream(ts).filter(t -> t >= from).count();
    double steadySecs = (last - from) / 1000.0;
    double steadyRpm = steadySecs > 0 ? afterWarmup / steadySecs * 60 : Double.NaN;

    long successes = successByPrompt.values().stream().mapToLong(Long::longValue).sum();
    long answeredTwice = successByPrompt.values().stream().filter(c -> c > 1).count();
    long maxPerPrompt =
        successByPrompt.values().stream().mapToLong(Long::longValue).max().orElse(0);
    long limited = byStatus.getOrDefault("429", 0L);
    double share429 = total == 0 ? 0 : (double) limited / total;
    long journaled = countLines(work.resolve("state/describe/journal"));

    out.println();
    out.println("llm-load: RESULTS " + s.scenario);
    out.printf(
        Locale.ROOT,
        "  wall time (describe)        %.1f s (first answer %.1f s after start)%n",
        describeSecs,
        ts.length == 0 ? Double.NaN : (first - describeStartMillis) / 1000.0);
    out.printf(
        Locale.ROOT,
        "  LLM phase                   %.1f s, %d successes = %.1f calls/s%n",
        llmPhaseSecs,
        ts.length,
        ts.length / llmPhaseSecs);
    if (s.simRpm > 0 || s.configRpm > 0) {
      out.printf(
          Locale.ROOT,
          "  achieved after first %ds    %.1f requests/min vs limit %d (%.3f x)%n",
          s.warmupMillis / 1000,
          steadyRpm,
          s.simRpm > 0 ? s.simRpm : s.configRpm,
          steadyRpm / (s.simRpm > 0 ? s.simRpm : s.configRpm));
    }
    if (ts.length > 1) {
      // Even pacing or bursts: the busiest 10 s and the longest stretch without an answer.
      long longestGap = 0;
      int busiest = 0;
      for (int i = 1, lo = 0; i < ts.length; i++) {
        longestGap = Math.max(longestGap, ts[i] - ts[i - 1]);
        while (ts[i] - ts[lo] >= 10_000) {
          lo++;
        }
        busiest = Math.max(busiest, i - lo + 1);
      }
      out.printf(
          Locale.ROOT,
          "  evenness                    busiest 10 s %d answers (%.1f/s), longest gap %.1f s%n",
          busiest,
          busiest / 10.0,
          longestGap / 1000.0);
    }
    out.printf(Locale.ROOT, "  requests                    %d, by status %s%n", total, byStatus);
    out.printf(
        Locale.ROOT,
        "  429 share                   %.3f %% (%d of %d)%n",
        100 * share429,
        limited,
        total);
    out.printf(
        Locale.ROOT,
        "  successful calls per task   %.4f (%d successes, %d tasks; %d prompts "
            + "answered more than once, max %d; %d prompts never answered)%n",
        (double) successes / s.tasks,
        successes,
        s.tasks,
        answeredTwice,
        maxPerPrompt,
        s.tasks - successByPrompt.size());
    if (s.faultSlow > 0 && s.slowMs >= s.timeoutS * 1000L) {
      out.printf(
          Locale.ROOT,
          "  note: slow answers take %d ms, longer than timeout_s=%d: the provider "
              + "finishes (and bills) each one after the client gave up and asked again%n",
          s.slowMs,
          s.timeoutS);
    }
    out.printf(Locale.ROOT, "  journal lines               %d%n", journaled);
    out.printf(
        Locale.ROOT,
        "  tasks pass:true at the end  %d of %d (failed %d %s, pending %d)%n",
        report.passed,
        report.manifestSize,
        report.failed,
        report.failedByCategory,
        report.pending());
    out.printf(
        Locale.ROOT,
        "  JVM peak heap used          %d MiB (sampled every 20 ms; max heap %d MiB)%n",
        heap.peakBytes() / (1 << 20),
        Runtime.getRuntime().maxMemory() / (1 << 20));

    Map<String, Boolean> targets = new LinkedHashMap<>();
    targets.put("every task pass:true", report.passed == s.tasks);
    switch (s.scenario) {
      case "rpm":
      case "learned":
        targets.put("achieved >= 0.97 x limit", steadyRpm >= 0.97 * s.simRpm);
        targets.put("429s <= 1 %", share429 <= 0.01);
        targets.put(
            "exactly one successful call per task",
            successes == s.tasks && successByPrompt.size() == s.tasks);
        break;
      case "overhead":
        targets.put(">= 1,000 calls/s over the LLM phase", ts.length / llmPhaseSecs >= 1000);
        targets.put(
            "exactly one successful call per task",
            successes == s.tasks && successByPrompt.size() == s.tasks);
        break;
      default:
        // Two views of "no task succeeds twice": what the client received (one journal line per
        // answer it got), and what the provider finished, which includes answers to requests the
        // client had abandoned after timeout_s (billed by a real provider all the same).
        targets.put("no task succeeded twice at the client", journaled == s.tasks);
        targets.put("no prompt answered twice by the provider", answeredTwice == 0);
        targets.put("none lost", successByPrompt.size() == s.tasks && report.pending() == 0);
    }
    boolean all = true;
    for (Map.Entry<String, Boolean> t : targets.entrySet()) {
      out.printf("  target: %-38s %s%n", t.getKey(), t.getValue() ? "MET" : "MISSED");
      all &= t.getValue();
    }
    if (!s.keep && s.workDir == null) {
      deleteTree(work);
    } else {
      out.println("  work directory kept: " + work);
    }
    return all;
  }

  private static DemoOptions options(LlmLoadSettings s, Path work, Path src, Path config) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--workDir=" + work,
                "--sourceDir=" + src,
                "--config=" + config,
                "--modelName=sim",
                "--quiet=true",
                "--maxInFlight=" + s.maxInFlight));
    if (s.direct) {
      args.add("--runner=DirectRunner");
      if (s.targetParallelism > 0) {
        args.add("--targetParallelism=" + s.targetParallelism);
      }
    } else {
      args.addAll(
          List.of(
              "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=" + s.parallelism));
    }
    DemoOptions o =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(DemoOptions.class);
    o.setJobName("hipforge-llm-load");
    return o;
  }

  /** {@code n} distinct small kernels of about {@code bytes} bytes, 100 per subdirectory. */
  static void writeKernels(Path dir, int n, int bytes) throws IOException {
    for (int i = 0; i < n; i++) {
      Path f = dir.resolve("d" + (i / 100)).resolve("kernel_" + i + ".hip");
      if (i % 100 == 0) {
        Files.createDirectories(f.getParent());
      }
      StringBuilder b = new StringBuilder(bytes + 64);
      b.append("#include <hip/hip_runtime.h>\n")
          .append("__global__ void scale_")
          .append(i)
          .append("(float* x, float a, int n) {\n")
          .append("  int i = blockIdx.x * blockDim.x + threadIdx.x;\n")
          .append("  if (i < n) x[i] = a * x[i] + ")
          .append(i)
          .append(".0f;\n");
      while (b.length() < bytes - 2) {
        b.append("  // padding\n");
      }
      b.append("}\n");
      Files.writeString(f, b, StandardCharsets.UTF_8);
    }
  }

  private static long countLines(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long n = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
          n += lines.filter(l -> !l.isBlank()).count();
        }
      }
    }
    return n;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The most heap in use at once, sampled on a daemon thread (pool peaks do not add up). */
  static final class HeapSampler implements Runnable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread thread = new Thread(this, "llm-load-heap-sampler");
    private volatile boolean running = true;
    private volatile long peak;

    static HeapSampler start() {
      HeapSampler h = new HeapSampler();
      h.thread.setDaemon(true);
      h.thread.start();
      return h;
    }

    @Override
    public void run() {
      while (running) {
        peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.interrupt();
      thread.join();
      peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
    }

    long peakBytes() {
      return peak;
    }
  }
}
