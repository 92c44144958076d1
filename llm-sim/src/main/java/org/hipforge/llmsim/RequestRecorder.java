package org.hipforge.llmsim;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulator saw, counted lock-free on the hot path so recording never limits it, and the
 * requests log ({@link SimulatorConfig#requestsLog}) every billed answer's prompt key is appended
 * to.
 */
final class RequestRecorder implements AutoCloseable {

  /** The requests log, or null when none is written. */
  private final OutputStream requestsLog;

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

  /** Records in memory, and appends to {@code requestsLog} (created if need be) unless null. */
  RequestRecorder(Path requestsLog) throws IOException {
    this.requestsLog =
        requestsLog == null
            ? null
            : Files.newOutputStream(
                requestsLog,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
  }

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

  /** A billed chat answer (HTTP 200): logged, then counted. */
  void success(SimulatedModel.Generated g) throws IOException {
    log(g.key());
    status("200");
    billed(g, System.currentTimeMillis());
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
  void batchAnswer(SimulatedModel.Generated g) throws IOException {
    log(g.key());
    long epochMillis = System.currentTimeMillis();
    batchAnswers.increment();
    batchPromptTokens.add(g.promptTokens());
    batchCompletionTokens.add(g.completionTokens());
    billed(g, epochMillis);
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

  private void billed(SimulatedModel.Generated g, long epochMillis) {
    billedPromptTokens.add(g.promptTokens());
    billedCompletionTokens.add(g.completionTokens());
    successByPrompt.computeIfAbsent(g.key(), k -> new LongAdder()).increment();
    if (g.compileError()) {
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
        .getBytes(StandardCharsets.US_ASCII);
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

  private void log(String key) throws IOException {
    if (requestsLog == null) {
      return;
    }
    byte[] line = (key + "\n").getBytes(StandardCharsets.US_ASCII);
    // One unbuffered write per line: another process reading the file (or a kill -9 of this
    // one) never sees half a line from us.
    synchronized (requestsLog) {
      requestsLog.write(line);
      requestsLog.flush();
    }
  }

  /** Closes the requests log. */
  @Override
  public void close() {
    if (requestsLog != null) {
      try {
        requestsLog.close();
      } catch (IOException e) {
        // Every line was flushed when written; nothing is lost by a failing close.
      }
    }
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
    Map<String, Long> copy = new TreeMap<>();
    counters.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
