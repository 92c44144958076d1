package org.hipforge.io.llm;

/** A successful answer: its text, the token usage the provider reported (-1 when it did not). */
public final class ChatResponse {
  private final String text;
  private final long inputTokens;
  private final long outputTokens;
  private final RateLimitSnapshot rateLimits;

  public ChatResponse(String text, long inputTokens, long outputTokens, RateLimitSnapshot rateLimits) {
    this.text = text;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.rateLimits = rateLimits;
  }

  public String text() {
    return text;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  /** The provider's rate-limit headers on this answer; never null, maybe empty. */
  public RateLimitSnapshot rateLimits() {
    return rateLimits;
  }
}
