package org.hipforge.transforms;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.TupleTag;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.JournalFailedException;
import org.hipforge.io.llm.LlmClient;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.RateLimiter;
import org.hipforge.io.llm.RetryingCaller;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Progress;

/**
 * {@link CallLlm}'s DoFn: answers a task from the journal when it can, else sends it on a bounded
 * window of request threads, journals the answer ({@link CallJournal}) and emits it on the
 * processing thread or in {@code @FinishBundle}, each exactly once. A closed gate (a signal, a
 * failed journal write, a provider stop, a teardown) sends nothing more and ends the bundle with
 * the stop's one message ({@link CallLlm#stopException}).
 */
final class CallLlmFn extends StageFn<CallLlm.Configuration, LlmTask, StateRecord> {
  /** One finished task, handed from a request thread to the processing thread. */
  record Done(StateRecord record, Failure failure) {
    /** A task that ends with nothing to emit: not sent because of a stop, or not journaled. */
    static final Done NOTHING = new Done(null, null);

    /**
     * What {@code record} (journaled as it is) goes on as: an answer or a paid answer's failure.
     */
    static Done of(LlmTask task, StateRecord record) {
      StateRecord r =
          task.carryRounds(record); // a repair round: the earlier rounds' verdicts and tokens
      return r.pass() ? new Done(r, null) : new Done(null, Failure.of(r, "call_llm"));
    }
  }

  private final CallMetrics metrics = new CallMetrics();

  private transient LlmClient client;
  private transient CallGate gate;
  private transient RetryingCaller caller;
  private transient ExecutorService pool;
  private transient Semaphore window;
  private transient ConcurrentLinkedQueue<Done> done;
  private transient AtomicInteger inFlight;
  private transient CallJournal journal;
  private transient TaskCollector collector;

  CallLlmFn(CallLlm.Configuration c, MultiOutput<StateRecord> tags) {
    super(c, tags);
  }

  @Setup
  public void setup() throws IOException {
    ProviderConfig provider = c.provider();
    client = LlmClient.create(provider, provider.resolveApiKey());
    // Keyed by run id too: a new run (or test) starts with a fresh limiter and no abort flag.
    // This JVM takes rateShare of the configured rpm/tpm, or of the limits the provider
    // advertises when the config gives none.
    RateLimiter limiter =
        RateLimiter.shared(
            c.runId() + " " + provider.endpointKey(),
            provider.name(),
            provider.rpm(),
            provider.tpm(),
            c.concurrency().rateShare());
    metrics.start();
    // This instance's switch under the run's: a teardown closes only this one.
    gate = CallGate.forRun(c.runId()).child();
    caller =
        new RetryingCaller(
            client,
            limiter,
            RetryingCaller.Policy.of(provider),
            RateLimiter.SYSTEM_SLEEPER,
            metrics,
            gate);
    AtomicInteger threadNo = new AtomicInteger();
    pool =
        Executors.newFixedThreadPool(
            c.concurrency().maxInFlight(),
            r -> {
              Thread t = new Thread(r, "hipforge-llm-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    window = new Semaphore(c.concurrency().maxInFlight());
    done = new ConcurrentLinkedQueue<>();
    inFlight = new AtomicInteger();
    journal = CallJournal.open(c, gate);
    collector = TaskCollector.openOrNull(c.collectDir());
  }

  @ProcessElement
  public void process(@Element LlmTask task, MultiOutputReceiver out) throws InterruptedException {
    drain(out, null);
    StateRecord cached = journal.cached(task);
    if (cached != null) {
      metrics.cacheHit();
      Done replay = journal.replay(task, cached);
      if (replay.record() != null) {
        tags.output(out, replay.record());
      } else {
        tags.fail(out, replay.failure());
      }
      return;
    }
    if (!gate.isOpen()) {
      gate.count(CallGate.Tally.NOT_SENT); // stopped: no record, the task stays pending
      return;
    }
    if (collector != null) {
      collector.collect(task); // not sent: bought as a batch line, no record now
      return;
    }
    window.acquire();
    inFlight.incrementAndGet();
    try {
      pool.execute(
          () -> {
            try {
              done.add(run(task));
            } catch (Throwable t) {
              done.add(
                  new Done(null, AnswerRecords.noAnswer(c, task, "internal", t.toString(), 0)));
            } finally {
              inFlight.decrementAndGet();
              window.release();
            }
          });
    } catch (RuntimeException rejected) {
      inFlight.decrementAndGet();
      window.release();
      throw rejected;
    }
    drain(out, null);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) throws InterruptedException {
    while (inFlight.get() > 0 || !done.isEmpty()) {
      drain(null, context);
      if (inFlight.get() > 0) {
        Thread.sleep(5); // waiting for answers still in flight, not throttling
      }
    }
    drain(null, context);
  }

  /** Emits what the request threads finished, then ends the bundle if the gate stopped the run. */
  private void drain(MultiOutputReceiver out, FinishBundleContext context) {
    metrics.flush();
    Done d;
    while ((d = done.poll()) != null) {
      if (d.record() != null) {
        metrics.succeeded(d.record());
        emit(out, context, tags.outputTag(), d.record());
      } else if (d.failure() != null) {
        metrics.failed(d.failure());
        emit(out, context, tags.failuresTag(), d.failure());
      }
    }
    CallGate.Stop stop = gate.stop();
    if (stop == null) {
      return;
    }
    RuntimeException stopsTheRun = CallLlm.stopException(stop, c.provider());
    if (stopsTheRun != null) {
      throw stopsTheRun;
    }
    if (stop.kind() == CallGate.Kind.JOURNAL_FAILED && inFlight.get() == 0 && done.isEmpty()) {
      // Every answer in flight has had its chance to reach the journal: now fail the bundle.
      throw new JournalFailedException(CallLlm.journalFailure(stop.reason(), gate));
    }
  }

  private static <T> void emit(
      MultiOutputReceiver out, FinishBundleContext context, TupleTag<T> tag, T value) {
    if (out != null) {
      out.get(tag).output(value);
    } else {
      context.output(tag, value, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }
  }

  /** On a request thread: the cached answer, or a call through the gate. */
  private Done run(LlmTask task) throws InterruptedException, IOException {
    StateRecord cached = journal.lookup(task);
    if (cached != null) {
      Progress.cacheHit();
      return journal.replay(task, cached);
    }
    if (!gate.enter()) {
      gate.count(CallGate.Tally.NOT_SENT);
      return Done.NOTHING;
    }
    try {
      return call(task);
    } finally {
      gate.leave(); // after the answer reached the journal (or could not)
    }
  }

  private Done call(LlmTask task) throws InterruptedException {
    RetryingCaller.Outcome outcome = caller.call(task.request());
    if (outcome.stopped()) {
      gate.count(CallGate.Tally.NOT_SENT);
      return Done.NOTHING;
    }
    LlmException e = outcome.error();
    ChatResponse r = outcome.ok() ? outcome.response() : e.answer();
    if (r == null) {
      if (e.category().runStop(true) != null) {
        return Done.NOTHING; // the gate is closed; drain() stops the run with one message
      }
      if (!task.isRepair()) {
        Progress.taskDone(false);
      }
      return new Done(
          null,
          AnswerRecords.noAnswer(
              c, task, e.category().label(), e.getMessage(), outcome.attempts()));
    }
    // A billed answer, usable or not: its record is journaled with its tokens before anything else.
    StateRecord record =
        CallLlm.answerRecord(
            c.step(),
            c.provider(),
            c.runId(),
            task,
            r,
            e == null ? null : e.category().label(),
            e == null ? null : e.getMessage(),
            outcome.latencyMillis(),
            outcome.attempts());
    if (!journal.append(record)) {
      return Done.NOTHING; // paid, but with no journal line it must not go on as done
    }
    Progress.tokens(record.inputTokens(), record.outputTokens());
    if (!task.isRepair()) { // a repair round is more work on a task already counted
      Progress.taskDone(record.pass());
    }
    return Done.of(task, record);
  }

  @Teardown
  public void teardown() throws IOException {
    if (gate != null) {
      // A cancelled task gets here too: send nothing more from this instance, retry nothing,
      // and let the calls already in flight (paid for) finish and reach the journal. The
      // runner may interrupt us meanwhile; the wait goes on until its deadline regardless.
      gate.close(CallGate.Kind.CANCELLED, "this worker instance is being torn down");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(c.provider().timeoutS() + 5);
      boolean interrupted = false;
      while (gate.inFlight() > 0 && System.nanoTime() < deadline) {
        try {
          gate.awaitIdle(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      gate.detach();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (pool != null) {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (journal != null) {
      journal.close();
    }
    if (collector != null) {
      collector.close();
    }
    if (client != null) {
      client.close();
    }
  }
}
