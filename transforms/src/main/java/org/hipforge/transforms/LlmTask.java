package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.TokenMath;

/**
 * One prompt to send for one task: the task's identity, the messages, and the prompt's hash.
 *
 * <p>{@code promptSha256} keys the response cache: the same prompt to the same model with the same
 * parameters is answered from the journal instead of being paid for again. Coded by {@link
 * org.hipforge.transforms.coders.LlmTaskCoder} in a pipeline; {@link #toJson} is its line format on
 * disk.
 *
 * @param id the task's id
 * @param fileName the source's file name
 * @param sourceSha256 the source's hash
 * @param request the messages to send
 * @param promptSha256 the prompt's cache key
 * @param instruction the describe instruction this generate task was built from; null for describe
 *     tasks
 * @param promptVersion the version of the prompt templates this prompt was made from; null for the
 *     built-in ones
 * @param sourceEncoding the charset the source was read in when it was not UTF-8 (e.g. "latin-1");
 *     null for UTF-8
 * @param sourceBytes the source's size in bytes (describe tasks); 0 when unknown
 * @param priorVerdicts the repair loop: the verdicts of the rounds before this prompt; null for a
 *     task that is no repair round
 * @param priorInputTokens the input tokens those rounds billed
 * @param priorOutputTokens the output tokens those rounds billed
 */
public record LlmTask(
    long id,
    String fileName,
    String sourceSha256,
    ChatRequest request,
    String promptSha256,
    String instruction,
    String promptVersion,
    String sourceEncoding,
    long sourceBytes,
    String priorVerdicts,
    long priorInputTokens,
    long priorOutputTokens)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public LlmTask {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(promptSha256, "promptSha256");
  }

  public LlmTask(
      long id,
      String fileName,
      String sourceSha256,
      ChatRequest request,
      String promptSha256,
      String instruction) {
    this(id, fileName, sourceSha256, request, promptSha256, instruction, null);
  }

  /**
   * {@code promptVersion}: the templates' {@code PromptSet.version}, null for the built-in ones.
   */
  public LlmTask(
      long id,
      String fileName,
      String sourceSha256,
      ChatRequest request,
      String promptSha256,
      String instruction,
      String promptVersion) {
    this(
        id,
        fileName,
        sourceSha256,
        request,
        promptSha256,
        instruction,
        promptVersion,
        null,
        0,
        null,
        0,
        0);
  }

  /**
   * This prompt as a repair round of a generation whose earlier rounds are {@code earlier}: their
   * verdicts ({@code round_verdicts} so far) and billed tokens go on with every record this task's
   * answer becomes ({@link #carryRounds}).
   */
  public LlmTask afterRounds(StateRecord earlier) {
    return with(
        sourceEncoding,
        sourceBytes,
        earlier.roundVerdictsText(),
        earlier.inputTokens(),
        earlier.outputTokens());
  }

  /**
   * Whether this prompt is a repair round's follow-up (not a task of its own in the progress
   * count).
   */
  public boolean isRepair() {
    return priorVerdicts != null;
  }

  /**
   * {@code r} (this task's answer, already journaled with its own tokens) with the earlier rounds
   * carried: their verdicts, and tokens summed over every round (what the generation billed).
   * Unchanged for a task that is no repair round.
   */
  public StateRecord carryRounds(StateRecord r) {
    if (priorVerdicts == null) {
      return r;
    }
    return r.toBuilder()
        .roundVerdictsText(priorVerdicts)
        .inputTokens(TokenMath.add(priorInputTokens, r.inputTokens()))
        .outputTokens(TokenMath.add(priorOutputTokens, r.outputTokens()))
        .build();
  }

  /**
   * This describe task with facts about its source that its record keeps: the charset it was read
   * in when not UTF-8 (null: UTF-8) and its size in bytes (0: unknown).
   */
  public LlmTask withSource(String encoding, long bytes) {
    return with(encoding, bytes, priorVerdicts, priorInputTokens, priorOutputTokens);
  }

  /** This task with the given source facts and earlier rounds. */
  private LlmTask with(String encoding, long bytes, String verdicts, long input, long output) {
    return new LlmTask(
        id,
        fileName,
        sourceSha256,
        request,
        promptSha256,
        instruction,
        promptVersion,
        encoding,
        bytes,
        verdicts,
        input,
        output);
  }

  /**
   * This task as one JSON line for a batch ({@link LlmTaskJson}: identity, prompt hash, messages
   * and {@code max_tokens}; not the repair rounds).
   */
  public String toJson() {
    return LlmTaskJson.toJson(this);
  }

  /**
   * Parses a line of {@link #toJson}; a line that is not one is a {@link MalformedLineException}.
   */
  public static LlmTask fromJson(String line) throws MalformedLineException {
    return LlmTaskJson.parse(line);
  }

  /** Equal when the task and its prompt are: the rest follows from the prompt or is bookkeeping. */
  @Override
  public boolean equals(Object o) {
    return o instanceof LlmTask t
        && id == t.id
        && promptSha256.equals(t.promptSha256)
        && Objects.equals(fileName, t.fileName);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + promptSha256.hashCode();
  }

  /** Names the task only: a prompt can be a whole source file. */
  @Override
  public String toString() {
    return "LlmTask{id=" + id + ", file_name=" + fileName + "}";
  }
}
