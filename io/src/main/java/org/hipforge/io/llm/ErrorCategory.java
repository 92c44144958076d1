package org.hipforge.io.llm;

import org.hipforge.io.util.SafeFiles;

/**
 * Why an LLM call failed, whether trying again can help, and whether it stops the whole run: the
 * retry and stop policy lives here.
 *
 * <p>Three categories stop the run ({@link #runStop}): {@code auth} (a rejected key), {@code quota}
 * (no money left on the account) and {@code endpoint} (no chat endpoint at {@code base_url}: a
 * 404/405, or {@code unreachable} once a task's retries are used up). Every other task of the run
 * would fail the same way, so nothing more is sent.
 *
 * <p>The {@link #label()} is the stable prefix of every {@code error_msg} in the state files.
 */
public enum ErrorCategory {
  RATE_LIMITED("rate_limited", true),
  SERVER_ERROR("server_error", true),
  OVERLOADED("overloaded", true),
  TIMEOUT("timeout", true),
  CONNECTION("connection", true),
  /**
   * Nothing accepts a connection at base_url (refused, unknown host): retried, then it stops the
   * run.
   */
  UNREACHABLE("unreachable", true),
  BAD_RESPONSE("bad_response", true),
  /** 409: a lock or conflict on the provider's side; both official SDKs retry it. */
  CONFLICT("conflict", true),
  CONTEXT_LENGTH("context_length", false),
  AUTH("auth", false),
  /**
   * The account has no quota or credit left (OpenAI insufficient_quota, Anthropic credit balance,
   * 402).
   */
  QUOTA("quota", false),
  /** The chat endpoint does not exist at base_url (404, 405): a wrong path or model. */
  ENDPOINT("endpoint", false),
  BAD_REQUEST("bad_request", false),
  UNPROCESSABLE("unprocessable", false),
  /**
   * The provider billed a 200 whose answer says no: OpenAI {@code message.refusal}, Anthropic
   * {@code stop_reason: refusal}.
   */
  REFUSED("refused", false),
  /**
   * The provider withheld the answer by its content filter ({@code finish_reason: content_filter}).
   */
  FILTERED("filtered", false),
  /**
   * The answer was cut at the token limit ({@code finish_reason: length}, Anthropic {@code
   * max_tokens} / {@code model_context_window_exceeded}), also a reasoning model's cut with no
   * content at all.
   */
  TRUNCATED("truncated", false),
  /** A 200 with no text: {@code choices: []}, blank content, nothing left after think blocks. */
  EMPTY_ANSWER("empty_answer", false),
  /** A describe answer that is not an instruction: a code block or a refusal sentence. */
  BAD_INSTRUCTION("bad_instruction", false),
  /** A 200 body larger than {@code max_answer_bytes}: not read further, not stored, not retried. */
  TOO_LARGE_ANSWER("too_large_answer", false),

  // Categories of the stages after the call (never retried by the caller; the state keeps them).
  /** A generate answer with no usable HIP code in it ({@code ExtractCode}). */
  NO_CODE("no_code", false),
  /** The compiler rejected the generated code ({@code ValidateHip}). */
  COMPILE_ERROR("compile_error", false),
  /** The compiler ran past its timeout and was killed. */
  COMPILE_TIMEOUT("compile_timeout", false),
  /** The code names a file outside the sandbox (absolute, {@code ..}, computed); not compiled. */
  UNSAFE_INCLUDE("unsafe_include", false),
  /** The compiler could not be run, or failed without an error in the code. */
  TOOLCHAIN_ERROR("toolchain_error", false),
  /**
   * A file name that may not be read or written (absolute, {@code ..}, a symlink out of its root).
   */
  UNSAFE_PATH(SafeFiles.UNSAFE_PATH, false),
  /** A generated file could not be written. */
  WRITE_ERROR("write_error", false),

  // Categories of reading a source before describe calls (ReadSources; recorded without a call).
  /** The source file is not there (or cannot be read). */
  MISSING_SOURCE(SafeFiles.MISSING, false),
  /** The file's bytes are not those the manifest (or the record) was made from. */
  SOURCE_CHANGED(SafeFiles.CHANGED, false),
  /** The file is larger than the most bytes a source may have. */
  TOO_LARGE(SafeFiles.TOO_LARGE, false),
  /** The file is empty or blank. */
  EMPTY_SOURCE("empty_source", false),
  /** The bytes are neither UTF-8 nor printable Latin-1 text ({@code SourceText}). */
  NOT_UTF8("not_utf8", false),
  /** No HIP kernel in the file (a header, a host-only file; {@code --kernelsOnly}). */
  NO_KERNEL("no_kernel", false);

  private final String label;
  private final boolean retryable;

  ErrorCategory(String label, boolean retryable) {
    this.label = label;
    this.retryable = retryable;
  }

  public String label() {
    return label;
  }

  /**
   * Whether trying again can help, as the official OpenAI and Anthropic SDKs decide it: 408, 409,
   * 429, every status >= 500, timeouts and broken connections are retried, other 4xx are not. A
   * provider's {@code x-should-retry} header overrides this per answer ({@link
   * LlmException#retryable()}).
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * True for an answer the provider billed (a 200) that cannot be used: it is journaled with its
   * tokens like any paid answer and replayed from the journal on a rerun, never requested again
   * (the same prompt gets the same verdict).
   */
  public boolean paidAnswer() {
    switch (this) {
      case REFUSED:
      case FILTERED:
      case TRUNCATED:
      case EMPTY_ANSWER:
      case BAD_INSTRUCTION:
        return true;
      default:
        return false;
    }
  }

  /**
   * True for the verdicts the repair loop answers with a follow-up turn ({@code generate
   * --repairRounds}): the compiler's errors ({@code compile_error}) or an answer without code
   * ({@code no_code}). A timeout, an unsafe include or a broken toolchain is not the model's to
   * fix.
   */
  public boolean repairable() {
    return this == COMPILE_ERROR || this == NO_CODE;
  }

  /**
   * Whether a record failed with category {@code label} gets a repair round ({@link
   * #repairable()}).
   */
  public static boolean repairable(String label) {
    ErrorCategory c = ofLabel(label);
    return c != null && c.repairable();
  }

  /** The category whose {@link #label()} is {@code label}, or null when none is. */
  public static ErrorCategory ofLabel(String label) {
    for (ErrorCategory c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    return null;
  }

  /**
   * How an error of this category stops the run, or null when it does not: AUTH, QUOTA and ENDPOINT
   * at once; UNREACHABLE once the task's retries are used up ({@code retriesUsedUp}).
   */
  public CallGate.Kind runStop(boolean retriesUsedUp) {
    switch (this) {
      case AUTH:
        return CallGate.Kind.AUTH;
      case QUOTA:
        return CallGate.Kind.QUOTA;
      case ENDPOINT:
        return CallGate.Kind.ENDPOINT;
      case UNREACHABLE:
        return retriesUsedUp ? CallGate.Kind.ENDPOINT : null;
      default:
        return null;
    }
  }

  /**
   * The category of an HTTP error status that is not a success. A 3xx is {@link #ENDPOINT}: API
   * calls never follow a redirect (the key and the prompt must not go to another origin), so {@code
   * base_url} has to name the final address.
   */
  public static ErrorCategory ofStatus(int status) {
    if (status >= 300 && status < 400) {
      return ENDPOINT;
    }
    switch (status) {
      case 401:
      case 403:
        return AUTH;
      case 402:
        return QUOTA;
      case 404:
      case 405:
        return ENDPOINT;
      case 408:
        return TIMEOUT;
      case 409:
        return CONFLICT;
      case 413:
        return CONTEXT_LENGTH;
      case 422:
        return UNPROCESSABLE;
      case 429:
        return RATE_LIMITED;
      case 529:
        return OVERLOADED;
      default:
        if (status >= 500) {
          return SERVER_ERROR;
        }
        return BAD_REQUEST;
    }
  }
}
