package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A prompt's own max_tokens reaches the wire, and one equal to the provider's changes nothing. */
class RequestMaxTokensTest {
  private static final ChatRequest PLAIN = new ChatRequest("sys", "Write a kernel.");

  @Test
  void aBudgetEqualToTheProvidersLeavesBodyAndKeyAsTheyWere() throws Exception {
    for (ProviderConfig.Api api : ProviderConfig.Api.values()) {
      ProviderConfig c = ProviderConfig.of("p", api, "http://127.0.0.1:1/v1", "m", "X");
      HttpLlmClient client =
          api == ProviderConfig.Api.ANTHROPIC
              ? new AnthropicMessagesClient(c, "k")
              : new OpenAiChatClient(c, "k");
      ChatRequest same = PLAIN.withMaxTokens(c.maxTokens());
      assertThat(
          api.name(),
          new String(client.body(same), StandardCharsets.UTF_8),
          is(new String(client.body(PLAIN), StandardCharsets.UTF_8)));
      assertThat(Prompts.key(c, same), is(Prompts.key(c, PLAIN)));

      ChatRequest big = PLAIN.withMaxTokens(6256);
      String body = new String(client.body(big), StandardCharsets.UTF_8);
      assertThat(body, containsString("\"max_tokens\":6256"));
      assertThat(body, not(containsString("\"max_tokens\":" + c.maxTokens() + ",")));
      assertThat(Prompts.key(c, big).equals(Prompts.key(c, PLAIN)), is(false));
    }
  }
}
