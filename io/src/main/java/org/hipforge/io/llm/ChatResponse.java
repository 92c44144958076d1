package org.hipforge.io.llm;

/**
 * An answer the provider billed: its text, the token usage it reported (-1 when it did not, or
 * reported something unbelievable), its raw finish reason, and Anthropic's cache token counts.
 *
 * <p>{@link #inputTokens} is the whole prompt: for Anthropic it already includes {@link
 * #cacheCreationInputTokens} and {@link #cacheReadInputTokens} (which the wire reports apart).
 */
public final class ChatResponse {
  private final String text;
  private final long inputTokens;
  private final long outputTokens;
  private final RateLimitSnapshot rateLimits;
  private final String finishReason;
  private final long cacheCreationInputTokens;
  private final long cacheReadInputTokens;

  public ChatResponse(String text, long inputTokens, long outputTokens, RateLimitSnapshot rateLimits) {
    this(text, inputTokens, outputTokens, rateLimits, null, 0, 0);
  }

  public ChatResponse(String text, long inputTokens, long outputTokens, RateLimitSnapshot rateLimits,
      String finishReason, long cacheCreationInputTokens, long cacheReadInputTokens) {
    this.text = text;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.rateLimits = rateLimits == null ? RateLimitSnapshot.EMPTY : rateLimits;
    this.finishReason = finishReason;
    this.cacheCreationInputTokens = Math.max(0, cacheCreationInputTokens);
    this.cacheReadInputTokens = Math.max(0, cacheReadInputTokens);
  }

  /** The answer's text (parts joined, think blocks removed); may be null for an unusable answer. */
  public String text() {
    return text;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  /** The provider's own finish_reason / stop_reason, as sent; null when it sent none. */
  public String finishReason() {
    return finishReason;
  }

  /** Anthropic {@code cache_creation_input_tokens} (included in {@link #inputTokens}); else 0. */
  public long cacheCreationInputTokens() {
    return cacheCreationInputTokens;
  }

  /** Anthropic {@code cache_read_input_tokens} (included in {@link #inputTokens}); else 0. */
  public long cacheReadInputTokens() {
    return cacheReadInputTokens;
  }

  /** The provider's rate-limit headers on this answer; never null, maybe empty. */
  public RateLimitSnapshot rateLimits() {
    return rateLimits;
  }
}
