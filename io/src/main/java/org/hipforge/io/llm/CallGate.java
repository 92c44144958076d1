package org.hipforge.io.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The one switch that stops a run's paid calls: open until the first {@link #close}; after it no
 * request is sent, no retry is tried, and waits for a backoff or the rate limiter wake at once.
 *
 * <p>JVM-wide per run ({@link #forRun}): every worker thread of every DoFn instance of one run in
 * this JVM shares it, and tests or a TaskManager running many jobs in one JVM get one per run id. A
 * {@link #child} is the switch of one DoFn instance: closing it stops that instance only (a
 * cancelled task), closing the run's stops every child too (a signal, a failed journal write, a
 * rejected key, an exhausted quota, a wrong endpoint, a retry-after past the cap). The first close
 * wins and is kept, with its {@link Kind} and reason.
 *
 * <p>It also keeps the run's ledger counts in this JVM: calls in flight ({@link #enter} before a
 * request is sent, {@link #leave} after its answer is journaled or the call failed), and the {@link
 * Tally}s: answers journaled, answers paid for but not journaled, and tasks not sent because of the
 * stop (these get no record and stay pending). {@link #awaitIdle} waits for the calls in flight.
 * Thread-safe.
 *
 * <pre>{@code
 * CallGate gate = CallGate.forRun(runId).child();
 * if (gate.enter()) {
 *   try { ... send, journal, gate.count(Tally.JOURNALED) ... } finally { gate.leave(); }
 * } else {
 *   gate.count(Tally.NOT_SENT);
 * }
 * }</pre>
 */
public final class CallGate {
  /** Why a gate closed. */
  public enum Kind {
    /** Ctrl-C: the command exits with 130 after the drain. */
    SIGINT("SIGINT"),
    /** {@code kill}: the command exits with 143 after the drain. */
    SIGTERM("SIGTERM"),
    /** A journal write failed (disk full, I/O error): nothing more is sent. */
    JOURNAL_FAILED("journal write failed"),
    /** The provider rejected the key (401/403): every further call would be refused too. */
    AUTH("provider rejected the key"),
    /** The provider's account has no quota or credit left: every further call would be refused. */
    QUOTA("provider quota exhausted"),
    /**
     * No chat endpoint at base_url (404/405, or nothing accepts a connection): nothing can succeed.
     */
    ENDPOINT("provider endpoint unusable"),
    /** The provider asks to wait longer than max_retry_after_s (a daily limit, an outage). */
    WAIT("provider asks to wait too long"),
    /** The runner cancelled or tore down this DoFn instance. */
    CANCELLED("cancelled");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** How a gate was closed. */
  public record Stop(Kind kind, String reason) {}

  /** What the run's ledger counts in this JVM ({@link #count}, {@link #total}). */
  public enum Tally {
    /** An answer reached the journal. */
    JOURNALED,
    /** An answer was paid for but could not be journaled. */
    NOT_JOURNALED,
    /** A task was not sent (or not retried) because the gate is closed: it stays pending. */
    NOT_SENT
  }

  private static final ConcurrentHashMap<String, CallGate> RUNS = new ConcurrentHashMap<>();

  private final String runId;
  private final CallGate parent;
  private final Object lock = new Object();
  private final Set<CallGate> children = ConcurrentHashMap.newKeySet();

  /** Threads in {@link #pause}: close() interrupts exactly these, never a thread in a request. */
  private final Set<Thread> pausing = ConcurrentHashMap.newKeySet();

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger onTheWire = new AtomicInteger();
  private final AtomicLongArray tallies = new AtomicLongArray(Tally.values().length);
  private volatile Stop stop;

  private CallGate(String runId, CallGate parent) {
    this.runId = runId;
    this.parent = parent;
  }

  /** The gate of run {@code runId} in this JVM, made open on first use. */
  public static CallGate forRun(String runId) {
    return RUNS.computeIfAbsent(runId, id -> new CallGate(id, null));
  }

  /**
   * A fresh open gate for run {@code runId}, replacing any earlier one: a command calls this once
   * before its pipeline, so a run id reused in one JVM (tests) does not inherit an old stop.
   */
  public static CallGate startRun(String runId) {
    CallGate g = new CallGate(runId, null);
    RUNS.put(runId, g);
    return g;
  }

  /** Forgets run {@code runId}'s gate (the command is over). */
  public static void endRun(String runId) {
    RUNS.remove(runId);
  }

  /** Every run gate of this JVM (a signal closes them all). */
  public static List<CallGate> runs() {
    return new ArrayList<>(RUNS.values());
  }

  /** A gate of its own, not registered for any run (a caller used alone, tests). */
  public static CallGate standalone() {
    return new CallGate("standalone", null);
  }

  /** A gate for one DoFn instance: closed when it or this gate closes; counts go to the run. */
  public CallGate child() {
    CallGate c = new CallGate(runId, this);
    children.add(c);
    if (!isOpen()) {
      c.wake();
    }
    return c;
  }

  /** Unlinks a child from its run gate (the DoFn instance is gone). */
  public void detach() {
    if (parent != null) {
      parent.children.remove(this);
    }
  }

  public String runId() {
    return runId;
  }

  /** The run's gate (this one unless this is a child). */
  public CallGate root() {
    return parent == null ? this : parent.root();
  }

  public boolean isOpen() {
    return stop == null && (parent == null || parent.isOpen());
  }

  /** Why this gate (or its run's) is closed; null while open. The run's stop wins. */
  public Stop stop() {
    Stop p = parent == null ? null : parent.stop();
    return p != null ? p : stop;
  }

  /**
   * Closes the gate: no new request or retry; pauses in progress return at once. Only the first
   * close counts; returns whether this call closed it.
   */
  public boolean close(Kind kind, String reason) {
    synchronized (lock) {
      if (stop != null) {
        return false;
      }
      stop = new Stop(kind, reason);
    }
    wake();
    return true;
  }

  private void wake() {
    synchronized (lock) {
      for (Thread t : pausing) {
        t.interrupt();
      }
      lock.notifyAll();
    }
    for (CallGate c : children) {
      c.wake();
    }
  }

  /**
   * Enters one paid call: false (and nothing counted) when the gate is closed. A caller that gets
   * true must call {@link #leave} once the answer is journaled or the call has failed.
   */
  public boolean enter() {
    // Count first, then look: a close() that saw zero calls in flight happened before this
    // increment, so this thread then sees the stop and backs out without sending.
    increment();
    if (!isOpen()) {
      leave();
      return false;
    }
    return true;
  }

  private void increment() {
    inFlight.incrementAndGet();
    if (parent != null) {
      parent.increment();
    }
  }

  /** Leaves a call entered with {@link #enter}. */
  public void leave() {
    if (inFlight.decrementAndGet() == 0) {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
    if (parent != null) {
      parent.leave();
    }
  }

  /** Calls in flight through this gate (a run's counts all its children). */
  public int inFlight() {
    return inFlight.get();
  }

  /** A request went out and its answer is awaited (counted on the run's gate). */
  public void requestSent() {
    root().onTheWire.incrementAndGet();
  }

  /** The answer (or error) of a request counted by {@link #requestSent} came back. */
  public void requestReturned() {
    root().onTheWire.decrementAndGet();
  }

  /**
   * Requests sent whose answer has not come back: the calls a stop really waits for ({@link
   * #inFlight} also counts calls still waiting for the limiter or a backoff, which a close ends).
   */
  public int requestsOnTheWire() {
    return root().onTheWire.get();
  }

  /** Waits until no call is in flight; false when {@code timeout} passed first. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (inFlight.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  /**
   * Waits {@code nanos} with {@code sleeper}, unless the gate is or becomes closed: then it returns
   * at once. A closed gate wakes the sleeping thread with an interrupt, which is consumed here.
   *
   * @throws InterruptedException when the thread was interrupted for another reason
   */
  public void pause(long nanos, RateLimiter.Sleeper sleeper) throws InterruptedException {
    Thread me = Thread.currentThread();
    synchronized (lock) {
      if (!isOpen()) {
        return;
      }
      pausing.add(me);
    }
    try {
      sleeper.sleep(nanos);
    } catch (InterruptedException e) {
      if (isOpen()) {
        throw e;
      }
    } finally {
      synchronized (lock) {
        pausing.remove(me);
      }
      if (!isOpen()) {
        // close() may have interrupted us just after the sleep ended: that wake-up was ours.
        Thread.interrupted();
      }
    }
  }

  /** Counts one {@code tally} on the run's gate. */
  public void count(Tally tally) {
    root().tallies.incrementAndGet(tally.ordinal());
  }

  /** The run's count of {@code tally} in this JVM. */
  public long total(Tally tally) {
    return root().tallies.get(tally.ordinal());
  }

  @Override
  public String toString() {
    Stop s = stop();
    return "CallGate{run="
        + runId
        + (s == null ? ", open" : ", closed: " + s.kind() + " " + s.reason())
        + ", inFlight="
        + inFlight()
        + "}";
  }
}
