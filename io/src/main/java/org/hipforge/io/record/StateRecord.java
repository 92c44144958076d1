package org.hipforge.io.record;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one task at one step (describe or generate): one JSON line in the state files.
 *
 * <p>Field names in JSON are snake_case as in DESIGN.md; absent optional fields are null (or 0 for
 * counters). A failed record carries {@code error_msg} = {@code "<category>: <detail>"}, so the
 * category is stable and machine-readable.
 */
public final class StateRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Latest wins: the order of {@link org.hipforge.io.state.PendingRule#compareLatest}, the one home
   * of that rule ({@code (finished_at, run_id, attempts, pass)}).
   */
  public static final Comparator<StateRecord> LATEST_ORDER =
      (a, b) -> org.hipforge.io.state.PendingRule.compareLatest(a, b);

  private final long id;
  private final String fileName;
  private final boolean pass;
  private final String instruction;
  private final String errorMsg;
  private final String sourceSha256;
  private final String provider;
  private final String model;
  private final long inputTokens;
  private final long outputTokens;
  private final long latencyMs;
  private final int attempts;
  private final long finishedAtMillis;
  private final String runId;
  private final String promptSha256;
  private final String promptVersion;
  private final String sourceEncoding;
  private final long sourceBytes;
  private final boolean cached;
  private final String finishReason;
  private final boolean tokensEstimated;
  private final long cacheCreationInputTokens;
  private final long cacheReadInputTokens;
  // generate step only
  private final String codeSha256;
  private final Boolean compiled;
  private final String compileError;
  private final String outputPath;
  private final String toolchain;
  private final String offloadArch;
  private final String response;
  private final Fidelity fidelity;
  private final List<KernelResources> resources;
  private final String roundVerdicts;

  private StateRecord(Builder b) {
    this.id = b.id;
    this.fileName = b.fileName;
    this.pass = b.pass;
    this.instruction = b.instruction;
    this.errorMsg = b.errorMsg;
    this.sourceSha256 = b.sourceSha256;
    this.provider = b.provider;
    this.model = b.model;
    this.inputTokens = b.inputTokens;
    this.outputTokens = b.outputTokens;
    this.latencyMs = b.latencyMs;
    this.attempts = b.attempts;
    this.finishedAtMillis = b.finishedAtMillis;
    this.runId = b.runId;
    this.promptSha256 = b.promptSha256;
    this.promptVersion = b.promptVersion;
    this.sourceEncoding = b.sourceEncoding;
    this.sourceBytes = b.sourceBytes;
    this.cached = b.cached;
    this.finishReason = b.finishReason;
    this.tokensEstimated = b.tokensEstimated;
    this.cacheCreationInputTokens = b.cacheCreationInputTokens;
    this.cacheReadInputTokens = b.cacheReadInputTokens;
    this.codeSha256 = b.codeSha256;
    this.compiled = b.compiled;
    this.compileError = b.compileError;
    this.outputPath = b.outputPath;
    this.toolchain = b.toolchain;
    this.offloadArch = b.offloadArch;
    this.response = b.response;
    this.fidelity = b.fidelity;
    this.resources = b.resources == null || b.resources.isEmpty() ? List.of() : List.copyOf(b.resources);
    this.roundVerdicts = b.roundVerdicts;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.fileName = fileName;
    b.pass = pass;
    b.instruction = instruction;
    b.errorMsg = errorMsg;
    b.sourceSha256 = sourceSha256;
    b.provider = provider;
    b.model = model;
    b.inputTokens = inputTokens;
    b.outputTokens = outputTokens;
    b.latencyMs = latencyMs;
    b.attempts = attempts;
    b.finishedAtMillis = finishedAtMillis;
    b.runId = runId;
    b.promptSha256 = promptSha256;
    b.promptVersion = promptVersion;
    b.sourceEncoding = sourceEncoding;
    b.sourceBytes = sourceBytes;
    b.cached = cached;
    b.finishReason = finishReason;
    b.tokensEstimated = tokensEstimated;
    b.cacheCreationInputTokens = cacheCreationInputTokens;
    b.cacheReadInputTokens = cacheReadInputTokens;
    b.codeSha256 = codeSha256;
    b.compiled = compiled;
    b.compileError = compileError;
    b.outputPath = outputPath;
    b.toolchain = toolchain;
    b.offloadArch = offloadArch;
    b.response = response;
    b.fidelity = fidelity;
    b.resources = resources;
    b.roundVerdicts = roundVerdicts;
    return b;
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
   * The category of a failed record's {@code error_msg}: the text before its first ':' when that
   * is a short word, else "unknown".
   */
  public static String errorCategoryOf(String errorMsg) {
    if (errorMsg == null || errorMsg.isEmpty()) {
      return "unknown";
    }
    int colon = errorMsg.indexOf(':');
    String head = colon < 0 ? errorMsg : errorMsg.substring(0, colon);
    return head.isEmpty() || head.length() > 40 || head.indexOf(' ') >= 0 ? "unknown" : head;
  }

  public long id() {
    return id;
  }

  public String fileName() {
    return fileName;
  }

  public boolean pass() {
    return pass;
  }

  public String instruction() {
    return instruction;
  }

  public String errorMsg() {
    return errorMsg;
  }

  public String sourceSha256() {
    return sourceSha256;
  }

  public String provider() {
    return provider;
  }

  public String model() {
    return model;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  public long latencyMs() {
    return latencyMs;
  }

  public int attempts() {
    return attempts;
  }

  public long finishedAtMillis() {
    return finishedAtMillis;
  }

  public String runId() {
    return runId;
  }

  public String promptSha256() {
    return promptSha256;
  }

  /**
   * The short version of the prompt templates this answer was asked with ({@code
   * org.hipforge.io.llm.PromptSet}); null for the built-in templates.
   */
  public String promptVersion() {
    return promptVersion;
  }

  /**
   * The encoding the source was read in when it was not UTF-8 ({@code "latin-1"}: converted to
   * UTF-8 text for the prompt); null for UTF-8 sources and older records.
   */
  public String sourceEncoding() {
    return sourceEncoding;
  }

  /** The source's size in bytes when it was described (sizes generate's max_tokens); 0: unknown. */
  public long sourceBytes() {
    return sourceBytes;
  }

  /** True when the answer came from the response cache (journal) instead of a new LLM call. */
  public boolean cached() {
    return cached;
  }

  /** The provider's raw finish_reason (OpenAI) or stop_reason (Anthropic); null when unknown. */
  public String finishReason() {
    return finishReason;
  }

  /**
   * True when the provider reported no (believable) usage and the token counts are our estimate
   * (prompt characters / 4, answer characters / 4).
   */
  public boolean tokensEstimated() {
    return tokensEstimated;
  }

  /** Anthropic prompt-cache writes, already included in {@link #inputTokens}; 0 when none. */
  public long cacheCreationInputTokens() {
    return cacheCreationInputTokens;
  }

  /** Anthropic prompt-cache reads, already included in {@link #inputTokens}; 0 when none. */
  public long cacheReadInputTokens() {
    return cacheReadInputTokens;
  }

  public String codeSha256() {
    return codeSha256;
  }

  public Boolean compiled() {
    return compiled;
  }

  public String compileError() {
    return compileError;
  }

  public String outputPath() {
    return outputPath;
  }

  public String toolchain() {
    return toolchain;
  }

  /**
   * The AMD GPU targets of the generate step as given to {@code --offloadArch} ({@code gfx90a} or
   * {@code gfx90a,gfx942}): the value of the prompt's {@code {{offload_arch}}} and what the code was
   * compiled for; null for describe records and generate records made before it was recorded.
   */
  public String offloadArch() {
    return offloadArch;
  }

  /** The raw LLM answer; kept only in generate journals, where it is the paid-for response. */
  public String response() {
    return response;
  }

  /**
   * How the generated code's kernels match the source's ({@link Fidelity}); null when not measured
   * (no code extracted, or generate ran without {@code --sourceDir}).
   */
  public Fidelity fidelity() {
    return fidelity;
  }

  /**
   * The compiler's resource usage per kernel per device architecture ({@link KernelResources});
   * empty when not measured (the code did not compile, was not compiled, or generate/validate ran
   * with {@code --resources=false}).
   */
  public List<KernelResources> resources() {
    return resources;
  }

  /**
   * The repair loop's verdict of each round of this generation ({@code generate --repairRounds}):
   * the first answer's, then each repair's ({@code "compiled"}, {@code "passed"} when not compiled
   * by choice, else the failure category), e.g. {@code [compile_error, compiled]}; null when the
   * run had no repair loop (and in older records). Inside the generate pipeline, before its last
   * step, it holds only the rounds already closed.
   */
  public java.util.List<String> roundVerdicts() {
    return roundVerdicts == null ? null : java.util.List.of(roundVerdicts.split(",", -1));
  }

  /** {@link #roundVerdicts} as stored: comma-separated (a flat JSON string); null when absent. */
  public String roundVerdictsText() {
    return roundVerdicts;
  }

  /**
   * How many repair rounds this generation was asked ({@code round_verdicts} has one more entry:
   * the first answer); null when the run had no repair loop.
   */
  public Integer rounds() {
    return roundVerdicts == null ? null : (int) roundVerdicts.chars().filter(c -> c == ',').count();
  }

  /**
   * This record with its own round closed: {@link #verdict()} appended to {@link #roundVerdicts}
   * (the repair loop's last step before a round's follow-up or the state).
   */
  public StateRecord closeRound() {
    String v = verdict();
    return toBuilder().roundVerdictsText(roundVerdicts == null ? v : roundVerdicts + "," + v).build();
  }

  /** The verdict of this record's own round: {@code compiled}, {@code passed}, or its category. */
  public String verdict() {
    if (!pass) {
      return errorCategory();
    }
    return Boolean.TRUE.equals(compiled) ? "compiled" : "passed";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StateRecord)) {
      return false;
    }
    StateRecord r = (StateRecord) o;
    return id == r.id
        && pass == r.pass
        && inputTokens == r.inputTokens
        && outputTokens == r.outputTokens
        && latencyMs == r.latencyMs
        && attempts == r.attempts
        && finishedAtMillis == r.finishedAtMillis
        && cached == r.cached
        && tokensEstimated == r.tokensEstimated
        && cacheCreationInputTokens == r.cacheCreationInputTokens
        && cacheReadInputTokens == r.cacheReadInputTokens
        && Objects.equals(finishReason, r.finishReason)
        && Objects.equals(fileName, r.fileName)
        && Objects.equals(instruction, r.instruction)
        && Objects.equals(errorMsg, r.errorMsg)
        && Objects.equals(sourceSha256, r.sourceSha256)
        && Objects.equals(provider, r.provider)
        && Objects.equals(model, r.model)
        && Objects.equals(runId, r.runId)
        && Objects.equals(promptSha256, r.promptSha256)
        && Objects.equals(promptVersion, r.promptVersion)
        && Objects.equals(sourceEncoding, r.sourceEncoding)
        && sourceBytes == r.sourceBytes
        && Objects.equals(codeSha256, r.codeSha256)
        && Objects.equals(compiled, r.compiled)
        && Objects.equals(compileError, r.compileError)
        && Objects.equals(outputPath, r.outputPath)
        && Objects.equals(toolchain, r.toolchain)
        && Objects.equals(offloadArch, r.offloadArch)
        && Objects.equals(response, r.response)
        && Objects.equals(fidelity, r.fidelity)
        && resources.equals(r.resources)
        && Objects.equals(roundVerdicts, r.roundVerdicts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, fileName, pass, finishedAtMillis, runId, attempts);
  }

  @Override
  public String toString() {
    return "StateRecord{id=" + id + ", file_name=" + fileName + ", pass=" + pass
        + (pass ? "" : ", error_msg=" + errorMsg) + ", run_id=" + runId + "}";
  }

  /** Mutable builder; {@link #build()} makes the immutable record. */
  public static final class Builder {
    private long id;
    private String fileName;
    private boolean pass;
    private String instruction;
    private String errorMsg;
    private String sourceSha256;
    private String provider;
    private String model;
    private long inputTokens;
    private long outputTokens;
    private long latencyMs;
    private int attempts;
    private long finishedAtMillis;
    private String runId;
    private String promptSha256;
    private String promptVersion;
    private String sourceEncoding;
    private long sourceBytes;
    private boolean cached;
    private String finishReason;
    private boolean tokensEstimated;
    private long cacheCreationInputTokens;
    private long cacheReadInputTokens;
    private String codeSha256;
    private Boolean compiled;
    private String compileError;
    private String outputPath;
    private String toolchain;
    private String offloadArch;
    private String response;
    private Fidelity fidelity;
    private List<KernelResources> resources;
    private String roundVerdicts;

    private Builder() {}

    public Builder id(long v) {
      this.id = v;
      return this;
    }

    public Builder fileName(String v) {
      this.fileName = v;
      return this;
    }

    public Builder pass(boolean v) {
      this.pass = v;
      return this;
    }

    public Builder instruction(String v) {
      this.instruction = v;
      return this;
    }

    public Builder errorMsg(String v) {
      this.errorMsg = v;
      return this;
    }

    /** Sets pass=false and error_msg="category: detail". */
    public Builder failure(String category, String detail) {
      this.pass = false;
      this.errorMsg = category + ": " + detail;
      return this;
    }

    public Builder sourceSha256(String v) {
      this.sourceSha256 = v;
      return this;
    }

    public Builder provider(String v) {
      this.provider = v;
      return this;
    }

    public Builder model(String v) {
      this.model = v;
      return this;
    }

    public Builder inputTokens(long v) {
      this.inputTokens = v;
      return this;
    }

    public Builder outputTokens(long v) {
      this.outputTokens = v;
      return this;
    }

    public Builder latencyMs(long v) {
      this.latencyMs = v;
      return this;
    }

    public Builder attempts(int v) {
      this.attempts = v;
      return this;
    }

    public Builder finishedAtMillis(long v) {
      this.finishedAtMillis = v;
      return this;
    }

    public Builder runId(String v) {
      this.runId = v;
      return this;
    }

    public Builder promptSha256(String v) {
      this.promptSha256 = v;
      return this;
    }

    public Builder promptVersion(String v) {
      this.promptVersion = v;
      return this;
    }

    public Builder sourceEncoding(String v) {
      this.sourceEncoding = v;
      return this;
    }

    public Builder sourceBytes(long v) {
      this.sourceBytes = v;
      return this;
    }

    public Builder cached(boolean v) {
      this.cached = v;
      return this;
    }

    public Builder finishReason(String v) {
      this.finishReason = v;
      return this;
    }

    public Builder tokensEstimated(boolean v) {
      this.tokensEstimated = v;
      return this;
    }

    public Builder cacheCreationInputTokens(long v) {
      this.cacheCreationInputTokens = v;
      return this;
    }

    public Builder cacheReadInputTokens(long v) {
      this.cacheReadInputTokens = v;
      return this;
    }

    public Builder codeSha256(String v) {
      this.codeSha256 = v;
      return this;
    }

    public Builder compiled(Boolean v) {
      this.compiled = v;
      return this;
    }

    public Builder compileError(String v) {
      this.compileError = v;
      return this;
    }

    public Builder outputPath(String v) {
      this.outputPath = v;
      return this;
    }

    public Builder toolchain(String v) {
      this.toolchain = v;
      return this;
    }

    public Builder offloadArch(String v) {
      this.offloadArch = v;
      return this;
    }

    public Builder response(String v) {
      this.response = v;
      return this;
    }

    public Builder fidelity(Fidelity v) {
      this.fidelity = v;
      return this;
    }

    /** Kernel resources ({@link StateRecord#resources}); null or empty for none. */
    public Builder resources(List<KernelResources> v) {
      this.resources = v;
      return this;
    }

    /** The verdicts of the rounds so far (see {@link StateRecord#roundVerdicts}); null: none. */
    public Builder roundVerdicts(java.util.List<String> verdicts) {
      if (verdicts == null || verdicts.isEmpty()) {
        this.roundVerdicts = null;
        return this;
      }
      for (String v : verdicts) {
        if (v == null || v.isEmpty() || v.indexOf(',') >= 0) {
          throw new IllegalArgumentException("a round verdict must be a non-empty word without ',', was '" + v + "'");
        }
      }
      this.roundVerdicts = String.join(",", verdicts);
      return this;
    }

    /** {@link #roundVerdicts(java.util.List)} from its stored, comma-separated text; null: none. */
    public Builder roundVerdictsText(String text) {
      this.roundVerdicts = text == null || text.isEmpty() ? null : text;
      return this;
    }

    public StateRecord build() {
      if (id < 0) {
        throw new IllegalArgumentException("id must be >= 0, was " + id);
      }
      return new StateRecord(this);
    }
  }
}
