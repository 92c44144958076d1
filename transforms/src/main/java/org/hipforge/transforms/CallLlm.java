package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.ChatResponse;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.InstructionCheck;
import org.hipforge.io.llm.JournalFailedException;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderRejectedKeyException;
import org.hipforge.io.llm.ProviderStopException;
import org.hipforge.io.llm.RateLimiter;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Sends each task's prompt to the LLM, many in flight at once, and journals every answer the moment
 * it arrives; answers already journaled are reused, never paid for again.
 *
 * <p>Per DoFn instance a bounded window of requests runs on its own threads ({@code maxInFlight},
 * default {@link #DEFAULT_MAX_IN_FLIGHT}), so two cores keep hundreds of slow calls going. One
 * {@link RateLimiter} per endpoint per JVM paces them all. Results are emitted on the processing
 * thread or in {@code @FinishBundle}, each exactly once. Guarantees: at-least-once delivery
 * downstream; a prompt whose answer reached the journal is never sent again (the journals are read
 * back as a cache on every worker start and again before a call when the last read is older than
 * {@link ResponseCache#REFRESH_MILLIS}). A rejected key (401/403) stops the run with one message
 * and writes no record for tasks not yet answered, so they stay pending.
 *
 * <p>An answer the provider billed but that cannot be used (refused, filtered, truncated, empty,
 * and for describe a code block or a refusal sentence: {@code bad_instruction}) is journaled like
 * any paid answer, {@code pass:false} with its category and tokens, and goes to the failures; a
 * rerun finds it in the cache and replays the same verdict without a request.
 *
 * <p>Stops: every call goes through the run's {@link CallGate} in this JVM. Once it is closed (a
 * signal, a failed journal write, a rejected key) or this instance is torn down (a cancelled job),
 * no task is sent and no retry is tried; tasks not sent get no record and stay pending; the calls
 * already in flight still reach the journal. A failed journal write also fails the bundle once the
 * calls in flight are done ({@link JournalFailedException}). Each worker's journal sets aside a
 * reserve of disk for a full window of answers ({@link #reserveBytes}), so the answers in flight
 * when the disk fills are still journaled.
 *
 * <p>Its settings are one immutable {@link Configuration} (rrio's {@code Call.Configuration}
 * pattern), handed whole to the DoFn ({@code CallLlmFn}); the journal and response cache ({@code
 * CallJournal}), the metrics and progress line ({@code CallMetrics}) and collect mode ({@code
 * TaskCollector}) are package-private helpers of it.
 *
 * <pre>{@code
 * StageResult<StateRecord, Failure> answers = tasks.apply("CallLlm",
 *     CallLlm.to(provider, WorkLayout.Step.DESCRIBE)
 *         .withJournal(journalDir, cacheGlob, reserveDir)
 *         .withRunId(runId)
 *         .withConcurrency(maxInFlight, rateShare));
 * }</pre>
 */
public final class CallLlm
    extends PTransform<PCollection<LlmTask>, StageResult<StateRecord, Failure>> {
  /** Enough to keep a provider busy at ~1.5 s latency and a few hundred RPM from one worker. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 32;

  /**
   * Everything a {@link CallLlm} is set to, checked as it is made and handed whole to its DoFn.
   *
   * @param provider the endpoint, model and limits to call
   * @param step describe or generate: what an answer's record holds
   * @param runId the run's id, in every record and keying the run's limiter and gate
   * @param journal where answers are journaled and read back from ({@link #withJournal}); null
   *     until set
   * @param concurrency how many requests are in flight and at what share of the provider's limits
   *     ({@link #withConcurrency})
   * @param collectDir where tasks the cache cannot answer are written instead of sent ({@link
   *     #withCollect}); null: send
   */
  public record Configuration(
      ProviderConfig provider,
      WorkLayout.Step step,
      String runId,
      Journal journal,
      Concurrency concurrency,
      String collectDir)
      implements Serializable {
    public Configuration {
      if (provider == null || step == null) {
        throw new IllegalArgumentException(
            "provider and step must be set, were " + provider + ", " + step);
      }
      required(runId, "runId");
      Objects.requireNonNull(concurrency, "concurrency");
    }
  }

  /**
   * Where answers are journaled the moment they arrive, and the journals read back as the cache.
   *
   * @param dir this run's journal directory
   * @param cacheGlob the journals read back as the response cache; null: no cache
   * @param reserveDir where disk is set aside so the answers in flight are still journaled when the
   *     disk fills (same filesystem as {@code dir}; see {@link WorkLayout#journalReserveDir});
   *     null: none, and a full disk loses them
   */
  public record Journal(String dir, String cacheGlob, String reserveDir) implements Serializable {
    public Journal {
      required(dir, "journal dir");
      if (reserveDir != null) {
        required(reserveDir, "journal reserve dir");
      }
    }
  }

  /**
   * How hard one worker calls the provider.
   *
   * @param maxInFlight the window of requests in flight per DoFn instance
   * @param rateShare this JVM's share of the provider's rpm/tpm, configured or learned from its
   *     headers (1/number of worker JVMs on a cluster)
   */
  public record Concurrency(int maxInFlight, double rateShare) implements Serializable {
    public Concurrency {
      if (maxInFlight < 1 || maxInFlight > 4096) {
        throw new IllegalArgumentException("maxInFlight must be in [1, 4096], was " + maxInFlight);
      }
      if (!(rateShare > 0 && rateShare <= 1)) {
        throw new IllegalArgumentException("rateShare must be in (0, 1], was " + rateShare);
      }
    }
  }

  private final Configuration configuration;

  private CallLlm(Configuration configuration) {
    this.configuration = configuration;
  }

  public static CallLlm to(ProviderConfig provider, WorkLayout.Step step) {
    return new CallLlm(
        new Configuration(
            provider, step, "run", null, new Concurrency(DEFAULT_MAX_IN_FLIGHT, 1.0), null));
  }

  public Configuration configuration() {
    return configuration;
  }

  /**
   * Journals answers into {@code dir} and reuses answers from journals matching {@code cacheGlob};
   * sets aside disk in {@code reserveDir} for the answers in flight (null: none; see {@link
   * Journal}).
   */
  public CallLlm withJournal(String dir, String cacheGlob, String reserveDir) {
    Configuration c = configuration;
    Journal journal = new Journal(dir, cacheGlob, reserveDir);
    return with(journal, c.runId(), c.concurrency(), c.collectDir());
  }

  public CallLlm withRunId(String id) {
    Configuration c = configuration;
    return with(c.journal(), id, c.concurrency(), c.collectDir());
  }

  /**
   * At most {@code maxInFlight} requests in flight per DoFn instance (default {@link
   * #DEFAULT_MAX_IN_FLIGHT}), at {@code rateShare} of the provider's rpm/tpm (default 1).
   */
  public CallLlm withConcurrency(int maxInFlight, double rateShare) {
    Configuration c = configuration;
    return with(c.journal(), c.runId(), new Concurrency(maxInFlight, rateShare), c.collectDir());
  }

  /**
   * Collect mode ({@code --mode=batch}): a task whose answer is not journaled yet is not sent but
   * appended to a file in {@code dir} (one {@link LlmTask#toJson} line per task, one file per
   * worker) and gets no record, so it stays pending; answers in the cache pass through exactly as
   * when sending. The command then buys the collected prompts through the provider's Batch API,
   * journals the answers, and runs the pipeline again.
   */
  public CallLlm withCollect(String dir) {
    Configuration c = configuration;
    return with(c.journal(), c.runId(), c.concurrency(), required(dir, "collect dir"));
  }

  /** This transform with those settings and the same provider and step (checked again). */
  private CallLlm with(Journal journal, String runId, Concurrency concurrency, String collectDir) {
    return new CallLlm(
        new Configuration(
            configuration.provider(),
            configuration.step(),
            runId,
            journal,
            concurrency,
            collectDir));
  }

  private static String required(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must be set, was '" + value + "'");
    }
    return value;
  }

  @Override
  public StageResult<StateRecord, Failure> expand(PCollection<LlmTask> tasks) {
    if (configuration.journal() == null) {
      throw new IllegalStateException(
          "CallLlm needs withJournal(dir, glob): answers must be durable");
    }
    MultiOutput<StateRecord> tags = MultiOutput.of("out", "fail");
    // Spread tasks evenly over the workers: the anti-join groups them by id bucket, and uneven
    // buckets left one TaskManager working alone at its share of the rate limit at the end.
    PCollection<LlmTask> spread =
        tasks.apply("SpreadEvenly", Reshuffle.viaRandomKey()).setCoder(tasks.getCoder());
    return tags.apply(
        spread, "CallLlmFn", new CallLlmFn(configuration, tags), StateRecordCoder.of());
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

  /**
   * The record of a billed answer to {@code task}, the one home of that rule for answers bought
   * synchronously and through a Batch API: {@code pass:true} with the text, or {@code pass:false}
   * with {@code failCategory} and {@code failMessage} of an unusable 200 (refused, truncated, ...),
   * or, for describe, {@code bad_instruction} when the text is a code block or a refusal ({@link
   * InstructionCheck}). Usage the provider did not report (or reported unbelievably) is our
   * estimate, marked {@code tokens_estimated}.
   */
  public static StateRecord answerRecord(
      WorkLayout.Step step,
      ProviderConfig provider,
      String runId,
      LlmTask task,
      ChatResponse r,
      String failCategory,
      String failMessage,
      long latencyMs,
      int attempts) {
    String text = r.text();
    boolean estimated = r.inputTokens() < 0 || r.outputTokens() < 0;
    long in = r.inputTokens() >= 0 ? r.inputTokens() : task.request().estimatedTokens(0);
    long outTokens =
        r.outputTokens() >= 0 ? r.outputTokens() : (text == null ? 0 : text.length() / 4);
    StateRecord.Builder b =
        AnswerRecords.base(provider, runId, task)
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

  /**
   * The exception a closed gate stops the run with, or null when {@code stop} ends no run by itself
   * (a cancelled instance; a failed journal, which fails once the calls in flight are done).
   */
  static RuntimeException stopException(CallGate.Stop stop, ProviderConfig provider) {
    switch (stop.kind()) {
      case AUTH:
        return new ProviderRejectedKeyException(
            "auth: provider "
                + provider.name()
                + " rejected the request: "
                + stop.reason()
                + ". Set a valid key in the environment variable "
                + provider.apiKeyEnv()
                + " and run the same command again; tasks not yet answered stay pending.");
      case QUOTA:
        return new ProviderStopException(
            "quota: provider "
                + provider.name()
                + " refused the request for lack "
                + "of quota or credit: "
                + stop.reason()
                + ". Top up or check the billing of the account behind the "
                + "key in the environment variable "
                + provider.apiKeyEnv()
                + ", then run the same command again; tasks not yet answered stay pending.");
      case ENDPOINT:
        return new ProviderStopException(
            "endpoint: provider "
                + provider.name()
                + " has no usable chat "
                + "endpoint at base_url "
                + provider.baseUrl()
                + ": "
                + stop.reason()
                + ". Check \"base_url\" (and "
                + "\"model\") of provider "
                + provider.name()
                + " in the config and that the server runs, then run the "
                + "same command again; tasks not yet answered stay pending.");
      case WAIT:
        return new ProviderStopException(
            "wait: "
                + stop.reason()
                + ". Run the same command again once provider "
                + provider.name()
                + " accepts requests (or raise \"max_retry_after_s\" of provider "
                + provider.name()
                + " in the config to wait that long); tasks not yet answered stay pending.");
      default:
        return null;
    }
  }

  /** The message of a failed journal: what failed, and what it cost in this JVM. */
  public static String journalFailure(String reason, CallGate gate) {
    return "journal write failed at "
        + reason
        + "; no new requests were sent after it; "
        + gate.total(CallGate.Tally.NOT_JOURNALED)
        + " answers were paid for but could not be journaled, "
        + gate.total(CallGate.Tally.JOURNALED)
        + " were journaled in this run, "
        + gate.total(CallGate.Tally.NOT_SENT)
        + " tasks were not sent and stay pending";
  }
}
