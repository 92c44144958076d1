package org.hipforge.io.util;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints one progress line every {@link #PERIOD_SECONDS} s while a long step runs in this JVM:
 * done/total, rate, ETA, calls, cache hits, tokens so far and, when prices are configured, the
 * estimated cost so far (of the answers journaled in this JVM).
 *
 * <p>JVM-wide (static) because every DoFn instance of a step reports into the same line.
 */
public final class Progress {
  /** Often enough to see a run is alive, rare enough not to flood a log. */
  public static final int PERIOD_SECONDS = 10;
  /** The shortest gap between two {@link #status} lines: a waiting run says so, without a flood. */
  public static final int NOTE_GAP_SECONDS = 5;

  private static final AtomicLong DONE = new AtomicLong();
  private static final AtomicLong FAILED = new AtomicLong();
  private static final AtomicLong CALLS = new AtomicLong();
  private static final AtomicLong CACHE_HITS = new AtomicLong();
  private static final AtomicLong TOKENS_IN = new AtomicLong();
  private static final AtomicLong TOKENS_OUT = new AtomicLong();
  private static volatile long total = -1;
  private static volatile String label = "";
  private static volatile long startNanos;
  private static volatile double inputPricePerMTok;
  private static volatile double outputPricePerMTok;
  private static ScheduledExecutorService timer;
  private static volatile PrintStream stream;
  private static volatile String status;
  private static volatile long statusNanos;
  private static volatile String lastPrinted;
  private static volatile long lastPrintedNanos;

  private Progress() {}

  /** Starts reporting for a step expected to finish {@code totalTasks} tasks (-1 if unknown). */
  public static synchronized void start(String stepLabel, long totalTasks, PrintStream out) {
    stop();
    DONE.set(0);
    FAILED.set(0);
    CALLS.set(0);
    CACHE_HITS.set(0);
    TOKENS_IN.set(0);
    TOKENS_OUT.set(0);
    label = stepLabel;
    total = totalTasks;
    inputPricePerMTok = 0;
    outputPricePerMTok = 0;
    startNanos = System.nanoTime();
    status = null;
    lastPrinted = null;
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hipforge-progress");
      t.setDaemon(true);
      return t;
    });
    stream = out;
    timer.scheduleAtFixedRate(() -> out.println(line()), PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
  }

  /** Shows the cost so far in the line, at these prices (USD per million tokens; 0: none). */
  public static void prices(double inputPerMTok, double outputPerMTok) {
    inputPricePerMTok = inputPerMTok;
    outputPricePerMTok = outputPerMTok;
  }

  /**
   * Says a status (a long wait the provider asked for, a model still loading) on its own line,
   * and at the end of the progress lines of the next {@link #PERIOD_SECONDS} s. At most one such
   * line every {@link #NOTE_GAP_SECONDS} s: tens of workers meet the same wait at once. Nothing is
   * printed when no step reports progress (the stop that may follow says it anyway).
   */
  public static void status(String what) {
    long now = System.nanoTime();
    status = what;
    statusNanos = now;
    PrintStream out = stream;
    if (out == null) {
      return;
    }
    synchronized (Progress.class) {
      if (lastPrinted != null && now - lastPrintedNanos < TimeUnit.SECONDS.toNanos(NOTE_GAP_SECONDS)) {
        return;
      }
      lastPrinted = what;
      lastPrintedNanos = now;
    }
    out.println(label + ": " + what);
  }

  /**
   * Prints one line among the progress lines (a fact worth one line, such as a rate limit learned
   * from the provider); on stderr when no step is reporting (--quiet, or on a cluster's worker).
   */
  public static void note(String line) {
    PrintStream s = stream;
    (s != null ? s : System.err).println(line);
  }

  public static synchronized void stop() {
    stream = null;
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  public static void taskDone(boolean ok) {
    (ok ? DONE : FAILED).incrementAndGet();
  }

  public static void call() {
    CALLS.incrementAndGet();
  }

  public static void cacheHit() {
    CACHE_HITS.incrementAndGet();
  }

  public static void tokens(long in, long out) {
    TOKENS_IN.accumulateAndGet(in, TokenMath::add); // saturating, never wraps
    TOKENS_OUT.accumulateAndGet(out, TokenMath::add);
  }

  /** Tasks finished in this JVM since {@link #start}, passed or failed. */
  public static long done() {
    return DONE.get() + FAILED.get();
  }

  public static long calls() {
    return CALLS.get();
  }

  public static long cacheHits() {
    return CACHE_HITS.get();
  }

  public static long tokensIn() {
    return TOKENS_IN.get();
  }

  public static long tokensOut() {
    return TOKENS_OUT.get();
  }

  /** The current progress line. */
  public static String line() {
    long done = DONE.get() + FAILED.get();
    double secs = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    double rate = done / secs;
    StringBuilder b = new StringBuilder();
    b.append(label).append(": ").append(done);
    if (total >= 0) {
      b.append('/').append(total);
      if (total > 0) {
        b.append(String.format(" (%.1f%%)", 100.0 * done / total));
      }
    }
    b.append(String.format(", %.1f tasks/s", rate));
    if (total > done && rate > 0) {
      long eta = (long) ((total - done) / rate);
      b.append(String.format(", ETA %dm%02ds", eta / 60, eta % 60));
    }
    b.append(", failed ").append(FAILED.get());
    b.append(", LLM requests ").append(CALLS.get());
    b.append(", cache hits ").append(CACHE_HITS.get());
    b.append(", tokens in/out ").append(TOKENS_IN.get()).append('/').append(TOKENS_OUT.get());
    if (inputPricePerMTok > 0 || outputPricePerMTok > 0) {
      double usd = TOKENS_IN.get() / 1e6 * inputPricePerMTok + TOKENS_OUT.get() / 1e6 * outputPricePerMTok;
      b.append(String.format(java.util.Locale.ROOT, ", cost so far $%.4f", usd));
    }
    String n = status;
    if (n != null && System.nanoTime() - statusNanos < TimeUnit.SECONDS.toNanos(PERIOD_SECONDS)) {
      b.append("; ").append(n);
    }
    return b.toString();
  }
}
