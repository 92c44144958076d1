package org.hipforge.io.llm;

/**
 * An answer the provider billed: its text, the token usage it reported (-1 when it did not, or
 * reported something unbelievable), its raw finish reason, and Anthropic's cache token counts.
 *
 * <p>{@link #inputTokens} is the whole prompt: for Anthropic it already includes {@link
 * #cacheCreationInputTokens} and {@link #cacheReadInputTokens} (which the wire reports apart).
 *
 * @param text the answer's text (parts joined, think blocks removed); may be null for an unusable
 *     answer
 * @param rateLimits the provider's rate-limit headers on this answer; never null, maybe empty
 * @param finishReason the provider's own finish_reason / stop_reason, as sent; null when it sent
 *     none
 * @param cacheCreationInputTokens Anthropic {@code cache_creation_input_tokens} (included in {@link
 *     #inputTokens}); else 0
 * @param cacheReadInputTokens Anthropic {@code cache_read_input_tokens} (included in {@link
 *     #inputTokens}); else 0
 */
public record ChatResponse(
    String text,
    long inputTokens,
    long outputTokens,
    RateLimitSnapshot rateLimits,
    String finishReason,
    long cacheCreationInputTokens,
    long cacheReadInputTokens) {
  public ChatResponse {
    rateLimits = rateLimits == null ? RateLimitSnapshot.EMPTY : rateLimits;
    cacheCreationInputTokens = Math.max(0, cacheCreationInputTokens);
    cacheReadInputTokens = Math.max(0, cacheReadInputTokens);
  }

  public ChatResponse(
      String text, long inputTokens, long outputTokens, RateLimitSnapshot rateLimits) {
    this(text, inputTokens, outputTokens, rateLimits, null, 0, 0);
  }
}
