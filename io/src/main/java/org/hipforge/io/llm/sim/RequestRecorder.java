package org.hipforge.io.llm.sim;

import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What the simulator saw, counted lock-free on the hot path so recording never limits it. */
final class RequestRecorder {

  private final LongAdder total = new LongAdder();
  private final LongAdder compileErrors = new LongAdder();
  // The usage of every answer served with 200: what a provider bills, repeats included.
  private final LongAdder billedPromptTokens = new LongAdder();
  private final LongAdder billedCompletionTokens = new LongAdder();
  private final Map<String, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byPrompt = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> successByPrompt = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  // Guarded by this; a plain growing array because boxing millions of Longs would show in
  // throughput benchmarks.
  private long[] successMillis = new long[1024];
  private int successCount;

  void begin() {
    total.increment();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
  }

  void end() {
    inFlight.decrementAndGet();
  }

  void prompt(String key) {
    byPrompt.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void status(String status) {
    byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
  }

  void success(String key, long epochMillis, boolean compileError, long promptTokens,
      long completionTokens) {
    status("200");
    billedPromptTokens.add(promptTokens);
    billedCompletionTokens.add(completionTokens);
    successByPrompt.computeIfAbsent(key, k -> new LongAdder()).increment();
    if (compileError) {
      compileErrors.increment();
    }
    synchronized (this) {
      if (successCount == successMillis.length) {
        successMillis = Arrays.copyOf(successMillis, successCount * 2);
      }
      successMillis[successCount++] = epochMillis;
    }
  }

  long billedPromptTokens() {
    return billedPromptTokens.sum();
  }

  long billedCompletionTokens() {
    return billedCompletionTokens.sum();
  }

  /** {@code {"requests", "answers", "billed_prompt_tokens", "billed_completion_tokens"}} as JSON. */
  byte[] statsJson() {
    long answers = byStatus.getOrDefault("200", new LongAdder()).sum();
    return String.format(java.util.Locale.ROOT,
        "{\"requests\":%d,\"answers\":%d,\"billed_prompt_tokens\":%d,\"billed_completion_tokens\":%d}",
        total(), answers, billedPromptTokens(), billedCompletionTokens())
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  long total() {
    return total.sum();
  }

  long compileErrors() {
    return compileErrors.sum();
  }

  Map<String, Long> byStatus() {
    return snapshot(byStatus);
  }

  Map<String, Long> byPrompt() {
    return snapshot(byPrompt);
  }

  Map<String, Long> successByPrompt() {
    return snapshot(successByPrompt);
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  synchronized long[] successMillis() {
    return Arrays.copyOf(successMillis, successCount);
  }

  SortedMap<Long, Long> successesPerSecond() {
    SortedMap<Long, Long> perSecond = new TreeMap<>();
    for (long millis : successMillis()) {
      perSecond.merge(Math.floorDiv(millis, 1000L), 1L, Long::sum);
    }
    return perSecond;
  }

  synchronized void reset() {
    total.reset();
    compileErrors.reset();
    billedPromptTokens.reset();
    billedCompletionTokens.reset();
    byStatus.clear();
    byPrompt.clear();
    successByPrompt.clear();
    // Requests still running will end later; the peak restarts from them, not from zero.
    maxInFlight.set(inFlight.get());
    successMillis = new long[1024];
    successCount = 0;
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
    Map<String, Long> copy = new TreeMap<>();
    counters.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
