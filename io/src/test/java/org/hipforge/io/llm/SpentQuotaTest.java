package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.io.llm.RetryingCallerTest.FakeTime;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A spend cap reached mid-run, as each provider says it (the simulator's {@code --quota-after}):
 * OpenAI's 429 {@code insufficient_quota}, Anthropic's 400 "credit balance is too low". The call
 * that meets it is the run's last: it closes the run's gate as QUOTA, without a retry, and no other
 * caller of the run sends anything after it.
 */
class SpentQuotaTest {
  private static final String KEY = "sk-quota-test-0123456789abcdefghijKLMN";

  @ParameterizedTest
  @EnumSource(Api.class)
  void theFirstAnswerPastTheSpendCapStopsTheRunAsQuotaAndNothingMoreIsSent(Api api)
      throws Exception {
    FakeTime time = new FakeTime();
    CallGate gate = CallGate.standalone();
    try (SimulatedLlmServer server =
            SimulatedLlmServer.start(SimulatorConfig.defaults().withQuotaAfter(3));
        LlmClient client =
            LlmClient.create(
                ProviderConfig.of(
                    "quota-" + api.name().toLowerCase(java.util.Locale.ROOT),
                    api,
                    server.baseUrl(),
                    "test-model",
                    "HIPFORGE_QUOTA_TEST_KEY"),
                KEY)) {
      RetryingCaller caller =
          new RetryingCaller(
              client,
              new RateLimiter(0, 0, time, time),
              new RetryingCaller.Policy(6, 1024, RetryRules.DEFAULTS),
              time,
              null,
              gate);
      for (int i = 0; i < 3; i++) {
        assertThat(
            caller.call(new ChatRequest("s", "Describe kernel q" + i + " of the quota test.")).ok(),
            is(true));
      }
      RetryingCaller.Outcome spent =
          caller.call(new ChatRequest("s", "Describe kernel q3 of the quota test."));
      assertThat(spent.ok(), is(false));
      assertThat(spent.error().category(), is(ErrorCategory.QUOTA));
      assertThat(spent.attempts(), is(1));
      assertThat(
          spent.error().getMessage(),
          containsString(
              api == Api.OPENAI ? "exceeded your current quota" : "credit balance is too low"));
      assertThat(gate.stop().kind(), is(CallGate.Kind.QUOTA));

      RetryingCaller.Outcome after =
          caller.call(new ChatRequest("s", "Describe kernel q4 of the quota test."));
      assertThat(after.ok(), is(false));
      assertThat(server.totalRequests(), is(4L));
    }
  }
}
