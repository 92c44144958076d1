package org.hipforge.io.llm;

import java.io.Serializable;
import java.util.Objects;

/**
 * One prompt: a system message and a user message, and for a generate prompt the answer budget
 * sized from its source ({@link ProviderConfig#maxTokensFor}); other prompts use the provider's
 * {@code max_tokens}.
 *
 * @param maxTokens the answer budget for this prompt; 0: the provider's {@code max_tokens}
 */
public record ChatRequest(String system, String user, int maxTokens) implements Serializable {
  public ChatRequest {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(user, "user");
    if (maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must be >= 0, was " + maxTokens);
    }
  }

  public ChatRequest(String system, String user) {
    this(system, user, 0);
  }

  /**
   * This prompt with its own {@code max_tokens}; {@code tokens} equal to the provider's leaves the
   * request (its body and its cache key) exactly as without it.
   */
  public ChatRequest withMaxTokens(int tokens) {
    if (tokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, was " + tokens);
    }
    return new ChatRequest(system, user, tokens);
  }

  /**
   * The {@code max_tokens} to send: this prompt's own, else {@code configured} (the provider's).
   */
  public int maxTokensOr(int configured) {
    return maxTokens > 0 ? maxTokens : configured;
  }

  /** A rough token count (4 characters a token) used to reserve TPM budget before the call. */
  public int estimatedTokens(int maxOutputTokens) {
    return (system.length() + user.length()) / 4 + 8 + maxOutputTokens;
  }
}
