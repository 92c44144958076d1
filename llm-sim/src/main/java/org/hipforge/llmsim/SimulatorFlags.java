package org.hipforge.llmsim;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.hipforge.llmsim.SimulatorConfig.Fault;

/** The {@code --name=value} flags of {@link SimulatedLlmServer#main}: parsing and usage text. */
final class SimulatorFlags {

  // In the order usage() lists them.
  private static final Map<String, BiFunction<SimulatorConfig, String, SimulatorConfig>> FLAGS =
      flags();

  private SimulatorFlags() {}

  private static Map<String, BiFunction<SimulatorConfig, String, SimulatorConfig>> flags() {
    Map<String, BiFunction<SimulatorConfig, String, SimulatorConfig>> f = new LinkedHashMap<>();
    f.put("port", (c, v) -> c.withPort(Integer.parseInt(v)));
    f.put("latency-ms", (c, v) -> c.withLatencyMs(Long.parseLong(v)));
    f.put(
        "latency",
        (c, v) ->
            c.withLatencyDistribution(LatencyDistribution.valueOf(v.toUpperCase(Locale.ROOT))));
    f.put("seed", (c, v) -> c.withSeed(Long.parseLong(v)));
    f.put("rpm", (c, v) -> c.withRpm(Integer.parseInt(v)));
    f.put("tpm", (c, v) -> c.withTpm(Long.parseLong(v)));
    f.put("api-key", (c, v) -> c.withApiKey(v.isEmpty() ? null : v));
    f.put("max-context-tokens", (c, v) -> c.withMaxContextTokens(Integer.parseInt(v)));
    // --fault-drop=, --fault-500=, ..., --fault-html=, --fault-slow=: one per fault.
    for (Fault fault : Fault.values()) {
      if (fault != Fault.NONE) {
        f.put(
            "fault-" + fault.name().toLowerCase(Locale.ROOT).replace("http_", ""),
            (c, v) -> c.withFaultRate(fault, Double.parseDouble(v)));
      }
    }
    // Shorthand: one rate split evenly over 500, 502 and 503.
    f.put(
        "fault-5xx",
        (c, v) -> {
          double third = Double.parseDouble(v) / 3;
          return c.withFaultRate(Fault.HTTP_500, third)
              .withFaultRate(Fault.HTTP_502, third)
              .withFaultRate(Fault.HTTP_503, third);
        });
    f.put("slow-ms", (c, v) -> c.withSlowMs(Long.parseLong(v)));
    f.put("compile-error-rate", (c, v) -> c.withCompileErrorRate(Double.parseDouble(v)));
    f.put("requests-log", (c, v) -> c.withRequestsLog(Path.of(v)));
    f.put("quota-after", (c, v) -> c.withQuotaAfter(Integer.parseInt(v)));
    // --answer-refusal=0.1, --answer-content-filter=..., one per non-NORMAL answer shape.
    for (SimulatorConfig.Answer a : SimulatorConfig.Answer.values()) {
      if (a != SimulatorConfig.Answer.NORMAL) {
        f.put(
            "answer-" + a.name().toLowerCase(Locale.ROOT).replace('_', '-'),
            (c, v) -> c.withAnswerRate(a, Double.parseDouble(v)));
      }
    }
    f.put("loading-ms", (c, v) -> c.withQuirks(c.quirks().withLoadingMs(Long.parseLong(v))));
    f.put("fault-409", (c, v) -> c.withQuirks(c.quirks().withConflictRate(Double.parseDouble(v))));
    f.put(
        "should-retry", (c, v) -> c.withQuirks(c.quirks().withShouldRetry(v.isEmpty() ? null : v)));
    f.put(
        "daily-limit",
        (c, v) ->
            c.withQuirks(
                c.quirks().withDailyLimit(Integer.parseInt(v), c.quirks().dailyRetryAfterS())));
    f.put(
        "daily-retry-after-s",
        (c, v) ->
            c.withQuirks(c.quirks().withDailyLimit(c.quirks().dailyLimit(), Long.parseLong(v))));
    f.put(
        "trickle",
        (c, v) ->
            c.withQuirks(c.quirks().withTrickle(Double.parseDouble(v), c.quirks().trickleMs())));
    f.put(
        "trickle-ms",
        (c, v) ->
            c.withQuirks(c.quirks().withTrickle(c.quirks().trickleRate(), Long.parseLong(v))));
    f.put("answer-bytes", (c, v) -> c.withQuirks(c.quirks().withAnswerBytes(Integer.parseInt(v))));
    f.put("echo-key", (c, v) -> c.withQuirks(c.quirks().withEchoKey(Boolean.parseBoolean(v))));
    f.put("batch-delay-ms", (c, v) -> c.withBatch(c.batch().withDelayMs(Long.parseLong(v))));
    f.put(
        "batch-line-error-rate",
        (c, v) -> c.withBatch(c.batch().withLineErrorRate(Double.parseDouble(v))));
    f.put(
        "batch-expire-rate",
        (c, v) -> c.withBatch(c.batch().withExpireRate(Double.parseDouble(v))));
    f.put("redirect-to", (c, v) -> c.withQuirks(c.quirks().withRedirectTo(v.isEmpty() ? null : v)));
    return f;
  }

  /** The config the flags describe, or null when {@code --help} asks for the usage text. */
  static SimulatorConfig parse(String[] args) {
    SimulatorConfig config = SimulatorConfig.defaults();
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
      }
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --flag=value, but got " + arg);
      }
      String name = arg.substring(2, eq);
      BiFunction<SimulatorConfig, String, SimulatorConfig> flag = FLAGS.get(name);
      if (flag == null) {
        throw new IllegalArgumentException("unknown flag --" + name);
      }
      try {
        config = flag.apply(config, arg.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        // NumberFormatException is one too: both mean this flag's value is wrong.
        throw new IllegalArgumentException("--" + name + ": " + e.getMessage(), e);
      }
    }
    return config;
  }

  static String usage() {
    return "usage: SimulatedLlmServer [--flag=value ...]\n"
        + "  --port=0                 listen port on 127.0.0.1 (0: ephemeral)\n"
        + "  --latency-ms=0           mean answer latency\n"
        + "  --latency=fixed          fixed | exponential\n"
        + "  --seed=42                seed of latency, fault and compile-error draws\n"
        + "  --rpm=0 --tpm=0          requests / tokens per minute (0: unlimited)\n"
        + "  --api-key=KEY            the only key accepted (default: any)\n"
        + "  --max-context-tokens=0   prompts above this get a 400 (0: no limit)\n"
        + "  --fault-drop= --fault-500= --fault-502= --fault-503= --fault-5xx=\n"
        + "  --fault-529= --fault-html= --fault-slow=   fault rates in [0, 1]\n"
        + "  --slow-ms=10000          how long a slow answer waits\n"
        + "  --compile-error-rate=0   fraction of generated programs that do not compile\n"
        + "  --requests-log=FILE      append the prompt key of every successful answer\n"
        + "  --quota-after=-1         after N chat requests (or batch answers) answer \"no quota/credit left\"\n"
        + "                           to chat requests and new batches (spend cap)\n"
        + "  --answer-refusal= --answer-refusal-as-text= --answer-content-filter=\n"
        + "  --answer-truncated= --answer-reasoning-cut=\n"
        + "  --answer-no-choices= --answer-parts= --answer-think= --answer-no-usage=\n"
        + "  --answer-cache-tokens=   rates of 200 answer shapes (by prompt) in [0, 1]\n"
        + "  --loading-ms=0           answer 503 \"Loading model\" (llama.cpp) this long from the first request\n"
        + "  --fault-409=0            fraction of requests answered 409\n"
        + "  --should-retry=          x-should-retry on every error answer: true | false\n"
        + "  --daily-limit=-1 --daily-retry-after-s=86400   429 per day after N requests\n"
        + "  --trickle=0 --trickle-ms=0   fraction of answers whose body trickles over ms\n"
        + "  --answer-bytes=0         pad every answer to this size; --echo-key=true echoes the key\n"
        + "  --redirect-to=URL        answer every chat request 307 to URL + path\n"
        + "  --batch-delay-ms=1000    time from creating a batch until it ends (lines finish evenly)\n"
        + "  --batch-line-error-rate=0 --batch-expire-rate=0   fractions of batch lines that fail / expire\n"
        + "GET /sim/stats: requests, answers and the tokens billed in them, as JSON";
  }
}
