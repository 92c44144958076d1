package org.hipforge.benchmarks;

import java.util.Locale;
import org.hipforge.llmsim.LatencyDistribution;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Fault;

/** One {@link LlmLoadBenchmark} scenario's knobs; flags override the scenario's defaults. */
final class LlmLoadSettings {
  /** The start of a run (Flink startup, the first-call probe, filling the window) is not steady. */
  static final long WARMUP_MILLIS = 10_000;

  /**
   * With limits learned from headers, a client that bursts a whole window and then waits for its
   * reset looks fine for one window: the {@code learned} scenario counts from the second minute.
   */
  static final long LEARNED_WARMUP_MILLIS = 60_000;

  String scenario = "rpm";
  int tasks;
  long latencyMs;
  LatencyDistribution distribution = LatencyDistribution.EXPONENTIAL;
  int simRpm;
  int configRpm;
  long warmupMillis = WARMUP_MILLIS;
  int maxInFlight;
  boolean direct;
  int parallelism = 2;
  int targetParallelism;
  int timeoutS = 20;
  int maxAttempts = 6;
  double fault5xx;
  double faultDrop;
  double faultHtml;
  double faultSlow;
  long slowMs = 5000;
  int sourceBytes = 200;
  String workDir;
  boolean keep;

  static LlmLoadSettings forScenario(String name) {
    LlmLoadSettings s = new LlmLoadSettings();
    s.scenario = name;
    switch (name) {
      case "rpm":
      case "learned": // the same run with no rpm in the config: the client learns it from headers
        s.tasks = 2000;
        s.latencyMs = 1500;
        s.simRpm = 600;
        s.configRpm = name.equals("rpm") ? 600 : 0;
        s.maxInFlight = 32;
        s.warmupMillis = name.equals("rpm") ? WARMUP_MILLIS : LEARNED_WARMUP_MILLIS;
        break;
      case "overhead":
        s.tasks = 20_000;
        s.latencyMs = 0;
        s.maxInFlight = 64;
        break;
      case "faults":
        s.tasks = 1000;
        s.latencyMs = 100;
        s.maxInFlight = 32;
        s.timeoutS = 2;
        s.maxAttempts = 10;
        s.fault5xx = 0.10;
        s.faultDrop = 0.05;
        s.faultHtml = 0.05;
        s.faultSlow = 0.02;
        s.slowMs = 5000;
        break;
      default:
        throw new IllegalArgumentException(
            "--scenario must be rpm, learned, overhead or faults, was " + name);
    }
    return s;
  }

  static LlmLoadSettings parse(String[] args) {
    String scenario = "rpm";
    for (String a : args) {
      if (a.startsWith("--scenario=")) {
        scenario = a.substring("--scenario=".length());
      }
    }
    LlmLoadSettings s = forScenario(scenario);
    for (String a : args) {
      if (a.equals("--direct")) {
        s.direct = true;
        continue;
      }
      if (a.equals("--keep")) {
        s.keep = true;
        continue;
      }
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --flag=value, --direct or --keep, got " + a);
      }
      String k = a.substring(2, eq);
      String v = a.substring(eq + 1);
      switch (k) {
        case "scenario":
          break;
        case "tasks":
          s.tasks = Integer.parseInt(v);
          break;
        case "latencyMs":
          s.latencyMs = Long.parseLong(v);
          break;
        case "latency":
          s.distribution = LatencyDistribution.valueOf(v.toUpperCase(Locale.ROOT));
          break;
        case "rpm": // the simulator's limit and the config's, together
          s.simRpm = Integer.parseInt(v);
          s.configRpm = s.simRpm;
          break;
        case "simRpm":
          s.simRpm = Integer.parseInt(v);
          break;
        case "configRpm":
          s.configRpm = Integer.parseInt(v);
          break;
        case "warmupS": // successes in the first S seconds do not count towards the rate
          s.warmupMillis = Long.parseLong(v) * 1000;
          break;
        case "maxInFlight":
          s.maxInFlight = Integer.parseInt(v);
          break;
        case "runner":
          s.direct = v.equalsIgnoreCase("DirectRunner") || v.equalsIgnoreCase("direct");
          break;
        case "parallelism":
          s.parallelism = Integer.parseInt(v);
          break;
        case "targetParallelism": // DirectRunner: bundles processed at once (Beam's default 3)
          s.targetParallelism = Integer.parseInt(v);
          break;
        case "timeoutS":
          s.timeoutS = Integer.parseInt(v);
          break;
        case "maxAttempts":
          s.maxAttempts = Integer.parseInt(v);
          break;
        case "fault5xx":
          s.fault5xx = Double.parseDouble(v);
          break;
        case "faultDrop":
          s.faultDrop = Double.parseDouble(v);
          break;
        case "faultHtml":
          s.faultHtml = Double.parseDouble(v);
          break;
        case "faultSlow":
          s.faultSlow = Double.parseDouble(v);
          break;
        case "slowMs":
          s.slowMs = Long.parseLong(v);
          break;
        case "sourceBytes":
          s.sourceBytes = Integer.parseInt(v);
          break;
        case "workDir":
          s.workDir = v;
          break;
        default:
          throw new IllegalArgumentException("unknown flag --" + k);
      }
    }
    return s;
  }

  SimulatorConfig simulator() {
    double third = fault5xx / 3;
    return SimulatorConfig.defaults()
        .withLatencyMs(latencyMs)
        .withLatencyDistribution(distribution)
        .withRpm(simRpm)
        .withFaultRate(Fault.DROP, faultDrop)
        .withFaultRate(Fault.HTTP_500, third)
        .withFaultRate(Fault.HTTP_502, third)
        .withFaultRate(Fault.HTTP_503, third)
        .withFaultRate(Fault.HTML, faultHtml)
        .withFaultRate(Fault.SLOW, faultSlow)
        .withSlowMs(slowMs);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "scenario=%s tasks=%d latency=%s %d ms, simulator rpm=%d, "
            + "config rpm=%d, rate counted after %d s, maxInFlight=%d, engine=%s, timeout_s=%d, max_attempts=%d, "
            + "faults 5xx=%.3f drop=%.3f html=%.3f slow=%.3f (%d ms)",
        scenario,
        tasks,
        distribution.name().toLowerCase(Locale.ROOT),
        latencyMs,
        simRpm,
        configRpm,
        warmupMillis / 1000,
        maxInFlight,
        direct
            ? "DirectRunner"
                + (targetParallelism > 0 ? " targetParallelism " + targetParallelism : "")
            : "FlinkRunner [local] parallelism " + parallelism,
        timeoutS,
        maxAttempts,
        fault5xx,
        faultDrop,
        faultHtml,
        faultSlow,
        slowMs);
  }
}
