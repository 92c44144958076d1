package org.hipforge.io.util;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The progress line of a long step running in this JVM: done/total, the recent rate and the ETA
 * from it ({@link RateWindow}), calls in flight, requests, retries, 429s, cache hits, tokens, the
 * cost so far (when prices are configured), the current pause and its reason, and for generate a
 * compile count of its own.
 *
 * <p>On a terminal it is one live line redrawn every second ({@code \r}); in a log or CI (stdout
 * not a terminal) a plain line every {@link #PERIOD_SECONDS} s. {@code HIPFORGE_PROGRESS=plain} or
 * {@code live} overrides the choice. The formatting is plain Java ({@link #format}), so the cluster
 * client prints the same line from the job's metrics.
 *
 * <p>JVM-wide (static) because every DoFn instance of a step reports into the same line.
 */
public final class Progress {
  /** A plain line this often: enough to see a run is alive, rare enough not to flood a log. */
  public static final int PERIOD_SECONDS = 5;

  /** The shortest gap between two {@link #status} lines: a waiting run says so, without a flood. */
  public static final int NOTE_GAP_SECONDS = 5;

  /** How far back the rate behind the ETA looks: long enough to smooth bursts of answers. */
  public static final int RATE_WINDOW_SECONDS = 30;

  /** A pause shorter than this is not worth a word (backoffs of a few hundred ms are normal). */
  static final long SAY_PAUSE_MILLIS = 1000;

  private static final AtomicLong DONE = new AtomicLong();
  private static final AtomicLong FAILED = new AtomicLong();
  private static final AtomicLong CALLS = new AtomicLong();
  private static final AtomicLong RETRIES = new AtomicLong();
  private static final AtomicLong LIMITED = new AtomicLong();
  private static final AtomicLong CACHE_HITS = new AtomicLong();
  private static final AtomicLong TOKENS_IN = new AtomicLong();
  private static final AtomicLong TOKENS_OUT = new AtomicLong();
  private static final AtomicLong COMPILE_QUEUED = new AtomicLong();
  private static final AtomicLong COMPILE_RUNNING = new AtomicLong();
  private static final AtomicLong COMPILE_DONE = new AtomicLong();
  private static volatile long total = -1;
  private static volatile String label = "";
  private static volatile double inputPricePerMTok;
  private static volatile double outputPricePerMTok;
  private static volatile LongSupplier inFlight;
  private static volatile Supplier<Snapshot> source;
  private static ScheduledExecutorService timer;
  private static volatile PrintStream stream;
  private static volatile boolean live;
  private static volatile String status;
  private static volatile long statusNanos;
  private static volatile String lastPrinted;
  private static volatile long lastPrintedNanos;
  private static volatile long pauseUntilNanos;
  private static volatile String pauseReason;
  private static final RateWindow TASKS =
      new RateWindow(TimeUnit.SECONDS.toNanos(RATE_WINDOW_SECONDS));
  private static final RateWindow COMPILES =
      new RateWindow(TimeUnit.SECONDS.toNanos(RATE_WINDOW_SECONDS));

  private Progress() {}

  /** Starts reporting for a step expected to finish {@code totalTasks} tasks (-1 if unknown). */
  public static synchronized void start(String stepLabel, long totalTasks, PrintStream out) {
    stop();
    for (AtomicLong c :
        new AtomicLong[] {
          DONE,
          FAILED,
          CALLS,
          RETRIES,
          LIMITED,
          CACHE_HITS,
          TOKENS_IN,
          TOKENS_OUT,
          COMPILE_QUEUED,
          COMPILE_RUNNING,
          COMPILE_DONE
        }) {
      c.set(0);
    }
    label = stepLabel;
    total = totalTasks;
    inputPricePerMTok = 0;
    outputPricePerMTok = 0;
    inFlight = null;
    source = null;
    status = null;
    lastPrinted = null;
    pauseUntilNanos = 0;
    pauseReason = null;
    synchronized (TASKS) {
      TASKS.clear();
      COMPILES.clear();
    }
    live = out == System.out && isTerminal();
    timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("hipforge-progress"));
    stream = out;
    long[] ticks = {0};
    timer.scheduleAtFixedRate(
        () -> {
          sample(System.nanoTime());
          ticks[0]++;
          if (live) {
            out.print("\r\u001b[2K" + line());
            out.flush();
          } else if (ticks[0] % PERIOD_SECONDS == 0) {
            out.println(line());
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
  }

  /**
   * Starts the line of a step whose work runs elsewhere (a Flink cluster): the same line, live or
   * plain, with its numbers from {@code from} instead of this JVM's counters.
   */
  public static synchronized void startRemote(
      String stepLabel, long totalTasks, PrintStream out, Supplier<Snapshot> from) {
    start(stepLabel, totalTasks, out);
    source = from;
  }

  /**
   * Whether stdout is a terminal a live line can be redrawn on ({@code HIPFORGE_PROGRESS}
   * overrides).
   */
  static boolean isTerminal() {
    String mode = System.getenv("HIPFORGE_PROGRESS");
    if ("plain".equals(mode) || "live".equals(mode)) {
      return "live".equals(mode);
    }
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  private static void sample(long now) {
    synchronized (TASKS) {
      TASKS.add(now, DONE.get() + FAILED.get());
      COMPILES.add(now, COMPILE_DONE.get());
    }
  }

  /** Shows the cost so far in the line, at these prices (USD per million tokens; 0: none). */
  public static void prices(double inputPerMTok, double outputPerMTok) {
    inputPricePerMTok = inputPerMTok;
    outputPricePerMTok = outputPerMTok;
  }

  /** Where the line reads the calls in flight (the run's requests on the wire); null: not shown. */
  public static void inFlightFrom(LongSupplier supplier) {
    inFlight = supplier;
  }

  /**
   * Says a status (a long wait the provider asked for, a model still loading) on its own line, and
   * at the end of the progress lines of the next {@link #PERIOD_SECONDS} s. At most one such line
   * every {@link #NOTE_GAP_SECONDS} s: tens of workers meet the same wait at once. Nothing is
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
      if (lastPrinted != null
          && now - lastPrintedNanos < TimeUnit.SECONDS.toNanos(NOTE_GAP_SECONDS)) {
        return;
      }
      lastPrinted = what;
      lastPrintedNanos = now;
    }
    println(out, label + ": " + what);
  }

  /**
   * A call waits {@code millis} before its next attempt because of {@code reason} ("provider asked
   * to retry later"): the line shows the longest pause still running and its reason.
   */
  public static void pause(long millis, String reason) {
    if (millis < SAY_PAUSE_MILLIS) {
      return;
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (Progress.class) {
      if (until > pauseUntilNanos || pauseReason == null || System.nanoTime() > pauseUntilNanos) {
        pauseUntilNanos = until;
        pauseReason = reason;
      }
    }
  }

  /**
   * Prints one line among the progress lines (a fact worth one line, such as a rate limit learned
   * from the provider); on stderr when no step is reporting (--quiet, or on a cluster's worker).
   */
  public static void note(String line) {
    PrintStream s = stream;
    if (s != null) {
      println(s, line);
    } else {
      System.err.println(line);
    }
  }

  /**
   * A line of its own; on a terminal the live line is cleared first (and redrawn by the next tick).
   */
  private static void println(PrintStream out, String text) {
    out.println(live ? "\r\u001b[2K" + text : text);
  }

  /** Stops the line; on a terminal the last live line stays, ended by a newline. */
  public static synchronized void stop() {
    PrintStream out = stream;
    stream = null;
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
      if (out != null && live) {
        out.println("\r\u001b[2K" + line());
      }
    }
    Supplier<Snapshot> from = source;
    if (from instanceof AutoCloseable) {
      try {
        ((AutoCloseable) from).close();
      } catch (Exception e) {
        // a remote source's client: nothing left to do with it
      }
    }
  }

  public static void taskDone(boolean ok) {
    (ok ? DONE : FAILED).incrementAndGet();
  }

  public static void call() {
    CALLS.incrementAndGet();
  }

  /** A failed attempt is tried again. */
  public static void retried() {
    RETRIES.incrementAndGet();
  }

  /** The provider answered 429 (or 529, overloaded). */
  public static void rateLimited() {
    LIMITED.incrementAndGet();
  }

  public static void cacheHit() {
    CACHE_HITS.incrementAndGet();
  }

  public static void tokens(long in, long out) {
    TOKENS_IN.accumulateAndGet(in, TokenMath::add); // saturating, never wraps
    TOKENS_OUT.accumulateAndGet(out, TokenMath::add);
  }

  /** Generate extracted code that will be compiled. */
  public static void compileQueued() {
    COMPILE_QUEUED.incrementAndGet();
  }

  /**
   * Generate's code reached the compile step with compiling turned off ({@code --validate=none}).
   */
  public static void compileSkipped() {
    COMPILE_QUEUED.decrementAndGet();
  }

  public static void compileStarted() {
    COMPILE_RUNNING.incrementAndGet();
  }

  public static void compileDone() {
    COMPILE_RUNNING.decrementAndGet();
    COMPILE_DONE.incrementAndGet();
  }

  /** Tasks finished in this JVM since {@link #start}, passed or failed. */
  public static long done() {
    return DONE.get() + FAILED.get();
  }

  /** This JVM's requests sent, retries, 429 answers and cache hits since {@link #start}. */
  public static Calls calls() {
    return new Calls(CALLS.get(), RETRIES.get(), LIMITED.get(), CACHE_HITS.get());
  }

  /** What {@link #calls} counts. */
  public record Calls(long sent, long retries, long rateLimited, long cacheHits) {}

  /** What one progress line shows; {@link #format} turns it into text. */
  public record Snapshot(
      String label,
      long done,
      long failed,
      long total,
      double ratePerSecond,
      long etaSeconds,
      long inFlight,
      long requests,
      long retries,
      long rateLimited,
      long cacheHits,
      long tokensIn,
      long tokensOut,
      double costUsd,
      long pauseSeconds,
      String pauseReason,
      long compileQueued,
      long compileRunning,
      long compileDone,
      String status) {}

  /** The current state of this JVM's counters. */
  public static Snapshot snapshot() {
    long now = System.nanoTime();
    long done = done();
    long compiled = COMPILE_DONE.get();
    long queued = COMPILE_QUEUED.get();
    double rate;
    long eta;
    synchronized (TASKS) {
      boolean compiling = total >= 0 && done >= total && compiled < queued;
      RateWindow w = compiling ? COMPILES : TASKS;
      rate = w.rate();
      eta = w.etaSeconds(compiling ? queued - compiled : total - done);
    }
    LongSupplier f = inFlight;
    long pause = pauseUntilNanos - now;
    String n = status;
    boolean fresh = n != null && now - statusNanos < TimeUnit.SECONDS.toNanos(PERIOD_SECONDS * 2L);
    double cost =
        inputPricePerMTok > 0 || outputPricePerMTok > 0
            ? TOKENS_IN.get() / 1e6 * inputPricePerMTok
                + TOKENS_OUT.get() / 1e6 * outputPricePerMTok
            : Double.NaN;
    return new Snapshot(
        label,
        done,
        FAILED.get(),
        total,
        rate,
        total < 0 ? -1 : eta,
        f == null ? -1 : f.getAsLong(),
        CALLS.get(),
        RETRIES.get(),
        LIMITED.get(),
        CACHE_HITS.get(),
        TOKENS_IN.get(),
        TOKENS_OUT.get(),
        cost,
        pause > 0 ? TimeUnit.NANOSECONDS.toSeconds(pause + 999_999_999L) : 0,
        pause > 0 ? pauseReason : null,
        queued,
        Math.max(0, COMPILE_RUNNING.get()),
        compiled,
        fresh ? n : null);
  }

  /** The current progress line. */
  public static String line() {
    Supplier<Snapshot> from = source;
    return format(from != null ? from.get() : snapshot());
  }

  /**
   * e.g. {@code describe: 340/1000 (34.0%), 12.3 tasks/s, ETA 0m53s, in flight 32, failed 2, LLM
   * requests 350 (retries 8, 429s 3), cache hits 0, tokens in/out 52000/81000, cost so far $0.0564;
   * waiting 23 s: provider asked to retry later}. Unknown parts are left out.
   */
  public static String format(Snapshot s) {
    StringBuilder b = new StringBuilder();
    b.append(s.label()).append(": ").append(s.done());
    if (s.total() >= 0) {
      b.append('/').append(s.total());
      if (s.total() > 0) {
        b.append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * s.done() / s.total()));
      }
    }
    if (s.compileQueued() > 0 || s.compileRunning() > 0) {
      b.append(", compiled ").append(s.compileDone()).append('/').append(s.compileQueued());
      if (s.compileRunning() > 0) {
        b.append(" (").append(s.compileRunning()).append(" compiling)");
      }
    }
    if (!Double.isNaN(s.ratePerSecond())) {
      b.append(String.format(Locale.ROOT, ", %.1f tasks/s", s.ratePerSecond()));
    }
    if (s.etaSeconds() > 0) {
      long eta = s.etaSeconds();
      b.append(
          eta >= 3600
              ? String.format(Locale.ROOT, ", ETA %dh%02dm", eta / 3600, eta / 60 % 60)
              : String.format(Locale.ROOT, ", ETA %dm%02ds", eta / 60, eta % 60));
    }
    if (s.inFlight() >= 0) {
      b.append(", in flight ").append(s.inFlight());
    }
    b.append(", failed ").append(s.failed());
    if (s.requests() >= 0) { // unknown (-1) on a cluster until the job's counters arrive
      b.append(", LLM requests ").append(s.requests());
      if (s.retries() > 0 || s.rateLimited() > 0) {
        b.append(" (retries ")
            .append(s.retries())
            .append(", 429s ")
            .append(s.rateLimited())
            .append(')');
      }
      b.append(", cache hits ").append(s.cacheHits());
    }
    b.append(", tokens in/out ").append(s.tokensIn()).append('/').append(s.tokensOut());
    if (!Double.isNaN(s.costUsd())) {
      b.append(String.format(Locale.ROOT, ", cost so far $%.4f", s.costUsd()));
    }
    if (s.pauseSeconds() > 0 && s.pauseReason() != null) {
      b.append("; waiting ").append(s.pauseSeconds()).append(" s: ").append(s.pauseReason());
    } else if (s.status() != null) {
      b.append("; ").append(s.status());
    }
    return b.toString();
  }
}
