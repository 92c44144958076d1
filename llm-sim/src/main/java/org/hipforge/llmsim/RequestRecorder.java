package org.hipforge.llmsim;

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
  // The Batch API: calls by kind ("upload", "create", "status", "results", "cancel", ...), the
  // batches and lines submitted, and the lines answered (billed) with their tokens.
  private final Map<String, LongAdder> batchCalls = new ConcurrentHashMap<>();
  private final LongAdder batchesCreated = new LongAdder();
  private final LongAdder batchLines = new LongAdder();
  private final LongAdder batchAnswers = new LongAdder();
  private final LongAdder batchPromptTokens = new LongAdder();
  private final LongAdder batchCompletionTokens = new LongAdder();
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

  void success(
      String key,
      long epochMillis,
      boolean compileError,
      long promptTokens,
      long completionTokens) {
    status("200");
    billed(key, epochMillis, compileError, promptTokens, completionTokens);
  }

  /** One Batch API call of {@code kind}. */
  void batchCall(String kind) {
    batchCalls.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** A batch was created with {@code lines} requests. */
  void batchCreated(int lines) {
    batchesCreated.increment();
    batchLines.add(lines);
  }

  /**
   * A batch line answered: billed like a synchronous answer, counted apart (no HTTP 200 of its
   * own).
   */
  void batchAnswer(
      String key,
      long epochMillis,
      boolean compileError,
      long promptTokens,
      long completionTokens) {
    batchAnswers.increment();
    batchPromptTokens.add(promptTokens);
    batchCompletionTokens.add(completionTokens);
    billed(key, epochMillis, compileError, promptTokens, completionTokens);
  }

  Map<String, Long> batchCalls() {
    return snapshot(batchCalls);
  }

  long batchesCreated() {
    return batchesCreated.sum();
  }

  long batchLines() {
    return batchLines.sum();
  }

  long batchAnswers() {
    return batchAnswers.sum();
  }

  private void billed(
      String key,
      long epochMillis,
      boolean compileError,
      long promptTokens,
      long completionTokens) {
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

  /**
   * {@code {"requests", "answers", "billed_prompt_tokens", "billed_completion_tokens",
   * "batch_calls", "batches_created", "batch_lines", "batch_answers", "batch_billed_prompt_tokens",
   * "batch_billed_completion_tokens"}} as JSON: {@code answers} are HTTP 200 answers, the billed
   * tokens include the batch lines' (also counted apart).
   */
  byte[] statsJson() {
    long answers = byStatus.getOrDefault("200", new LongAdder()).sum();
    StringBuilder calls = new StringBuilder("{");
    batchCalls()
        .forEach(
            (k, v) ->
                calls
                    .append(calls.length() > 1 ? "," : "")
                    .append('"')
                    .append(k)
                    .append("\":")
                    .append(v));
    calls.append('}');
    return String.format(
            java.util.Locale.ROOT,
            "{\"requests\":%d,\"answers\":%d,\"billed_prompt_tokens\":%d,\"billed_completion_tokens\":%d,"
                + "\"batch_calls\":%s,\"batches_created\":%d,\"batch_lines\":%d,\"batch_answers\":%d,"
                + "\"batch_billed_prompt_tokens\":%d,\"batch_billed_completion_tokens\":%d}",
            total(),
            answers,
            billedPromptTokens(),
            billedCompletionTokens(),
            calls,
            batchesCreated(),
            batchLines(),
            batchAnswers(),
            batchPromptTokens.sum(),
            batchCompletionTokens.sum())
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
    batchCalls.clear();
    batchesCreated.reset();
    batchLines.reset();
    batchAnswers.reset();
    batchPromptTokens.reset();
    batchCompletionTokens.reset();
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
