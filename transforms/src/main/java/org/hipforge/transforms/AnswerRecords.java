package org.hipforge.transforms;

import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;

/**
 * The records {@link CallLlm} makes for a task besides a billed answer's ({@link
 * CallLlm#answerRecord}): the fields every one of them starts from, an answer replayed from the
 * journal, and a task that got no answer.
 */
final class AnswerRecords {
  private AnswerRecords() {}

  /** The task's identity, the provider and the run: what every record of a call starts from. */
  static StateRecord.Builder base(ProviderConfig provider, String runId, LlmTask task) {
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

  /**
   * A journaled answer re-issued for {@code task} (it may be another task with the same prompt),
   * keeping the verdict, tokens and provider it was bought with; not yet carrying repair rounds.
   */
  static StateRecord replay(CallLlm.Configuration c, LlmTask task, StateRecord cached) {
    StateRecord.Builder b =
        base(c.provider(), c.runId(), task)
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
    if (c.step() == WorkLayout.Step.DESCRIBE) {
      b.instruction(cached.instruction());
    } else {
      b.instruction(task.instruction()).response(cached.response());
    }
    return b.build();
  }

  /** A task that got no usable answer and no bill (a final HTTP error, retries used up). */
  static Failure noAnswer(
      CallLlm.Configuration c, LlmTask task, String category, String message, int attempts) {
    return Failure.of(
        task.carryRounds(
            base(c.provider(), c.runId(), task)
                .failure(category, message)
                .attempts(attempts)
                .finishedAtMillis(System.currentTimeMillis())
                .instruction(task.instruction())
                .build()),
        "call_llm");
  }
}
