package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.hipforge.io.state.WorkLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider errors no task can get past stop {@code describe} at once with one message and their own
 * exit code: a spent quota (4), a wrong or unreachable base_url (5). Tasks not yet answered stay
 * pending (no record).
 */
class ProviderStopTest {
  /**
   * One DoFn instance ({@code --targetParallelism=1}) with this window: the most requests a stop
   * can overlap.
   */
  private static final int MAX_IN_FLIGHT = 4;

  @TempDir Path tmp;

  /** OpenAI's 429 when the account's quota is spent (the real body). */
  private static final String INSUFFICIENT_QUOTA =
      "{\n  \"error\": {\n    \"message\": \"You exceeded your current "
          + "quota, please check your plan and billing details. For more information on this error, read the docs: "
          + "https://platform.openai.com/docs/guides/error-codes/api-errors.\",\n    \"type\": \"insufficient_quota\",\n"
          + "    \"param\": null,\n    \"code\": \"insufficient_quota\"\n  }\n}\n";

  private static final String ANSWER =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
          + "\"model\":\"sim-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
          + "\"Write a HIP kernel that adds two float vectors element by element.\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":14,\"total_tokens\":134}}";

  /**
   * An OpenAI-style provider on loopback: N answers at /v1/chat/completions, then quota refusals.
   */
  private static final class QuotaProvider implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger answers = new AtomicInteger();
    private final HttpServer http;

    QuotaProvider(int answersBeforeQuota) throws IOException {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
      http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      http.createContext(
          "/",
          ex -> {
            requests.incrementAndGet();
            try (InputStream in = ex.getRequestBody()) {
              in.readAllBytes();
            }
            if (!ex.getRequestURI().getPath().equals("/v1/chat/completions")) {
              reply(
                  ex,
                  404,
                  "{\"error\":{\"message\":\"Invalid URL (POST "
                      + ex.getRequestURI().getPath()
                      + ")\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
            } else if (answers.incrementAndGet() <= answersBeforeQuota) {
              reply(ex, 200, ANSWER);
            } else {
              reply(ex, 429, INSUFFICIENT_QUOTA);
            }
          });
      http.start();
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
      byte[] out = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    }

    String root() {
      return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }

  private int describe(String baseUrl, TestCorpus.Captured err, int tasks, int maxAttempts)
      throws Exception {
    TestCorpus.writeKernels(tmp.resolve("src"), tasks);
    Path config = tmp.resolve("config.json");
    Files.writeString(
        config,
        "{\"sim\": {\"api\": \"openai\", \"base_url\": \""
            + baseUrl
            + "\", \"model\": \"sim-model\", \"api_key_env\": \"HIPFORGE_TEST_UNSET_KEY\", \"timeout_s\": 10, "
            + "\"max_attempts\": "
            + maxAttempts
            + "}}");
    TestCorpus.manifest(tmp.resolve("w"), tmp.resolve("src"));
    return Main.run(
        new String[] {
          "describe",
          "--workDir=" + tmp.resolve("w"),
          "--sourceDir=" + tmp.resolve("src"),
          "--config=" + config,
          "--modelName=sim",
          "--runner=DirectRunner",
          "--targetParallelism=1",
          "--maxInFlight=" + MAX_IN_FLIGHT
        },
        new TestCorpus.Captured().out,
        err.out);
  }

  @Test
  void aSpentQuotaStopsDescribeWithExitFourAndLeavesTheUnansweredTasksPending() throws Exception {
    int answered = 5;
    try (QuotaProvider provider = new QuotaProvider(answered)) {
      TestCorpus.Captured err = new TestCorpus.Captured();
      assertThat(describe(provider.root() + "/v1", err, 24, 6), is(4));
      assertThat(err.text(), containsString("STOPPED: quota: provider sim"));
      assertThat(err.text(), containsString("You exceeded your current quota"));
      assertThat(
          err.text(),
          containsString(
              "billing of the account behind the key in the environment variable "
                  + "HIPFORGE_TEST_UNSET_KEY"));
      assertThat(provider.requests.get(), lessThanOrEqualTo(answered + MAX_IN_FLIGHT));
      TestCorpus.assertPaidAnswersKept(tmp.resolve("w"), answered);
    }
  }

  @Test
  void aBaseUrlWithAWrongPathStopsDescribeWithExitFiveAfterOneRequest() throws Exception {
    try (QuotaProvider provider = new QuotaProvider(1_000)) {
      TestCorpus.Captured err = new TestCorpus.Captured();
      assertThat(describe(provider.root() + "/v1/chat", err, 12, 6), is(5));
      assertThat(err.text(), containsString("STOPPED: endpoint: provider sim"));
      assertThat(err.text(), containsString("base_url " + provider.root() + "/v1/chat"));
      assertThat(err.text(), containsString("HTTP 404"));
      assertThat(
          "the first-call probe: one request, not a window of them",
          provider.requests.get(),
          is(1));
      assertThat(TestCorpus.journaled(tmp.resolve("w"), WorkLayout.Step.DESCRIBE), hasSize(0));
    }
  }

  @Test
  void nothingListeningAtBaseUrlStopsDescribeWithExitFiveSayingCannotConnect() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    String base = "http://127.0.0.1:" + port + "/v1";
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(describe(base, err, 12, 2), is(5));
    assertThat(err.text(), containsString("STOPPED: endpoint: provider sim"));
    assertThat(err.text(), containsString("cannot connect to " + base));
    assertThat(TestCorpus.journaled(tmp.resolve("w"), WorkLayout.Step.DESCRIBE), hasSize(0));
  }
}
