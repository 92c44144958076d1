package org.hipforge.io.llm;

import java.nio.charset.StandardCharsets;

/**
 * Keeps one client's API key out of everything it makes: error messages, log lines, and answers
 * (whose text becomes an instruction, a state line, an export row and the next prompt).
 *
 * <p>Keys shorter than 4 characters (or none) are not searched for: they would match ordinary text.
 * Thread-safe (immutable).
 */
final class KeyRedactor {
  /** What stands for the API key wherever a text held it. */
  static final String REDACTED = "<redacted>";

  private final String apiKey;

  KeyRedactor(String apiKey) {
    this.apiKey = apiKey == null || apiKey.length() < 4 ? null : apiKey;
  }

  /** Replaces the configured key by {@value #REDACTED}; text without it is returned as it is. */
  String redactKey(String text) {
    return text == null || apiKey == null ? text : text.replace(apiKey, REDACTED);
  }

  /**
   * Never let a key reach an error message, a log line or a state file: the configured key ({@link
   * #redactKey}), and anything shaped like an OpenAI or Anthropic key (a proxy may echo another
   * one). Only for error texts: in an answer the pattern would also hit code like {@code
   * mask-values}.
   */
  String redact(String text) {
    if (text == null) {
      return "";
    }
    return redactKey(text).replaceAll("(sk-(?:ant-)?)[A-Za-z0-9_\\-*.]{6,}", "$1" + REDACTED);
  }

  /**
   * An answer's body with the configured key replaced by {@value #REDACTED} wherever the provider
   * echoed it (also JSON-escaped as {@code \\/}), before it is parsed; done on the body, so every
   * field a parser keeps is covered.
   */
  byte[] redactAnswer(byte[] body) {
    if (apiKey == null) {
      return body;
    }
    String text = new String(body, StandardCharsets.UTF_8);
    String escaped = apiKey.replace("/", "\\/");
    if (!text.contains(apiKey) && !text.contains(escaped)) {
      return body;
    }
    return redactKey(text).replace(escaped, REDACTED).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * True when a parsed answer's text still holds the key: the provider spelled it with JSON
   * escapes, which only a deliberate echo does.
   */
  boolean holdsKey(ChatResponse response) {
    return apiKey != null && response.text() != null && response.text().contains(apiKey);
  }
}
