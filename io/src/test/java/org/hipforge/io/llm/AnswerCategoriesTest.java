package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import java.util.stream.Stream;
import org.hipforge.io.llm.LlmClientWireTest.StubServer;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Answer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an answer really is: a 200 that refuses, is filtered, cut or empty gets its final category
 * with its billed usage; parts are joined, reasoning is stripped, and usage numbers that cannot be
 * true are unknown. Bodies are the providers' real shapes, served over loopback.
 */
class AnswerCategoriesTest {
  private static final ChatRequest HELLO =
      new ChatRequest("You are terse.", "Describe the kernel.");

  private static ProviderConfig config(Api api, String baseUrl) {
    return LoopbackProviders.config("answers", api, baseUrl, "HIPFORGE_ANSWERS_TEST_KEY");
  }

  private static ChatResponse ok(Api api, String body) throws Exception {
    try (StubServer stub = new StubServer(i -> StubServer.json(200, body));
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), "k")) {
      return client.complete(HELLO);
    }
  }

  private static LlmException failed(Api api, String body) throws Exception {
    try (StubServer stub = new StubServer(i -> StubServer.json(200, body));
        LlmClient client = LlmClient.create(config(api, stub.baseUrl()), "k")) {
      return assertThrows(LlmException.class, () -> client.complete(HELLO));
    }
  }

  /**
   * An OpenAI chat completion whose message content is the JSON value {@code content}, with its
   * finish reason and usage.
   */
  private static String openAiAnswer(String content, String finish, long in, long out) {
    return String.format(
        Locale.ROOT,
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":%s},"
            + "\"finish_reason\":\"%s\"}],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d}}",
        content,
        finish,
        in,
        out);
  }

  private static void billedAndFinal(
      LlmException e, ErrorCategory category, long in, long out, String finish) {
    assertThat(e.getMessage(), e.category(), is(category));
    assertThat(e.category().retryable(), is(false));
    assertThat(e.category().paidAnswer(), is(true));
    assertThat(e.http().status(), is(200));
    assertThat("the billed answer travels with the error", e.answer(), notNullValue());
    assertThat(e.answer().inputTokens(), is(in));
    assertThat(e.answer().outputTokens(), is(out));
    assertThat(e.answer().finishReason(), is(finish));
  }

  // ------------------------------------------------------------------------------ OpenAI

  /**
   * Billed 200s that cannot be used, in the providers' real shapes: the final category, the billed
   * usage and finish reason, and what the message says ({@code ""}: nothing asserted).
   */
  static Stream<Arguments> unusableAnswers() {
    return Stream.of(
        Arguments.of(
            "an OpenAI refusal with null content is refused and keeps its tokens",
            Api.OPENAI,
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":"
                + "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"refusal\":\"I'm sorry, I cannot assist with that request.\"},\"logprobs\":null,\"finish_reason\":"
                + "\"stop\"}],\"usage\":{\"prompt_tokens\":81,\"completion_tokens\":11,\"total_tokens\":92}}",
            ErrorCategory.REFUSED,
            81L,
            11L,
            "stop",
            "cannot assist"),
        Arguments.of(
            "an OpenAI content filter with null content is filtered",
            Api.OPENAI,
            "{\"choices\":[{\"finish_reason\":\"content_filter\",\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":null},\"content_filter_results\":{\"violence\":"
                + "{\"filtered\":true,\"severity\":\"medium\"}}}],\"usage\":{\"completion_tokens\":0,"
                + "\"prompt_tokens\":25,\"total_tokens\":25}}",
            ErrorCategory.FILTERED,
            25L,
            0L,
            "content_filter",
            ""),
        Arguments.of(
            "an OpenAI reasoning cut with null content is truncated",
            Api.OPENAI,
            reasoningCut("null"),
            ErrorCategory.TRUNCATED,
            20L,
            300L,
            "length",
            "no content"),
        Arguments.of(
            "an OpenAI reasoning cut with empty content is truncated",
            Api.OPENAI,
            reasoningCut("\"\""),
            ErrorCategory.TRUNCATED,
            20L,
            300L,
            "length",
            "no content"),
        Arguments.of(
            "OpenAI empty choices are an empty answer with the prompt tokens",
            Api.OPENAI,
            "{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":0}}",
            ErrorCategory.EMPTY_ANSWER,
            17L,
            0L,
            null,
            ""),
        Arguments.of(
            "an answer that is only an unclosed think block is empty",
            Api.OPENAI,
            "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"<think>still thinking\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,"
                + "\"completion_tokens\":7}}",
            ErrorCategory.EMPTY_ANSWER,
            5L,
            7L,
            "stop",
            "think block"),
        Arguments.of(
            "Anthropic stop_reason refusal is refused even with text",
            Api.ANTHROPIC,
            "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"I can't help with that.\"}],"
                + "\"stop_reason\":\"refusal\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":30,\"output_tokens\":9}}",
            ErrorCategory.REFUSED,
            30L,
            9L,
            "refusal",
            "I can't help with that."),
        Arguments.of(
            "an Anthropic answer cut at max_tokens is truncated",
            Api.ANTHROPIC,
            anthropicCut("max_tokens"),
            ErrorCategory.TRUNCATED,
            30L,
            300L,
            "max_tokens",
            ""),
        Arguments.of(
            "an Anthropic answer cut at the context window is truncated",
            Api.ANTHROPIC,
            anthropicCut("model_context_window_exceeded"),
            ErrorCategory.TRUNCATED,
            30L,
            300L,
            "model_context_window_exceeded",
            ""),
        Arguments.of(
            "an Anthropic cut with only thinking is truncated",
            Api.ANTHROPIC,
            "{\"type\":\"message\",\"content\":[{\"type\":\"thinking\","
                + "\"thinking\":\"Let me see\",\"signature\":\"EqQB\"}],\"stop_reason\":\"max_tokens\","
                + "\"usage\":{\"input_tokens\":30,\"output_tokens\":300}}",
            ErrorCategory.TRUNCATED,
            30L,
            300L,
            "max_tokens",
            "only thinking"));
  }

  private static String reasoningCut(String content) {
    return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":"
        + content
        + ",\"reasoning_content\":\"Let me think about the grid\",\"refusal\":null},"
        + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":300,"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":300}}}";
  }

  private static String anthropicCut(String stop) {
    return "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
        + "\"The kernel\"}],\"stop_reason\":\""
        + stop
        + "\",\"usage\":{\"input_tokens\":30,\"output_tokens\":300}}";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableAnswers")
  void anUnusableAnswerIsBilledWithItsFinalCategory(
      String because,
      Api api,
      String body,
      ErrorCategory category,
      long in,
      long out,
      String finish,
      String said)
      throws Exception {
    LlmException e = failed(api, body);
    billedAndFinal(e, category, in, out, finish);
    assertThat(e.getMessage(), containsString(said));
  }

  @Test
  void openAiFinishReasonLengthIsTruncatedEvenWithText() throws Exception {
    LlmException e =
        failed(Api.OPENAI, openAiAnswer("\"The kernel adds two vec\"", "length", 40, 300));
    billedAndFinal(e, ErrorCategory.TRUNCATED, 40, 300, "length");
    assertThat(e.answer().text(), is("The kernel adds two vec"));
  }

  @Test
  void openAiContentPartsAreJoined() throws Exception {
    ChatResponse r =
        ok(
            Api.OPENAI,
            openAiAnswer(
                "[{\"type\":\"text\",\"text\":\"Write a HIP kernel \"},"
                    + "{\"type\":\"text\",\"text\":\"that adds two vectors.\"}]",
                "stop",
                5,
                7));
    assertThat(r.text(), is("Write a HIP kernel that adds two vectors."));
    assertThat(r.finishReason(), is("stop"));
  }

  static Stream<Arguments> thinkShapes() {
    return Stream.of(
        Arguments.of(
            "<think>\\nThe user wants...\\n</think>\\n\\nWrite a kernel.", "\n\nWrite a kernel."),
        Arguments.of("The template opened it.</think>Write a kernel.", "Write a kernel."),
        Arguments.of("Write <think>hm</think>a kernel.", "Write a kernel."),
        Arguments.of("<THINK>a</THINK><think>b</think>Write a kernel.", "Write a kernel."));
  }

  @ParameterizedTest
  @MethodSource("thinkShapes")
  void inlineThinkBlocksAreStripped(String content, String expected) throws Exception {
    ChatResponse r = ok(Api.OPENAI, openAiAnswer("\"" + content + "\"", "stop", 5, 7));
    assertThat(r.text(), is(expected));
  }

  // ------------------------------------------------------------------------------ Anthropic

  @Test
  void anthropicTextBlocksAreJoinedAndThinkingBlocksLeftOut() throws Exception {
    ChatResponse r =
        ok(
            Api.ANTHROPIC,
            "{\"type\":\"message\",\"content\":[{\"type\":\"thinking\","
                + "\"thinking\":\"secret reasoning\",\"signature\":\"EqQB\"},{\"type\":\"redacted_thinking\",\"data\":\"x\"},"
                + "{\"type\":\"text\",\"text\":\"Write a HIP kernel \"},{\"type\":\"text\",\"text\":\"that adds.\"}],"
                + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":30,\"output_tokens\":9}}");
    assertThat(r.text(), is("Write a HIP kernel that adds."));
    assertThat(r.text(), not(containsString("secret")));
    assertThat(r.finishReason(), is("end_turn"));
  }

  @Test
  void anthropicCacheTokensCountInTheInputTotalAndAreKeptApart() throws Exception {
    ChatResponse r =
        ok(
            Api.ANTHROPIC,
            "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"Write a kernel.\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":12,"
                + "\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":3000,\"output_tokens\":9}}");
    assertThat(r.inputTokens(), is(4012L));
    assertThat(r.cacheCreationInputTokens(), is(1000L));
    assertThat(r.cacheReadInputTokens(), is(3000L));
    assertThat(r.outputTokens(), is(9L));
  }

  // ------------------------------------------------------------------------------ usage

  @ParameterizedTest
  @ValueSource(
      strings = {"-5", "1e30", "12.5", "\"12\"", "2000000000", "99999999999999999999999", "null"})
  void unbelievableUsageValuesAreUnknown(String value) throws Exception {
    ChatResponse openAi =
        ok(
            Api.OPENAI,
            "{\"choices\":[{\"message\":{\"content\":\"Write a kernel.\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
                + value
                + ",\"completion_tokens\":"
                + value
                + "}}");
    assertThat(openAi.inputTokens(), is(-1L));
    assertThat(openAi.outputTokens(), is(-1L));
    ChatResponse anthropic =
        ok(
            Api.ANTHROPIC,
            "{\"content\":[{\"type\":\"text\",\"text\":\"Write.\"}],"
                + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":"
                + value
                + ",\"output_tokens\":"
                + value
                + ",\"cache_read_input_tokens\":"
                + value
                + "}}");
    assertThat(anthropic.inputTokens(), is(-1L));
    assertThat(anthropic.outputTokens(), is(-1L));
    assertThat(anthropic.cacheReadInputTokens(), is(0L));
  }

  // ------------------------------------------------------------------------------ the simulator

  static Stream<Arguments> simulatedShapes() {
    return Stream.of(
        Arguments.of(Api.OPENAI, Answer.REFUSAL, ErrorCategory.REFUSED, "stop"),
        Arguments.of(Api.ANTHROPIC, Answer.REFUSAL, ErrorCategory.REFUSED, "refusal"),
        Arguments.of(Api.OPENAI, Answer.CONTENT_FILTER, ErrorCategory.FILTERED, "content_filter"),
        Arguments.of(Api.ANTHROPIC, Answer.CONTENT_FILTER, ErrorCategory.REFUSED, "refusal"),
        Arguments.of(Api.OPENAI, Answer.TRUNCATED, ErrorCategory.TRUNCATED, "length"),
        Arguments.of(Api.ANTHROPIC, Answer.TRUNCATED, ErrorCategory.TRUNCATED, "max_tokens"),
        Arguments.of(Api.OPENAI, Answer.REASONING_CUT, ErrorCategory.TRUNCATED, "length"),
        Arguments.of(Api.ANTHROPIC, Answer.REASONING_CUT, ErrorCategory.TRUNCATED, "max_tokens"),
        Arguments.of(Api.OPENAI, Answer.NO_CHOICES, ErrorCategory.EMPTY_ANSWER, null),
        Arguments.of(Api.ANTHROPIC, Answer.NO_CHOICES, ErrorCategory.EMPTY_ANSWER, "end_turn"));
  }

  @ParameterizedTest
  @MethodSource("simulatedShapes")
  void everyUnusableSimulatedShapeIsOneRequestWithItsFinalCategory(
      Api api, Answer shape, ErrorCategory category, String finish) throws Exception {
    try (SimulatedLlmServer server =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withAnswerRate(shape, 1.0))) {
      RetryingCaller caller =
          new RetryingCaller(
              LlmClient.create(config(api, server.baseUrl()), "k"),
              RateLimiter.shared("answers-test " + api + " " + shape, 0, 0),
              new RetryingCaller.Policy(6, 300, RetryRules.DEFAULTS),
              RateLimiter.SYSTEM_SLEEPER,
              null,
              CallGate.standalone());
      RetryingCaller.Outcome o = caller.call(HELLO);
      assertThat(o.ok(), is(false));
      assertThat(o.error().category(), is(category));
      assertThat(o.error().answer().finishReason(), is(finish));
      assertThat("billed input is recorded", o.error().answer().inputTokens() > 0, is(true));
      assertThat("never retried", server.totalRequests(), is(1L));
      assertThat(o.attempts(), is(1));
    }
  }

  @ParameterizedTest
  @MethodSource("usableShapes")
  void usableSimulatedShapesGiveThePlainText(Api api, Answer shape) throws Exception {
    String plain;
    try (SimulatedLlmServer server = SimulatedLlmServer.start(SimulatorConfig.defaults());
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), "k")) {
      plain = client.complete(HELLO).text();
    }
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withAnswerRate(shape, 1.0));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), "k")) {
      ChatResponse r = client.complete(HELLO);
      assertThat(r.text(), is(shape == Answer.THINK && api == Api.OPENAI ? "\n\n" + plain : plain));
      assertThat(r.inputTokens() >= 0, is(shape != Answer.NO_USAGE));
      if (shape == Answer.CACHE_TOKENS && api == Api.ANTHROPIC) {
        assertThat(r.cacheReadInputTokens() > 0, is(true));
        assertThat(r.cacheCreationInputTokens() > 0, is(true));
      }
    }
  }

  static Stream<Arguments> usableShapes() {
    return Stream.of(Api.values())
        .flatMap(
            api ->
                Stream.of(Answer.PARTS, Answer.THINK, Answer.NO_USAGE, Answer.CACHE_TOKENS)
                    .map(s -> Arguments.of(api, s)));
  }
}
