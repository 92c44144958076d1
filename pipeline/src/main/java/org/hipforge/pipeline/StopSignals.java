package org.hipforge.pipeline;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.util.BeforeExit;

/**
 * Ctrl-C (SIGINT) and SIGTERM stop a command politely: no new request, the calls in flight reach
 * the journal, one line says so, a summary follows, and the JVM exits with 130 / 143.
 *
 * <p>Why our own handlers: the JVM's default ones start its shutdown at once, and embedded Flink's
 * shutdown hooks then tear the job down under the calls in flight (measured: exit in 0.4 s with no
 * message, every answer in flight paid for and lost). A {@code sun.misc.Signal} handler replaces
 * the default one, so nothing shuts down until the drain is over: the handler closes every run's
 * {@link CallGate} in this JVM, waits up to the command's drain time (the provider's timeout: no
 * call can take longer once retries stop) for the calls in flight, releases what must be released
 * ({@link #releaseBeforeExit}), prints the command's summary and calls {@code System.exit}. A
 * second signal exits at once (after the same release). The main thread, when its pipeline ends
 * during a stop, waits for the stop instead of printing a normal finish ({@link #waitIfStopping}).
 *
 * <p>Installed by {@link Main#main} only: tests that call commands in-process keep the JVM's
 * handlers. On a cluster the stop covers this client JVM; the job's workers stop when the job is
 * cancelled (CallLlm's teardown drains them the same way).
 */
final class StopSignals {
  static final int EXIT_SIGINT = 130;
  static final int EXIT_SIGTERM = 143;

  /** What a command says once a stop has drained its calls in flight. */
  interface Report {
    /**
     * One or more lines; {@code drained} is false when calls were still in flight at the deadline.
     */
    String afterStop(CallGate.Kind kind, boolean drained) throws Exception;
  }

  /** The command whose calls a stop drains; closed when the command's calls are over. */
  static final class Scope implements AutoCloseable {
    final String command;
    final Duration drain;
    final Report report;

    private Scope(String command, Duration drain, Report report) {
      this.command = command;
      this.drain = drain;
      this.report = report;
    }

    @Override
    public void close() {
      synchronized (StopSignals.class) {
        if (current == this) {
          current = null;
        }
      }
    }
  }

  private static final AtomicInteger SIGNALS = new AtomicInteger();
  private static volatile boolean stopping;
  private static volatile Scope current;
  private static volatile String command = "hipforge";
  private static volatile PrintStream out = System.out;

  private StopSignals() {}

  /** Replaces the JVM's SIGINT and SIGTERM handlers; messages go to {@code printTo}. */
  static void install(PrintStream printTo) {
    out = printTo;
    for (CallGate.Kind kind : List.of(CallGate.Kind.SIGINT, CallGate.Kind.SIGTERM)) {
      try {
        handle(kind == CallGate.Kind.SIGINT ? "INT" : "TERM", () -> onSignal(kind));
      } catch (IllegalArgumentException refused) {
        // -Xrs, or a signal the JVM keeps for itself: the default (immediate) stop stays.
      }
    }
  }

  /**
   * {@code sun.misc.Signal.handle(new Signal(name), sig -> action.run())}, looked up by name: javac
   * flags every direct use of {@code sun.misc} as internal proprietary API, a warning no annotation
   * can silence, and the build turns warnings into errors. The class is exported by the JDK's
   * {@code jdk.unsupported} module for exactly this use.
   */
  private static void handle(String name, Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (self, method, args) ->
                  switch (method.getName()) {
                    case "handle" -> {
                      action.run();
                      yield null;
                    }
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> "StopSignals handler for SIG" + name;
                  });
      signal
          .getMethod("handle", signal, handlerType)
          .invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException refused) {
        throw refused;
      }
      throw new IllegalStateException("cannot install the SIG" + name + " handler", e.getCause());
    } catch (ReflectiveOperationException e) {
      // Treated like a refused signal by the caller: the default (immediate) stop stays.
      throw new IllegalArgumentException("this JVM has no sun.misc.Signal", e);
    }
  }

  /**
   * Names the command in the lines a stop prints when no calls are running (e.g. during a scan).
   */
  static void command(String name) {
    command = "hipforge " + name;
  }

  /** Marks {@code command}'s calls as running: a stop drains them for up to {@code drain}. */
  static synchronized Scope during(String command, Duration drain, Report report) {
    Scope s = new Scope(command, drain, report);
    current = s;
    return s;
  }

  static boolean stopping() {
    return stopping;
  }

  /**
   * For the main thread when its work ends: while a stop is draining, the stop prints the summary
   * and picks the exit code, so this waits for it (it ends the JVM) instead of returning.
   */
  static void waitIfStopping() {
    while (stopping) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        // Keep waiting: the stop exits the JVM.
      }
    }
  }

  static int exitCode(CallGate.Kind kind) {
    return kind == CallGate.Kind.SIGINT ? EXIT_SIGINT : EXIT_SIGTERM;
  }

  private static void onSignal(CallGate.Kind kind) {
    int code = exitCode(kind);
    String again = kind == CallGate.Kind.SIGINT ? "Ctrl-C" : "SIGTERM";
    if (SIGNALS.incrementAndGet() > 1) {
      out.println(
          "hipforge: "
              + kind.label()
              + " again: stopping at once; calls still in flight are "
              + "lost (paid for, and asked again by the next run)");
      RunManifest.endCurrent("stopped", code, kind.label() + " twice: stopped at once");
      exit(code);
      return;
    }
    stopping = true;
    long t0 = System.nanoTime();
    Scope scope = current;
    String name = scope == null ? command : scope.command;
    List<CallGate> gates = CallGate.runs();
    int inFlight = 0;
    for (CallGate g : gates) {
      g.close(kind, kind.label());
      inFlight += g.requestsOnTheWire();
    }
    Duration drain = scope == null ? Duration.ZERO : scope.drain;
    if (scope == null && inFlight == 0) {
      out.printf(Locale.ROOT, "%s: stopping (%s): no LLM calls in flight%n", name, kind.label());
    } else {
      out.printf(
          Locale.ROOT,
          "%s: stopping (%s): no new requests; waiting up to %d s for %d calls in flight "
              + "to reach the journal; %s again to stop at once%n",
          name,
          kind.label(),
          drain.toSeconds(),
          inFlight,
          again);
    }
    out.flush();
    boolean drained = true;
    long deadline = t0 + drain.toNanos();
    for (CallGate g : gates) {
      try {
        drained &= g.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        drained = false;
      }
    }
    String report = null;
    if (scope != null) {
      try {
        report = scope.report.afterStop(kind, drained);
      } catch (Exception e) {
        report = name + ": the summary could not be computed: " + Main.rootMessage(e);
      }
    }
    RunManifest.endCurrent("stopped", code, kind.label());
    releaseBeforeExit();
    if (report != null) {
      out.println(report);
    }
    out.printf(
        Locale.ROOT,
        "%s: stopped by %s after %.1f s; exit code %d%n",
        name,
        kind.label(),
        (System.nanoTime() - t0) / 1e9,
        code);
    exit(code);
  }

  /**
   * The one place a stop lets go of what this JVM holds before it exits: everything registered with
   * {@link BeforeExit} (the HIP compilers and their temp dirs, the work-directory locks). Anything
   * else a command must release on a stop belongs in {@link BeforeExit} too.
   */
  static void releaseBeforeExit() {
    BeforeExit.runAll();
  }

  private static void exit(int code) {
    releaseBeforeExit();
    out.flush();
    System.err.flush();
    // Shutdown hooks (Flink's, ours) normally take well under a second; never hang on one.
    Thread watchdog =
        new Thread(
            () -> {
              try {
                TimeUnit.SECONDS.sleep(10);
              } catch (InterruptedException ignored) {
                // exiting anyway
              }
              Runtime.getRuntime().halt(code);
            },
            "hipforge-exit-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    System.exit(code);
  }
}
