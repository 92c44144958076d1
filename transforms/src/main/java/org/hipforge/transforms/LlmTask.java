package org.hipforge.transforms;

import java.io.Serializable;
import java.util.Objects;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.TokenMath;

/**
 * One prompt to send for one task: the task's identity, the messages, and the prompt's hash.
 *
 * <p>{@code promptSha256} keys the response cache: the same prompt to the same model with the same
 * parameters is answered from the journal instead of being paid for again.
 */
public final class LlmTask implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long id;
  private final String fileName;
  private final String sourceSha256;
  private final ChatRequest request;
  private final String promptSha256;
  private final String instruction;
  private final String promptVersion;
  private final String sourceEncoding;
  private final long sourceBytes;
  // The repair loop: the verdicts of the rounds before this prompt, and the tokens they billed.
  private final String priorVerdicts;
  private final long priorInputTokens;
  private final long priorOutputTokens;

  public LlmTask(long id, String fileName, String sourceSha256, ChatRequest request,
      String promptSha256, String instruction) {
    this(id, fileName, sourceSha256, request, promptSha256, instruction, null);
  }

  /** {@code promptVersion}: the templates' {@code PromptSet.version}, null for the built-in ones. */
  public LlmTask(long id, String fileName, String sourceSha256, ChatRequest request,
      String promptSha256, String instruction, String promptVersion) {
    this.id = id;
    this.fileName = fileName;
    this.sourceSha256 = sourceSha256;
    this.request = Objects.requireNonNull(request, "request");
    this.promptSha256 = Objects.requireNonNull(promptSha256, "promptSha256");
    this.instruction = instruction;
    this.promptVersion = promptVersion;
    this.sourceEncoding = null;
    this.sourceBytes = 0;
    this.priorVerdicts = null;
    this.priorInputTokens = 0;
    this.priorOutputTokens = 0;
  }

  private LlmTask(LlmTask t, String sourceEncoding, long sourceBytes) {
    this(t, sourceEncoding, sourceBytes, t.priorVerdicts, t.priorInputTokens, t.priorOutputTokens);
  }

  private LlmTask(LlmTask t, String sourceEncoding, long sourceBytes, String priorVerdicts,
      long priorInputTokens, long priorOutputTokens) {
    this.id = t.id;
    this.fileName = t.fileName;
    this.sourceSha256 = t.sourceSha256;
    this.request = t.request;
    this.promptSha256 = t.promptSha256;
    this.instruction = t.instruction;
    this.promptVersion = t.promptVersion;
    this.sourceEncoding = sourceEncoding;
    this.sourceBytes = sourceBytes;
    this.priorVerdicts = priorVerdicts;
    this.priorInputTokens = priorInputTokens;
    this.priorOutputTokens = priorOutputTokens;
  }

  /**
   * This prompt as a repair round of a generation whose earlier rounds are {@code earlier}: their
   * verdicts ({@code round_verdicts} so far) and billed tokens go on with every record this
   * task's answer becomes ({@link #carryRounds}).
   */
  public LlmTask afterRounds(StateRecord earlier) {
    return new LlmTask(this, sourceEncoding, sourceBytes, earlier.roundVerdictsText(),
        earlier.inputTokens(), earlier.outputTokens());
  }

  /** Whether this prompt is a repair round's follow-up (not a task of its own in the progress count). */
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
    return r.toBuilder().roundVerdictsText(priorVerdicts)
        .inputTokens(TokenMath.add(priorInputTokens, r.inputTokens()))
        .outputTokens(TokenMath.add(priorOutputTokens, r.outputTokens()))
        .build();
  }

  /**
   * This describe task with facts about its source that its record keeps: the charset it was read
   * in when not UTF-8 (null: UTF-8) and its size in bytes (0: unknown).
   */
  public LlmTask withSource(String encoding, long bytes) {
    return new LlmTask(this, encoding, bytes);
  }

  public long id() {
    return id;
  }

  public String fileName() {
    return fileName;
  }

  public String sourceSha256() {
    return sourceSha256;
  }

  public ChatRequest request() {
    return request;
  }

  public String promptSha256() {
    return promptSha256;
  }

  /** The describe instruction this generate task was built from; null for describe tasks. */
  public String instruction() {
    return instruction;
  }

  /** The charset the source was read in when it was not UTF-8 (e.g. "latin-1"); null for UTF-8. */
  public String sourceEncoding() {
    return sourceEncoding;
  }

  /** The source's size in bytes (describe tasks); 0 when unknown. */
  public long sourceBytes() {
    return sourceBytes;
  }

  /** The version of the prompt templates this prompt was made from; null for the built-in ones. */
  public String promptVersion() {
    return promptVersion;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LlmTask)) {
      return false;
    }
    LlmTask t = (LlmTask) o;
    return id == t.id && promptSha256.equals(t.promptSha256) && Objects.equals(fileName, t.fileName);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + promptSha256.hashCode();
  }

  @Override
  public String toString() {
    return "LlmTask{id=" + id + ", file_name=" + fileName + "}";
  }
}
