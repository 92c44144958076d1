package org.hipforge.io.record;

import java.util.List;

/**
 * The values and setters of {@link StateRecord.Builder}, in a file of their own so that {@link
 * StateRecord} reads as its components and rules. Only {@code StateRecord.Builder} extends it, and
 * every setter returns that type, so callers chain them on {@code StateRecord.builder()}.
 */
abstract sealed class StateRecordBuilder permits StateRecord.Builder {
  long id;
  String fileName;
  boolean pass;
  String instruction;
  String errorMsg;
  String sourceSha256;
  String provider;
  String model;
  long inputTokens;
  long outputTokens;
  long latencyMs;
  int attempts;
  long finishedAtMillis;
  String runId;
  String promptSha256;
  String promptVersion;
  String sourceEncoding;
  long sourceBytes;
  boolean cached;
  String finishReason;
  boolean tokensEstimated;
  long cacheCreationInputTokens;
  long cacheReadInputTokens;
  String codeSha256;
  Boolean compiled;
  String compileError;
  String outputPath;
  String toolchain;
  String offloadArch;
  String response;
  Fidelity fidelity;
  List<KernelResources> resources;
  String roundVerdicts;

  StateRecordBuilder() {}

  /** Starts from every value of {@code r} ({@link StateRecord#toBuilder()}). */
  StateRecordBuilder(StateRecord r) {
    id = r.id();
    fileName = r.fileName();
    pass = r.pass();
    instruction = r.instruction();
    errorMsg = r.errorMsg();
    sourceSha256 = r.sourceSha256();
    provider = r.provider();
    model = r.model();
    inputTokens = r.inputTokens();
    outputTokens = r.outputTokens();
    latencyMs = r.latencyMs();
    attempts = r.attempts();
    finishedAtMillis = r.finishedAtMillis();
    runId = r.runId();
    promptSha256 = r.promptSha256();
    promptVersion = r.promptVersion();
    sourceEncoding = r.sourceEncoding();
    sourceBytes = r.sourceBytes();
    cached = r.cached();
    finishReason = r.finishReason();
    tokensEstimated = r.tokensEstimated();
    cacheCreationInputTokens = r.cacheCreationInputTokens();
    cacheReadInputTokens = r.cacheReadInputTokens();
    codeSha256 = r.codeSha256();
    compiled = r.compiled();
    compileError = r.compileError();
    outputPath = r.outputPath();
    toolchain = r.toolchain();
    offloadArch = r.offloadArch();
    response = r.response();
    fidelity = r.fidelity();
    resources = r.resources();
    roundVerdicts = r.roundVerdictsText();
  }

  private StateRecord.Builder self() {
    return (StateRecord.Builder) this;
  }

  public StateRecord.Builder id(long v) {
    this.id = v;
    return self();
  }

  public StateRecord.Builder fileName(String v) {
    this.fileName = v;
    return self();
  }

  public StateRecord.Builder pass(boolean v) {
    this.pass = v;
    return self();
  }

  public StateRecord.Builder instruction(String v) {
    this.instruction = v;
    return self();
  }

  public StateRecord.Builder errorMsg(String v) {
    this.errorMsg = v;
    return self();
  }

  /** Sets pass=false and error_msg="category: detail". */
  public StateRecord.Builder failure(String category, String detail) {
    this.pass = false;
    this.errorMsg = category + ": " + detail;
    return self();
  }

  public StateRecord.Builder sourceSha256(String v) {
    this.sourceSha256 = v;
    return self();
  }

  public StateRecord.Builder provider(String v) {
    this.provider = v;
    return self();
  }

  public StateRecord.Builder model(String v) {
    this.model = v;
    return self();
  }

  public StateRecord.Builder inputTokens(long v) {
    this.inputTokens = v;
    return self();
  }

  public StateRecord.Builder outputTokens(long v) {
    this.outputTokens = v;
    return self();
  }

  public StateRecord.Builder latencyMs(long v) {
    this.latencyMs = v;
    return self();
  }

  public StateRecord.Builder attempts(int v) {
    this.attempts = v;
    return self();
  }

  public StateRecord.Builder finishedAtMillis(long v) {
    this.finishedAtMillis = v;
    return self();
  }

  public StateRecord.Builder runId(String v) {
    this.runId = v;
    return self();
  }

  public StateRecord.Builder promptSha256(String v) {
    this.promptSha256 = v;
    return self();
  }

  public StateRecord.Builder promptVersion(String v) {
    this.promptVersion = v;
    return self();
  }

  public StateRecord.Builder sourceEncoding(String v) {
    this.sourceEncoding = v;
    return self();
  }

  public StateRecord.Builder sourceBytes(long v) {
    this.sourceBytes = v;
    return self();
  }

  public StateRecord.Builder cached(boolean v) {
    this.cached = v;
    return self();
  }

  public StateRecord.Builder finishReason(String v) {
    this.finishReason = v;
    return self();
  }

  public StateRecord.Builder tokensEstimated(boolean v) {
    this.tokensEstimated = v;
    return self();
  }

  public StateRecord.Builder cacheCreationInputTokens(long v) {
    this.cacheCreationInputTokens = v;
    return self();
  }

  public StateRecord.Builder cacheReadInputTokens(long v) {
    this.cacheReadInputTokens = v;
    return self();
  }

  public StateRecord.Builder codeSha256(String v) {
    this.codeSha256 = v;
    return self();
  }

  public StateRecord.Builder compiled(Boolean v) {
    this.compiled = v;
    return self();
  }

  public StateRecord.Builder compileError(String v) {
    this.compileError = v;
    return self();
  }

  public StateRecord.Builder outputPath(String v) {
    this.outputPath = v;
    return self();
  }

  public StateRecord.Builder toolchain(String v) {
    this.toolchain = v;
    return self();
  }

  public StateRecord.Builder offloadArch(String v) {
    this.offloadArch = v;
    return self();
  }

  public StateRecord.Builder response(String v) {
    this.response = v;
    return self();
  }

  public StateRecord.Builder fidelity(Fidelity v) {
    this.fidelity = v;
    return self();
  }

  /** Kernel resources ({@link StateRecord#resources}); null or empty for none. */
  public StateRecord.Builder resources(List<KernelResources> v) {
    this.resources = v;
    return self();
  }

  /** The verdicts of the rounds so far (see {@link StateRecord#roundVerdicts}); null: none. */
  public StateRecord.Builder roundVerdicts(List<String> verdicts) {
    if (verdicts == null || verdicts.isEmpty()) {
      this.roundVerdicts = null;
      return self();
    }
    for (String v : verdicts) {
      if (v == null || v.isEmpty() || v.indexOf(',') >= 0) {
        throw new IllegalArgumentException(
            "a round verdict must be a non-empty word without ',', was '" + v + "'");
      }
    }
    this.roundVerdicts = String.join(",", verdicts);
    return self();
  }

  /** {@link #roundVerdicts(List)} from its stored, comma-separated text; null: none. */
  public StateRecord.Builder roundVerdictsText(String text) {
    this.roundVerdicts = text == null || text.isEmpty() ? null : text;
    return self();
  }
}
