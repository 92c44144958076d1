package org.hipforge.io.record;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * The outcome of one task at one step (describe or generate): one JSON line in the state files.
 *
 * <p>Field names in JSON are snake_case as in DESIGN.md; absent optional fields are null (or 0 for
 * counters). A failed record carries {@code error_msg} = {@code "<category>: <detail>"}, so the
 * category is stable and machine-readable. Made with {@link #builder()} (its setters are in {@link
 * StateRecordBuilder}).
 *
 * @param promptVersion the short version of the prompt templates this answer was asked with ({@code
 *     org.hipforge.io.llm.PromptSet}); null for the built-in templates
 * @param sourceEncoding the encoding the source was read in when it was not UTF-8 ({@code
 *     "latin-1"}: converted to UTF-8 text for the prompt); null for UTF-8 sources, older records
 * @param sourceBytes the source's size in bytes when it was described (sizes generate's
 *     max_tokens); 0: unknown
 * @param cached true when the answer came from the response cache (journal), not a new LLM call
 * @param finishReason the provider's raw finish_reason (OpenAI) or stop_reason (Anthropic); null
 *     when unknown
 * @param tokensEstimated true when the provider reported no (believable) usage and the token counts
 *     are our estimate (prompt characters / 4, answer characters / 4)
 * @param cacheCreationInputTokens Anthropic prompt-cache writes, already included in {@code
 *     inputTokens}; 0 when none
 * @param cacheReadInputTokens Anthropic prompt-cache reads, already included in {@code
 *     inputTokens}; 0 when none
 * @param codeSha256 generate only, as {@code compiled}, {@code compileError}, {@code outputPath},
 *     {@code toolchain} and the rest below
 * @param offloadArch the AMD GPU targets of the generate step as given to {@code --offloadArch}
 *     ({@code gfx90a} or {@code gfx90a,gfx942}): the value of the prompt's {@code {{offload_arch}}}
 *     and what the code was compiled for; null for describe records and generate records made
 *     before it was recorded
 * @param response the raw LLM answer; kept only in generate journals, where it is the paid-for
 *     response
 * @param fidelity how the generated code's kernels match the source's ({@link Fidelity}); null when
 *     not measured (no code extracted, or generate ran without {@code --sourceDir})
 * @param resources the compiler's resource usage per kernel per device architecture ({@link
 *     KernelResources}); empty when not measured (the code did not compile, was not compiled, or
 *     generate/validate ran with {@code --resources=false})
 * @param roundVerdictsText {@link #roundVerdicts} as stored: comma-separated (a flat JSON string);
 *     null when absent
 */
public record StateRecord(
    long id,
    String fileName,
    boolean pass,
    String instruction,
    String errorMsg,
    String sourceSha256,
    String provider,
    String model,
    long inputTokens,
    long outputTokens,
    long latencyMs,
    int attempts,
    long finishedAtMillis,
    String runId,
    String promptSha256,
    String promptVersion,
    String sourceEncoding,
    long sourceBytes,
    boolean cached,
    String finishReason,
    boolean tokensEstimated,
    long cacheCreationInputTokens,
    long cacheReadInputTokens,
    String codeSha256,
    Boolean compiled,
    String compileError,
    String outputPath,
    String toolchain,
    String offloadArch,
    String response,
    Fidelity fidelity,
    List<KernelResources> resources,
    String roundVerdictsText)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Latest wins: the order of {@link org.hipforge.io.state.PendingRule#compareLatest}, the one home
   * of that rule ({@code (finished_at, run_id, attempts, pass)}).
   */
  public static final Comparator<StateRecord> LATEST_ORDER =
      (a, b) -> org.hipforge.io.state.PendingRule.compareLatest(a, b);

  /** Refuses a negative id; no resources is the empty list. */
  public StateRecord {
    if (id < 0) {
      throw new IllegalArgumentException("id must be >= 0, was " + id);
    }
    resources = resources == null || resources.isEmpty() ? List.of() : List.copyOf(resources);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The later of two records by {@link #LATEST_ORDER}; {@code a} when they tie. */
  public static StateRecord latest(StateRecord a, StateRecord b) {
    return org.hipforge.io.state.PendingRule.latest(a, b);
  }

  /** The category before the first ':' of {@code error_msg}, or null for a passed record. */
  public String errorCategory() {
    return pass ? null : errorCategoryOf(errorMsg);
  }

  /**
   * The category of a failed record's {@code error_msg}: the text before its first ':' when that is
   * a short word, else "unknown".
   */
  public static String errorCategoryOf(String errorMsg) {
    if (errorMsg == null || errorMsg.isEmpty()) {
      return "unknown";
    }
    int colon = errorMsg.indexOf(':');
    String head = colon < 0 ? errorMsg : errorMsg.substring(0, colon);
    return head.isEmpty() || head.length() > 40 || head.indexOf(' ') >= 0 ? "unknown" : head;
  }

  /**
   * The repair loop's verdict of each round of this generation ({@code generate --repairRounds}):
   * the first answer's, then each repair's ({@code "compiled"}, {@code "passed"} when not compiled
   * by choice, else the failure category), e.g. {@code [compile_error, compiled]}; null when the
   * run had no repair loop (and in older records). Inside the generate pipeline, before its last
   * step, it holds only the rounds already closed.
   */
  public List<String> roundVerdicts() {
    return roundVerdictsText == null ? null : List.of(roundVerdictsText.split(",", -1));
  }

  /**
   * How many repair rounds this generation was asked ({@code round_verdicts} has one more entry:
   * the first answer); null when the run had no repair loop.
   */
  public Integer rounds() {
    return roundVerdictsText == null
        ? null
        : (int) roundVerdictsText.chars().filter(c -> c == ',').count();
  }

  /**
   * This record with its own round closed: {@link #verdict()} appended to {@link #roundVerdicts}
   * (the repair loop's last step before a round's follow-up or the state).
   */
  public StateRecord closeRound() {
    String v = verdict();
    return toBuilder()
        .roundVerdictsText(roundVerdictsText == null ? v : roundVerdictsText + "," + v)
        .build();
  }

  /** The verdict of this record's own round: {@code compiled}, {@code passed}, or its category. */
  public String verdict() {
    if (!pass) {
      return errorCategory();
    }
    return Boolean.TRUE.equals(compiled) ? "compiled" : "passed";
  }

  @Override
  public String toString() {
    return "StateRecord{id="
        + id
        + ", file_name="
        + fileName
        + ", pass="
        + pass
        + (pass ? "" : ", error_msg=" + errorMsg)
        + ", run_id="
        + runId
        + "}";
  }

  /** Mutable builder; {@link #build()} makes the immutable record. */
  public static final class Builder extends StateRecordBuilder {
    private Builder() {}

    private Builder(StateRecord r) {
      super(r);
    }

    public StateRecord build() {
      return new StateRecord(
          id,
          fileName,
          pass,
          instruction,
          errorMsg,
          sourceSha256,
          provider,
          model,
          inputTokens,
          outputTokens,
          latencyMs,
          attempts,
          finishedAtMillis,
          runId,
          promptSha256,
          promptVersion,
          sourceEncoding,
          sourceBytes,
          cached,
          finishReason,
          tokensEstimated,
          cacheCreationInputTokens,
          cacheReadInputTokens,
          codeSha256,
          compiled,
          compileError,
          outputPath,
          toolchain,
          offloadArch,
          response,
          fidelity,
          resources,
          roundVerdicts);
    }
  }
}
