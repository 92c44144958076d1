package org.hipforge.io.llm;

import java.io.Serializable;
import java.util.Objects;

/** One prompt: a system message and a user message. */
public final class ChatRequest implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String system;
  private final String user;

  public ChatRequest(String system, String user) {
    this.system = Objects.requireNonNull(system, "system");
    this.user = Objects.requireNonNull(user, "user");
  }

  public String system() {
    return system;
  }

  public String user() {
    return user;
  }

  /** A rough token count (4 characters a token) used to reserve TPM budget before the call. */
  public int estimatedTokens(int maxOutputTokens) {
    return (system.length() + user.length()) / 4 + 8 + maxOutputTokens;
  }
}
