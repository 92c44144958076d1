package org.hipforge.io.llm;

/**
 * One attempt at one chat completion against one provider; retries and pacing live elsewhere.
 *
 * <p>Implementations are thread-safe: many workers call one client at once.
 */
public interface LlmClient extends AutoCloseable {
  /** Sends the request once; a failure is an {@link LlmException} whose category says what next. */
  ChatResponse complete(ChatRequest request) throws LlmException;

  @Override
  void close();

  /**
   * The client for a provider's wire format; {@code apiKey} may be null for keyless local servers.
   */
  static LlmClient create(ProviderConfig config, String apiKey) {
    return switch (config.api()) {
      case ANTHROPIC -> new AnthropicMessagesClient(config, apiKey);
      case OPENAI -> new OpenAiChatClient(config, apiKey);
    };
  }
}
