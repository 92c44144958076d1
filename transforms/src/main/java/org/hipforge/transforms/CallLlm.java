package org.hipforge.transforms;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.InstructionCheck;
import org.hipforge.io.llm.LlmClient;
import org.hipforge.io.llm.LlmException;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.RateLimiter;
import org.hipforge.io.llm.RetryingCaller;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.hipforge.transforms.coders.FailureCoder;

/**
 * Sends each task's prompt to the LLM, many in flight at once, and journals every answer the
 * moment it arrives; answers already journaled are reused, never paid for again.
 *
 * <p>Per DoFn instance a bounded window of requests runs on its own threads ({@code maxInFlight},
 * default {@link #DEFAULT_MAX_IN_FLIGHT}), so two cores keep hundreds of slow calls going. One
 * {@link RateLimiter} per endpoint per JVM paces them all. Results are emitted on the processing
 * thread or in {@code @FinishBundle}, each exactly once. Guarantees: at-least-once delivery
 * downstream; a prompt whose answer reached the journal is never sent again (the journals are
 * read back as a cache on every worker start and again before a call when the last read is older
 * than {@link ResponseCache#REFRESH_MILLIS}). A rejected key (401/403) stops the run with one
 * message and writes no record for tasks not yet answered, so they stay pending.
 *
 * <p>An answer the provider billed but that cannot be used (refused, filtered, truncated, empty,
 * and for describe a code block or a refusal sentence: {@code bad_instruction}) is journaled like
 * any paid answer, {@code pass:false} with its category and tokens, and goes to the failures; a
 * rerun finds it in the cache and replays the same verdict without a request.
 *
 * <p>Stops: every call goes through the run's {@link CallGate} in this JVM. Once it is closed (a
 * signal, a failed journal write, a rejected key) or this instance is torn down (a cancelled job),
 * no task is sent and no retry is tried; tasks not sent get no record and stay pending; the calls
 * already in flight still reach the journal. A failed journal write also fails the bundle once
 * the calls in flight are done ({@link JournalFailedException}). Each worker's journal sets aside
 * a reserve of disk for a full window of answers ({@link #reserveBytes}), so the answers in flight
 * when the disk fills are still journaled.
 *
 * <pre>{@code
 * CallLlm.Result answers = tasks.apply("CallLlm",
 *     CallLlm.to(provider, WorkLayout.Step.DESCRIBE).withJournal(journalDir, cacheGlob).withRunId(runId));
 * }</pre>
 */
public final class CallLlm extends PTransform<PCollection<LlmTask>, CallLlm.Result> {
  /** Enough to keep a provider busy at ~1.5 s latency and a few hundred RPM from one worker. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 32;

  private final ProviderConfig provider;
  private final WorkLayout.Step step;
  private final String journalDir;
  private final String cacheGlob;
  private final String reserveDir;
  private final String runId;
  private final int maxInFlight;
  private final double rateShare;
  /** Where tasks the cache cannot answer are written instead of sent ({@link #withCollect}); null: send. */
  private String collectDir;

  private CallLlm(ProviderConfig provider, WorkLayout.Step step, String journalDir, String cacheGlob,
      String reserveDir, String runId, int maxInFlight, double rateShare) {
    this.provider = provider;
    this.step = step;
    this.journalDir = journalDir;
    this.cacheGlob = cacheGlob;
    this.reserveDir = reserveDir;
    this.runId = runId;
    this.maxInFlight = maxInFlight;
    this.rateShare = rateShare;
  }

  public static CallLlm to(ProviderConfig provider, WorkLayout.Step step) {
    if (provider == null || step == null) {
      throw new IllegalArgumentException("provider and step must be set, were " + provider + ", " + step);
    }
    return new CallLlm(provider, step, null, null, null, "run", DEFAULT_MAX_IN_FLIGHT, 1.0);
  }

  /** Journals answers into {@code dir} and reuses answers from journals matching {@code glob}. */
  public CallLlm withJournal(String dir, String glob) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("journal dir must be set, was '" + dir + "'");
    }
    return new CallLlm(provider, step, dir, glob, reserveDir, runId, maxInFlight, rateShare).collecting(collectDir);
  }

  /**
   * Sets aside disk in {@code dir} (same filesystem as the journal; see {@link
   * WorkLayout#journalReserveDir}) so the answers in flight are still journaled when the disk
   * fills. Without it a full disk loses them.
   */
  public CallLlm withJournalReserve(String dir) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("journal reserve dir must be set, was '" + dir + "'");
    }
    return new CallLlm(provider, step, journalDir, cacheGlob, dir, runId, maxInFlight, rateShare).collecting(collectDir);
  }

  public CallLlm withRunId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("runId must be set, was '" + id + "'");
    }
    return new CallLlm(provider, step, journalDir, cacheGlob, reserveDir, id, maxInFlight, rateShare).collecting(collectDir);
  }

  public CallLlm withMaxInFlight(int n) {
    if (n < 1 || n > 4096) {
      throw new IllegalArgumentException("maxInFlight must be in [1, 4096], was " + n);
    }
    return new CallLlm(provider, step, journalDir, cacheGlob, reserveDir, runId, n, rateShare).collecting(collectDir);
  }

  /**
   * This JVM's share of the provider's rpm/tpm, configured or learned from its headers (1/number of
   * worker JVMs on a cluster).
   */
  public CallLlm withRateShare(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("rateShare must be in (0, 1], was " + share);
    }
    return new CallLlm(provider, step, journalDir, cacheGlob, reserveDir, runId, maxInFlight, share).collecting(collectDir);
  }

  /**
   * Collect mode ({@code --mode=batch}): a task whose answer is not journaled yet is not sent but
   * appended to a file in {@code dir} (one {@link LlmTaskJson} line per task, one file per
   * worker) and gets no record, so it stays pending; answers in the cache pass through exactly as
   * when sending. The command then buys the collected prompts through the provider's Batch API,
   * journals the answers, and runs the pipeline again.
   */
  public CallLlm withCollect(String dir) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("collect dir must be set, was '" + dir + "'");
    }
    return new CallLlm(provider, step, journalDir, cacheGlob, reserveDir, runId, maxInFlight, rateShare)
        .collecting(dir);
  }

  private CallLlm collecting(String dir) {
    this.collectDir = dir;
    return this;
  }

  /** Answers (as state records: describe records hold the instruction, generate the response). */
  public static final class Result extends StageResult<StateRecord, Failure> {
    Result(PCollection<StateRecord> output, PCollection<Failure> failures) {
      super(output, failures);
    }
  }

  @Override
  public Result expand(PCollection<LlmTask> tasks) {
    if (journalDir == null) {
      throw new IllegalStateException("CallLlm needs withJournal(dir, glob): answers must be durable");
    }
    TupleTag<StateRecord> outTag = new TupleTag<>("out");
    TupleTag<Failure> failTag = new TupleTag<>("fail");
    // Spread tasks evenly over the workers: the anti-join groups them by id bucket, and uneven
    // buckets left one TaskManager working alone at its share of the rate limit at the end.
    PCollectionTuple result = tasks
        .apply("SpreadEvenly", Reshuffle.viaRandomKey())
        .setCoder(tasks.getCoder())
        .apply("CallLlmFn",
        ParDo.of(new CallFn(this, outTag, failTag)).withOutputTags(outTag, TupleTagList.of(failTag)));
    return new Result(result.get(outTag).setCoder(StateRecordCoder.of()),
        result.get(failTag).setCoder(FailureCoder.of()));
  }

  /**
   * Disk set aside per worker journal for a full window of answers when the disk fills: an answer
   * of {@code maxTokens} tokens is at most ~4 bytes a token, ~5 with JSON escapes; a generate line
   * also carries its instruction (another answer's worth); plus 1 KB of the record's other fields.
   * At most 64 MB, so a huge window does not fill a disk by itself.
   */
  static long reserveBytes(WorkLayout.Step step, int maxInFlight, int maxTokens) {
    long perAnswer = (step == WorkLayout.Step.GENERATE ? 10L : 5L) * Math.max(1, maxTokens) + 1024;
    return Math.min(64L << 20, maxInFlight * perAnswer);
  }

  /** One finished task, handed from a worker thread to the processing thread. */
  private static final class Done {
    /** A task that ends with nothing to emit: not sent because of a stop, or not journaled. */
    static final Done NOTHING = new Done(null, null);

    final StateRecord record;
    final Failure failure;

    Done(StateRecord record, Failure failure) {
      this.record = record;
      this.failure = failure;
    }
  }

  private static final class CallFn extends DoFn<LlmTask, StateRecord> {
    private final ProviderConfig provider;
    private final WorkLayout.Step step;
    private final String journalDir;
    private final String cacheGlob;
    private final String reserveDir;
    private final String runId;
    private final int maxInFlight;
    private final double rateShare;
    private final String collectDir;
    private final TupleTag<StateRecord> outTag;
    private final TupleTag<Failure> failTag;

    private final Counter sent = Metrics.counter(CallLlm.class, "requests_sent");
    private final Counter succeeded = Metrics.counter(CallLlm.class, "succeeded");
    private final Counter failedCount = Metrics.counter(CallLlm.class, "failed");
    private final Counter retried = Metrics.counter(CallLlm.class, "retried");
    private final Counter rateLimited = Metrics.counter(CallLlm.class, "rate_limited_429");
    private final Counter cacheHits = Metrics.counter(CallLlm.class, "cache_hits");
    private final Counter tokensIn = Metrics.counter(CallLlm.class, "input_tokens");
    private final Counter tokensOut = Metrics.counter(CallLlm.class, "output_tokens");

    private transient LlmClient client;
    private transient CallGate gate;
    private transient RetryingCaller caller;
    private transient ExecutorService pool;
    private transient Semaphore window;
    private transient ConcurrentLinkedQueue<Done> done;
    private transient AtomicInteger inFlight;
    private transient JournalWriter journal;
    private transient ResponseCache cache;
    private transient JournalWriter collected;
    // Beam counters only count on the processing thread: worker threads add here, drain() flushes.
    private transient AtomicLong sentDelta;
    private transient AtomicLong retriedDelta;
    private transient AtomicLong limitedDelta;

    CallFn(CallLlm spec, TupleTag<StateRecord> outTag, TupleTag<Failure> failTag) {
      this.provider = spec.provider;
      this.step = spec.step;
      this.journalDir = spec.journalDir;
      this.cacheGlob = spec.cacheGlob;
      this.reserveDir = spec.reserveDir;
      this.runId = spec.runId;
      this.maxInFlight = spec.maxInFlight;
      this.rateShare = spec.rateShare;
      this.collectDir = spec.collectDir;
      this.outTag = outTag;
      this.failTag = failTag;
    }

    @Setup
    public void setup() throws IOException {
      String apiKey = provider.resolveApiKey();
      client = LlmClient.create(provider, apiKey);
      // Keyed by run id too: a new run (or test) starts with a fresh limiter and no abort flag.
      // This JVM takes rateShare of the configured rpm/tpm, or of the limits the provider
      // advertises when the config gives none.
      RateLimiter limiter = RateLimiter.shared(runId + " " + provider.endpointKey(), provider.name(),
          provider.rpm(), provider.tpm(), rateShare);
      sentDelta = new AtomicLong();
      retriedDelta = new AtomicLong();
      limitedDelta = new AtomicLong();
      // This instance's switch under the run's: a teardown closes only this one.
      gate = CallGate.forRun(runId).child();
      caller = new RetryingCaller(client, limiter, provider,
          RateLimiter.SYSTEM_SLEEPER, new RetryingCaller.Listener() {
            @Override
            public void sent() {
              sentDelta.incrementAndGet();
              Progress.call();
            }

            @Override
            public void retried(ErrorCategory category) {
              retriedDelta.incrementAndGet();
              Progress.retried();
            }

            @Override
            public void rateLimited() {
              limitedDelta.incrementAndGet();
              Progress.rateLimited();
            }
          }, gate);
      AtomicInteger threadNo = new AtomicInteger();
      pool = Executors.newFixedThreadPool(maxInFlight, r -> {
        Thread t = new Thread(r, "hipforge-llm-" + threadNo.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      window = new Semaphore(maxInFlight);
      done = new ConcurrentLinkedQueue<>();
      inFlight = new AtomicInteger();
      journal = JournalWriter.open(journalDir, reserveDir, reserveBytes(step, maxInFlight, provider.maxTokens()));
      // Refreshed here (each attempt of a restarted job makes new instances) and in run() before a
      // paid call once it is 2 s old, so answers any worker journaled are not paid for again.
      cache = cacheGlob == null ? ResponseCache.empty() : ResponseCache.forGlob(cacheGlob);
      collected = collectDir == null ? null : JournalWriter.open(collectDir);
    }

    @ProcessElement
    public void process(@Element LlmTask task, MultiOutputReceiver out) throws InterruptedException {
      drain(out, null);
      StateRecord cached = cache.get(task.promptSha256());
      if (cached != null) {
        cacheHits.inc();
        Progress.cacheHit();
        Done replay = fromCache(task, cached);
        if (replay.record != null) {
          out.get(outTag).output(replay.record);
        } else {
          out.get(failTag).output(replay.failure);
        }
        return;
      }
      if (!gate.isOpen()) {
        gate.notSent(); // stopped: no record, the task stays pending
        return;
      }
      if (collected != null) {
        try {
          collected.append(LlmTaskJson.toJson(task)); // not sent: bought as a batch line, no record now
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("cannot collect task " + task.id() + " for a batch in "
              + collectDir + ": " + e.getMessage(), e);
        }
        return;
      }
      window.acquire();
      inFlight.incrementAndGet();
      try {
        pool.execute(() -> {
          try {
            done.add(run(task));
          } catch (Throwable t) {
            done.add(new Done(null, failure(task, "internal", t.toString(), 0)));
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

    private void drain(MultiOutputReceiver out, FinishBundleContext context) {
      sent.inc(sentDelta.getAndSet(0));
      retried.inc(retriedDelta.getAndSet(0));
      rateLimited.inc(limitedDelta.getAndSet(0));
      Done d;
      while ((d = done.poll()) != null) {
        if (d.record != null) {
          succeeded.inc();
          tokensIn.inc(Math.max(0, d.record.inputTokens())); // each at most TokenMath.MAX_PER_CALL
          tokensOut.inc(Math.max(0, d.record.outputTokens()));
          if (out != null) {
            out.get(outTag).output(d.record);
          } else {
            context.output(outTag, d.record, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
          }
        } else if (d.failure != null) {
          failedCount.inc();
          // One counter per category (rate_limited, server_error, ...): created on first use.
          Metrics.counter(CallLlm.class, "failed_" + d.failure.category()).inc();
          if (out != null) {
            out.get(failTag).output(d.failure);
          } else {
            context.output(failTag, d.failure, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
          }
        }
      }
      CallGate.Stop stop = gate.stop();
      if (stop == null) {
        return;
      }
      if (stop.kind() == CallGate.Kind.AUTH) {
        throw new ProviderRejectedKeyException("auth: provider " + provider.name() + " rejected the request: "
            + stop.reason() + ". Set a valid key in the environment variable " + provider.apiKeyEnv()
            + " and run the same command again; tasks not yet answered stay pending.");
      }
      if (stop.kind() == CallGate.Kind.QUOTA) {
        throw new ProviderStopException("quota: provider " + provider.name() + " refused the request for lack "
            + "of quota or credit: " + stop.reason() + ". Top up or check the billing of the account behind the "
            + "key in the environment variable " + provider.apiKeyEnv()
            + ", then run the same command again; tasks not yet answered stay pending.");
      }
      if (stop.kind() == CallGate.Kind.ENDPOINT) {
        throw new ProviderStopException("endpoint: provider " + provider.name() + " has no usable chat "
            + "endpoint at base_url " + provider.baseUrl() + ": " + stop.reason() + ". Check \"base_url\" (and "
            + "\"model\") of provider " + provider.name() + " in the config and that the server runs, then run the "
            + "same command again; tasks not yet answered stay pending.");
      }
      if (stop.kind() == CallGate.Kind.WAIT) {
        throw new ProviderStopException("wait: " + stop.reason() + ". Run the same command again once provider "
            + provider.name() + " accepts requests (or raise \"max_retry_after_s\" of provider " + provider.name()
            + " in the config to wait that long); tasks not yet answered stay pending.");
      }
      if (stop.kind() == CallGate.Kind.JOURNAL_FAILED && inFlight.get() == 0 && done.isEmpty()) {
        // Every answer in flight has had its chance to reach the journal: now fail the bundle.
        throw new JournalFailedException(journalFailure(stop.reason(), gate));
      }
    }

    private Done run(LlmTask task) throws InterruptedException, IOException {
      cache.refreshIfOlderThan(ResponseCache.REFRESH_MILLIS);
      StateRecord cached = cache.get(task.promptSha256());
      if (cached != null) {
        Progress.cacheHit();
        return fromCache(task, cached);
      }
      if (!gate.enter()) {
        gate.notSent();
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
        gate.notSent();
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
        return new Done(null, failure(task, e.category().label(), e.getMessage(), outcome.attempts()));
      }
      // A billed answer, usable or not: its record is journaled with its tokens before anything else.
      StateRecord record = answerRecord(task, outcome, r, e);
      try {
        journal.append(StateRecordJson.toJson(record));
      } catch (IOException failed) {
        gate.notJournaled();
        String why = journal.failureDescription();
        gate.root().close(CallGate.Kind.JOURNAL_FAILED, why != null ? why : JournalWriter.describe(journalDir, failed));
        return Done.NOTHING; // paid, but with no journal line it must not go on as done
      }
      gate.journaled();
      if (journal.failure() != null) {
        // Written into the reserve: the disk is full, so stop sending now.
        gate.root().close(CallGate.Kind.JOURNAL_FAILED, journal.failureDescription());
      }
      cache.put(record);
      Progress.tokens(record.inputTokens(), record.outputTokens());
      if (!task.isRepair()) { // a repair round is more work on a task already counted
        Progress.taskDone(record.pass());
      }
      return done(task, record);
    }

    /** What {@code record} (journaled as it is) goes on as: an answer or a paid answer's failure. */
    private static Done done(LlmTask task, StateRecord record) {
      StateRecord r = task.carryRounds(record); // a repair round: the earlier rounds' verdicts and tokens
      return r.pass() ? new Done(r, null) : new Done(null, Failure.of(r, "call_llm"));
    }

    private StateRecord answerRecord(LlmTask task, RetryingCaller.Outcome outcome, ChatResponse r, LlmException e) {
      return CallLlm.answerRecord(step, provider, runId, task, r, e == null ? null : e.category().label(),
          e == null ? null : e.getMessage(), outcome.latencyMillis(), outcome.attempts());
    }

    private StateRecord.Builder base(LlmTask task) {
      return CallLlm.base(provider, runId, task);
    }

    /**
     * A journaled answer re-issued for this task (it may be another task with the same prompt):
     * a record to go on, or the failure of a paid unusable answer (its verdict, not asked again).
     */
    private Done fromCache(LlmTask task, StateRecord cached) {
      StateRecord.Builder b = base(task)
          .pass(cached.pass())
          .errorMsg(cached.errorMsg())
          .cached(true)
          .inputTokens(cached.inputTokens())
          .outputTokens(cached.outputTokens())
          .tokensEstimated(cached.tokensEstimated())
          .finishReason(cached.finishReason())
          .cacheCreationInputTokens(cached.cacheCreationInputTokens())
          .cacheReadInputTokens(cached.cacheReadInputTokens())
          .latencyMs(cached.latencyMs())
          .attempts(cached.attempts())
          .finishedAtMillis(System.currentTimeMillis())
          .provider(cached.provider())
          .model(cached.model());
      if (step == WorkLayout.Step.DESCRIBE) {
        b.instruction(cached.instruction());
      } else {
        b.instruction(task.instruction()).response(cached.response());
      }
      StateRecord record = b.build();
      if (!task.isRepair()) { // a repair round is more work on a task already counted
        Progress.taskDone(record.pass());
      }
      return done(task, record);
    }

    /** A task that got no usable answer and no bill (a final HTTP error, retries used up). */
    private Failure failure(LlmTask task, String category, String message, int attempts) {
      return Failure.of(task.carryRounds(base(task).failure(category, message).attempts(attempts)
          .finishedAtMillis(System.currentTimeMillis()).instruction(task.instruction()).build()), "call_llm");
    }

    @Teardown
    public void teardown() throws IOException {
      if (gate != null) {
        // A cancelled task gets here too: send nothing more from this instance, retry nothing,
        // and let the calls already in flight (paid for) finish and reach the journal. The
        // runner may interrupt us meanwhile; the wait goes on until its deadline regardless.
        gate.close(CallGate.Kind.CANCELLED, "this worker instance is being torn down");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(provider.timeoutS() + 5);
        boolean interrupted = false;
        while (gate.inFlight() > 0 && System.nanoTime() < deadline) {
          try {
            gate.awaitIdle(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
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
      if (collected != null) {
        collected.close();
      }
      if (client != null) {
        client.close();
      }
    }
  }

  /**
   * The record of a billed answer to {@code task}, the one home of that rule for answers bought
   * synchronously and through a Batch API: {@code pass:true} with the text, or {@code pass:false}
   * with {@code failCategory} and {@code failMessage} of an unusable 200 (refused, truncated, ...),
   * or, for describe, {@code bad_instruction} when the text is a code block or a refusal ({@link
   * InstructionCheck}). Usage the provider did not report (or reported unbelievably) is our
   * estimate, marked {@code tokens_estimated}.
   */
  public static StateRecord answerRecord(WorkLayout.Step step, ProviderConfig provider, String runId, LlmTask task,
      ChatResponse r, String failCategory, String failMessage, long latencyMs, int attempts) {
    String text = r.text();
    boolean estimated = r.inputTokens() < 0 || r.outputTokens() < 0;
    long in = r.inputTokens() >= 0 ? r.inputTokens() : task.request().estimatedTokens(0);
    long outTokens = r.outputTokens() >= 0 ? r.outputTokens() : (text == null ? 0 : text.length() / 4);
    StateRecord.Builder b = base(provider, runId, task)
        .pass(true)
        .inputTokens(in)
        .outputTokens(outTokens)
        .tokensEstimated(estimated)
        .finishReason(r.finishReason())
        .cacheCreationInputTokens(r.cacheCreationInputTokens())
        .cacheReadInputTokens(r.cacheReadInputTokens())
        .latencyMs(latencyMs)
        .attempts(attempts)
        .finishedAtMillis(System.currentTimeMillis());
    if (failCategory != null) {
      b.failure(failCategory, failMessage);
      if (step == WorkLayout.Step.GENERATE) {
        b.instruction(task.instruction());
      }
      return b.build();
    }
    if (step == WorkLayout.Step.DESCRIBE) {
      String instruction = text.strip();
      String problem = InstructionCheck.problem(instruction);
      if (problem != null) {
        b.failure(ErrorCategory.BAD_INSTRUCTION.label(), problem);
      } else {
        b.instruction(instruction);
      }
    } else {
      b.instruction(task.instruction()).response(text);
    }
    return b.build();
  }

  private static StateRecord.Builder base(ProviderConfig provider, String runId, LlmTask task) {
    return StateRecord.builder()
        .id(task.id())
        .fileName(task.fileName())
        .sourceSha256(task.sourceSha256())
        .provider(provider.name())
        .model(provider.model())
        .runId(runId)
        .promptSha256(task.promptSha256())
        .promptVersion(task.promptVersion())
        .sourceEncoding(task.sourceEncoding())
        .sourceBytes(task.sourceBytes());
  }

  /** The message of a failed journal: what failed, and what it cost in this JVM. */
  public static String journalFailure(String reason, CallGate gate) {
    return "journal write failed at " + reason + "; no new requests were sent after it; "
        + gate.notJournaledCount() + " answers were paid for but could not be journaled, "
        + gate.journaledCount() + " were journaled in this run, " + gate.notSentCount()
        + " tasks were not sent and stay pending";
  }

  /**
   * A journal write failed: the run stops sending and fails once the calls in flight are done
   * (the journal is the only proof an answer was paid for; going on would buy answers to lose).
   */
  public static final class JournalFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JournalFailedException(String message) {
      super(message);
    }
  }

  /** The provider refused our key: the run must stop, not fail every remaining task. */
  public static final class ProviderRejectedKeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProviderRejectedKeyException(String message) {
      super(message);
    }
  }

  /**
   * The run cannot go on and stops with unanswered tasks left pending: a spent quota, no usable
   * chat endpoint, or a wait longer than max_retry_after_s. The message starts with the stop's
   * label ({@code "quota: "}, {@code "endpoint: "}, {@code "wait: "}): on a cluster only the text
   * reaches the client, and the label is what names the exit code.
   */
  public static final class ProviderStopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProviderStopException(String message) {
      super(message);
    }
  }

}
