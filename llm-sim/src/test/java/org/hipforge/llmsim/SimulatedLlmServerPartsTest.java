package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.llmsim.SimulatorConfig.Answer;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The simulator's plain parts: config, limiter, formats and the kernel scan. */
class SimulatedLlmServerPartsTest {

  @Test
  void configWithMethodsReturnNewInstancesAndNameTheBadArgument() {
    SimulatorConfig defaults = SimulatorConfig.defaults();
    SimulatorConfig limited = defaults.withRpm(60);
    assertThat(limited, not(sameInstance(defaults)));
    assertThat(defaults.rpm(), is(0));
    assertThat(limited.rpm(), is(60));
    assertThat(limited, is(SimulatorConfig.defaults().withRpm(60)));

    assertThat(refused(() -> defaults.withTpm(-5)), is("tpm must be >= 0, but was -5"));
    assertThat(refused(() -> defaults.withPort(70_000)), containsString("port"));
    assertThat(
        refused(() -> defaults.withFaultRate(Fault.DROP, 1.5)),
        is("dropRate must be in [0, 1], but was 1.5"));
    assertThat(refused(() -> defaults.withApiKey(" ")), containsString("apiKey"));
    assertThat(limited.withApiKey("sk-secret").toString(), not(containsString("sk-secret")));
  }

  @Test
  void everyWithMethodSetsTheSettingItNames() {
    // The with methods copy a record by component name: each must land on its own component.
    SimulatorConfig c =
        SimulatorConfig.defaults()
            .withPort(8080)
            .withLatencyMs(5)
            .withLatencyDistribution(LatencyDistribution.EXPONENTIAL)
            .withSeed(7)
            .withRpm(60)
            .withTpm(6_000)
            .withApiKey("sk-k")
            .withMaxContextTokens(100)
            .withFaultRate(Fault.HTML, 0.25)
            .withSlowMs(9)
            .withCompileErrorRate(0.5)
            .withQuotaAfter(3)
            .withRequestsLog(Path.of("paid.log"))
            .withAnswerRate(Answer.THINK, 0.75);
    assertThat(
        List.of(c.port(), c.latencyMs(), c.latencyDistribution(), c.seed(), c.rpm(), c.tpm()),
        is(List.of(8080, 5L, LatencyDistribution.EXPONENTIAL, 7L, 60, 6_000L)));
    assertThat(
        List.of(c.apiKey(), c.maxContextTokens(), c.faultRate(Fault.HTML), c.slowMs()),
        is(List.of("sk-k", 100, 0.25, 9L)));
    assertThat(
        List.of(c.compileErrorRate(), c.quotaAfter(), c.requestsLog(), c.answerRate(Answer.THINK)),
        is(List.of(0.5, 3, Path.of("paid.log"), 0.75)));

    ProviderQuirks q =
        ProviderQuirks.none()
            .withLoadingMs(1)
            .withConflictRate(0.5)
            .withShouldRetry("true")
            .withDailyLimit(2, 3)
            .withTrickle(0.25, 4)
            .withAnswerBytes(5)
            .withEchoKey(true)
            .withRedirectTo("http://x");
    assertThat(
        List.of(q.loadingMs(), q.conflictRate(), q.shouldRetry(), q.dailyLimit()),
        is(List.of(1L, 0.5, "true", 2)));
    assertThat(
        List.of(q.dailyRetryAfterS(), q.trickleRate(), q.trickleMs(), q.answerBytes()),
        is(List.of(3L, 0.25, 4L, 5)));
    assertThat(List.of(q.echoKey(), q.redirectTo()), is(List.of(true, "http://x")));
    assertThat(c.withQuirks(q).withBatch(BatchSettings.defaults().withDelayMs(6)).quirks(), is(q));
  }

  @Test
  void faultRatesShareOneDrawAndMayNotSumAboveOne() {
    SimulatorConfig c =
        SimulatorConfig.defaults()
            .withFaultRate(Fault.DROP, 0.5)
            .withFaultRate(Fault.HTTP_500, 0.5);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.withFaultRate(Fault.SLOW, 0.1));
    assertThat(e.getMessage(), containsString("slowRate"));
    // Lowering a rate that is already counted in the sum is fine.
    assertThat(
        c.withFaultRate(Fault.HTTP_500, 0.4).withFaultRate(Fault.SLOW, 0.1).faultRate(Fault.SLOW),
        is(0.1));

    assertThat(c.faultFor(0.0), is(Fault.DROP));
    assertThat(c.faultFor(0.7), is(Fault.HTTP_500));
    assertThat(SimulatorConfig.defaults().faultFor(0.999), is(Fault.NONE));
    assertThat(
        SimulatorConfig.defaults().withFaultRate(Fault.SLOW, 1).faultFor(0.999), is(Fault.SLOW));
  }

  @Test
  void requestBucketRefillsContinuouslyAndSaysHowLongToWait() {
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    SimulatedRateLimiter limiter = new SimulatedRateLimiter(60, 0, nanos::get);
    for (int i = 0; i < 60; i++) {
      assertThat(limiter.tryAcquire(0).admitted(), is(true));
    }
    SimulatedRateLimiter.Decision refused = limiter.tryAcquire(0);
    assertThat(refused.admitted(), is(false));
    assertThat(refused.refusedBy(), is("requests"));
    assertThat(refused.retryAfterMillis(), is(1_000L));
    assertThat(refused.remainingRequests(), is(0L));
    assertThat(refused.requestsResetMillis(), is(60_000L));

    nanos.addAndGet(1_000_000_000L);
    SimulatedRateLimiter.Decision next = limiter.tryAcquire(0);
    assertThat(next.admitted(), is(true));
    assertThat(limiter.tryAcquire(0).admitted(), is(false));
  }

  @Test
  void tokenBucketRefusesByTokensAndFlagsRequestsLargerThanTheBucket() {
    AtomicLong nanos = new AtomicLong();
    SimulatedRateLimiter limiter = new SimulatedRateLimiter(0, 6_000, nanos::get);
    assertThat(limiter.tryAcquire(5_000).admitted(), is(true));
    SimulatedRateLimiter.Decision d = limiter.tryAcquire(2_000);
    assertThat(d.admitted(), is(false));
    assertThat(d.refusedBy(), is("tokens"));
    // 1,000 missing tokens at 100 per second.
    assertThat(d.retryAfterMillis(), is(10_000L));
    assertThat(d.tooLarge(), is(false));
    assertThat(limiter.tryAcquire(7_000).tooLarge(), is(true));
  }

  @Test
  void durationsAreWrittenLikeOpenAiResetHeaders() {
    assertThat(WireFormat.goDuration(0), is("0s"));
    assertThat(WireFormat.goDuration(120), is("120ms"));
    assertThat(WireFormat.goDuration(1_000), is("1s"));
    assertThat(WireFormat.goDuration(17_280), is("17.28s"));
    assertThat(WireFormat.goDuration(360_000), is("6m0s"));
    assertThat(WireFormat.goDuration(3_723_050), is("1h2m3.05s"));
    assertThat(WireFormat.retryAfterSeconds(1), is(1L));
    assertThat(WireFormat.retryAfterSeconds(20_001), is(21L));
  }

  @Test
  void apiKeysAreMaskedNeverEchoed() {
    assertThat(
        WireFormat.maskKey("sk-proj-abcdefghijklmnop1234"), is("sk-" + "*".repeat(21) + "1234"));
    assertThat(WireFormat.maskKey("short"), is("*****"));
  }

  @Test
  void kernelScanFindsEveryKernelAndIgnoresProse() {
    String source =
        "extern \"C\" __global__ void first(float* x) {}\n"
            + "__global__\nvoid __launch_bounds__(256, 2) second(int n) {}\n"
            + "template <typename T, int N> __global__ void third(T* x) {}\n"
            + "// __global__ functions run on the device\n"
            + "__global__ void first(float* y);\n";
    assertThat(SimulatedAnswers.kernelNames(source), is(List.of("first", "second", "third")));
    assertThat(
        SimulatedAnswers.kernelNames(
            "Write a HIP program with a __global__ kernel named `vector_add` (one thread each)."),
        is(List.of()));
    assertThat(SimulatedAnswers.isSource("#include <hip/hip_runtime.h>\nint main() {}"), is(true));
  }

  @Test
  void kernelNameComesFromTheFirstUsableBacktickedName() {
    assertThat(
        SimulatedAnswers.kernelNameFor("Use `hipMalloc` and a kernel `reduce_sum`."),
        is("reduce_sum"));
    assertThat(
        SimulatedAnswers.kernelNameFor("Name it `main` or `count` or `x y`."),
        is(SimulatedAnswers.DEFAULT_KERNEL));
    assertThat(
        SimulatedAnswers.kernelNameFor("No names here."), is(SimulatedAnswers.DEFAULT_KERNEL));
  }

  @Test
  void exponentialLatencyHasTheConfiguredMeanAndFixedLatencyIsExact() {
    assertThat(LatencyDistribution.FIXED.sampleMillis(200, 0.99), is(200L));
    double sum = 0;
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      sum += LatencyDistribution.EXPONENTIAL.sampleMillis(200, (i + 0.5) / n);
    }
    assertThat(sum / n, allOf(greaterThan(190.0), lessThan(210.0)));
  }

  /** The message of the IllegalArgumentException {@code change} throws. */
  private static String refused(Executable change) {
    return assertThrows(IllegalArgumentException.class, change).getMessage();
  }
}
