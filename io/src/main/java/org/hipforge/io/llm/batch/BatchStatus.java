package org.hipforge.io.llm.batch;

import java.time.Instant;

/**
 * Where one provider batch stands, in one vocabulary for both wire formats: its state and its
 * request counts. {@code total} is every request in it; {@code succeeded} are billed answers
 * (usable or not), {@code errored} requests that failed, {@code expiredOrCanceled} requests that
 * ended without being run (the window expired, or the batch was cancelled). {@code endedAt} is null
 * until the batch ends; {@code error} is the provider's reason when the whole batch {@link
 * State#FAILED} (null otherwise).
 */
public record BatchStatus(
    String id,
    State state,
    int total,
    int succeeded,
    int errored,
    int expiredOrCanceled,
    Instant createdAt,
    Instant endedAt,
    String error) {

  /**
   * OpenAI's batch {@code status} values; Anthropic's {@code processing_status} maps onto {@link
   * #IN_PROGRESS}, {@link #CANCELLING} and, once ended, {@link #ENDED} (or {@link #CANCELLED} when
   * a cancel was asked, {@link #EXPIRED} when requests expired and none ran to the end).
   */
  public enum State {
    VALIDATING,
    IN_PROGRESS,
    FINALIZING,
    ENDED,
    FAILED,
    EXPIRED,
    CANCELLING,
    CANCELLED;

    /** True when the batch will not change any more. */
    public boolean terminal() {
      return this == ENDED || this == FAILED || this == EXPIRED || this == CANCELLED;
    }

    /**
     * True when {@link BatchApi#readResults} has something to read: every terminal state but {@link
     * #FAILED} (a batch refused as a whole ran nothing). Expired and cancelled batches still carry
     * the answers that were finished before.
     */
    public boolean hasResults() {
      return terminal() && this != FAILED;
    }
  }

  /** Requests not yet finished one way or the other. */
  public int processing() {
    return Math.max(0, total - succeeded - errored - expiredOrCanceled);
  }
}
