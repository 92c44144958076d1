package org.hipforge.io.llm.batch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.LoopbackProviders;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The providers' documented batch shapes the simulator does not produce (validating, finalizing,
 * failed batches with errors, older Anthropic error bodies, quota and context errors of single
 * lines, a results_url of another origin), read from canned answers on loopback.
 */
class BatchWireShapesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-shapes-test-0123456789abcdefghijKLMN";

  private HttpServer stub;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final List<String> requested = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    stub =
        LoopbackProviders.serve(
            ex -> {
              String path = ex.getRequestURI().getRawPath();
              synchronized (requested) {
                requested.add(ex.getRequestMethod() + " " + path);
              }
              ex.getRequestBody().readAllBytes();
              String body = answers.get(path);
              LoopbackProviders.reply(
                  ex,
                  body == null ? 404 : 200,
                  "application/json",
                  body == null ? "{\"error\":{\"message\":\"no such path\"}}" : body);
            });
  }

  @AfterEach
  void stop() {
    stub.stop(0);
  }

  private String base() {
    return LoopbackProviders.baseUrl(stub);
  }

  private BatchApi api(Api kind) {
    return BatchApi.forProvider(
        ProviderConfig.of("shapes", kind, base(), "m", "HIPFORGE_SHAPES_KEY"), KEY);
  }

  private static JsonNode json(String text) throws IOException {
    return JSON.readTree(text);
  }

  private static Map<String, BatchOutcome> read(BatchApi api, String id) throws IOException {
    Map<String, BatchOutcome> out = new LinkedHashMap<>();
    api.readResults(id, o -> out.put(o.customId(), o));
    return out;
  }

  @Test
  void openAiStatusesMapOntoOneVocabularyWithCountsTimesAndTheReasonAFailedBatchGives()
      throws Exception {
    assertThat(
        OpenAiBatchApi.parseStatus(json("{\"id\":\"b\",\"status\":\"validating\"}")).state(),
        is(BatchStatus.State.VALIDATING));
    assertThat(
        OpenAiBatchApi.parseStatus(json("{\"id\":\"b\",\"status\":\"finalizing\"}")).state(),
        is(BatchStatus.State.FINALIZING));
    BatchStatus expired =
        OpenAiBatchApi.parseStatus(
            json(
                "{\"id\":\"b\",\"status\":\"expired\",\"created_at\":1000,"
                    + "\"expired_at\":2000,\"request_counts\":{\"total\":10,\"completed\":6,\"failed\":1}}"));
    assertThat(expired.state(), is(BatchStatus.State.EXPIRED));
    assertThat(expired.expiredOrCanceled(), is(3));
    assertThat(expired.processing(), is(0));
    assertThat(expired.createdAt(), is(Instant.ofEpochSecond(1000)));
    assertThat(expired.endedAt(), is(Instant.ofEpochSecond(2000)));
    BatchStatus running =
        OpenAiBatchApi.parseStatus(
            json(
                "{\"id\":\"b\",\"status\":\"in_progress\","
                    + "\"request_counts\":{\"total\":10,\"completed\":6,\"failed\":1}}"));
    assertThat(running.processing(), is(3));
    assertThat(running.endedAt(), nullValue());
    BatchStatus failed =
        OpenAiBatchApi.parseStatus(
            json(
                "{\"id\":\"b\",\"status\":\"failed\",\"failed_at\":5,"
                    + "\"errors\":{\"object\":\"list\",\"data\":[{\"code\":\"token_limit_exceeded\",\"message\":\"Enqueued token "
                    + "limit reached\",\"line\":null},{\"code\":\"invalid_json_line\",\"message\":\"bad\",\"line\":7}]}}"));
    assertThat(failed.state(), is(BatchStatus.State.FAILED));
    assertThat(failed.state().hasResults(), is(false));
    assertThat(
        failed.error(),
        is("token_limit_exceeded: Enqueued token limit reached; invalid_json_line: bad (line 7)"));
    assertThrows(
        IllegalStateException.class,
        () -> OpenAiBatchApi.parseStatus(json("{\"status\":\"paused\"}")));
  }

  @Test
  void anthropicProcessingStatusAndCountsMapOntoTheSameVocabulary() throws Exception {
    String counts =
        "\"request_counts\":{\"processing\":%d,\"succeeded\":4,\"errored\":1,\"canceled\":%d,\"expired\":%d}";
    BatchStatus running =
        AnthropicBatchApi.parseStatus(
            json(
                "{\"id\":\"m\",\"processing_status\":\"in_progress\","
                    + String.format(counts, 5, 0, 0)
                    + ",\"created_at\":\"2024-08-20T18:37:24.100435Z\"}"));
    assertThat(running.state(), is(BatchStatus.State.IN_PROGRESS));
    assertThat(running.total(), is(10));
    assertThat(running.processing(), is(5));
    assertThat(running.createdAt(), is(Instant.parse("2024-08-20T18:37:24.100435Z")));
    assertThat(
        AnthropicBatchApi.parseStatus(
                json(
                    "{\"processing_status\":\"canceling\","
                        + String.format(counts, 5, 0, 0)
                        + ",\"cancel_initiated_at\":\"2024-08-20T18:37:24Z\"}"))
            .state(),
        is(BatchStatus.State.CANCELLING));
    BatchStatus cancelled =
        AnthropicBatchApi.parseStatus(
            json(
                "{\"processing_status\":\"ended\","
                    + String.format(counts, 0, 5, 0)
                    + ",\"cancel_initiated_at\":\"2024-08-20T18:37:24Z\","
                    + "\"ended_at\":\"2024-08-20T18:40:00Z\"}"));
    assertThat(cancelled.state(), is(BatchStatus.State.CANCELLED));
    assertThat(cancelled.expiredOrCanceled(), is(5));
    assertThat(cancelled.endedAt(), is(Instant.parse("2024-08-20T18:40:00Z")));
    assertThat(
        AnthropicBatchApi.parseStatus(
                json("{\"processing_status\":\"ended\"," + String.format(counts, 0, 0, 5) + "}"))
            .state(),
        is(BatchStatus.State.EXPIRED));
    assertThat(
        AnthropicBatchApi.parseStatus(
                json("{\"processing_status\":\"ended\"," + String.format(counts, 0, 0, 0) + "}"))
            .state(),
        is(BatchStatus.State.ENDED));
  }

  @Test
  void
      openAiLinesThatFailedGetTheSynchronousCategoriesAndAnEchoedKeyIsRedactedByTheSynchronousParser()
          throws Exception {
    answers.put(
        "/v1/batches/batch_1",
        "{\"id\":\"batch_1\",\"status\":\"completed\",\"output_file_id\":\"file-o\","
            + "\"error_file_id\":\"file-e\",\"request_counts\":{\"total\":5,\"completed\":1,\"failed\":3}}");
    answers.put(
        "/v1/files/file-o/content",
        "{\"id\":\"r1\",\"custom_id\":\"ok\",\"response\":{\"status_code\":200,"
            + "\"body\":{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Key "
            + KEY
            + " here\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7}}},\"error\":null}\n");
    answers.put(
        "/v1/files/file-e/content",
        String.join(
            "\n",
            "{\"id\":\"r2\",\"custom_id\":\"quota\",\"response\":{\"status_code\":429,\"body\":{\"error\":{\"message\":"
                + "\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}},"
                + "\"error\":null}",
            "{\"id\":\"r3\",\"custom_id\":\"long\",\"response\":{\"status_code\":400,\"body\":{\"error\":{\"message\":"
                + "\"too long\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}},\"error\":null}",
            "{\"id\":\"r4\",\"custom_id\":\"busy\",\"response\":{\"status_code\":500,\"body\":{\"error\":{\"message\":"
                + "\"oops\"}}},\"error\":null}",
            "",
            "{\"id\":\"r5\",\"custom_id\":\"late\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":"
                + "\"This request could not be executed before the completion window expired.\"}}",
            ""));
    try (BatchApi api = api(Api.OPENAI)) {
      Map<String, BatchOutcome> o = read(api, "batch_1");
      assertThat(o.keySet().toString(), is("[ok, quota, long, busy, late]"));
      assertThat(o.get("ok").succeeded(), is(true));
      assertThat(o.get("ok").response().text(), is("Key <redacted> here"));
      assertThat(o.get("ok").response().inputTokens(), is(11L));
      assertThat(o.get("quota").errorCategory(), is(ErrorCategory.QUOTA.label()));
      assertThat(o.get("long").errorCategory(), is(ErrorCategory.CONTEXT_LENGTH.label()));
      assertThat(o.get("busy").errorCategory(), is(ErrorCategory.SERVER_ERROR.label()));
      assertThat(o.get("late").errorCategory(), is(BatchOutcome.EXPIRED));
      assertThat(o.get("late").paid(), is(false));
      assertThat(o.get("ok").retryable(), is(false));
      assertThat(o.get("quota").retryable(), is(false));
      assertThat(o.get("long").retryable(), is(false));
      assertThat(o.get("long").category(), is(ErrorCategory.CONTEXT_LENGTH));
      assertThat(o.get("busy").retryable(), is(true));
      assertThat(o.get("late").retryable(), is(true));
      assertThat(o.get("late").category(), nullValue());
    }
  }

  @Test
  void aResultsLineThatIsNotJsonFailsTheReadNamingItsLineNumber() throws Exception {
    answers.put(
        "/v1/batches/batch_2",
        "{\"id\":\"batch_2\",\"status\":\"completed\",\"output_file_id\":\"file-x\"}");
    answers.put(
        "/v1/files/file-x/content",
        "{\"custom_id\":\"a\",\"response\":{\"status_code\":500,\"body\":{}}}\n"
            + "<html>oops</html>\n");
    try (BatchApi api = api(Api.OPENAI)) {
      List<String> seen = new ArrayList<>();
      BatchApiException e =
          assertThrows(
              BatchApiException.class,
              () -> api.readResults("batch_2", o -> seen.add(o.customId())));
      assertThat(e.getCause().category(), is(ErrorCategory.BAD_RESPONSE));
      assertThat(e.getMessage(), containsString("results line 2 is not JSON"));
      assertThat(seen, is(List.of("a")));
    }
  }

  @Test
  void anthropicErrorsOfBothShapesGetTheirStatusCategoryAndAResultsUrlOfAnotherOriginIsNotFollowed()
      throws Exception {
    answers.put(
        "/v1/messages/batches/msgbatch_1",
        "{\"id\":\"msgbatch_1\",\"processing_status\":\"ended\","
            + "\"request_counts\":{\"processing\":0,\"succeeded\":1,\"errored\":2,\"canceled\":1,\"expired\":0},"
            + "\"results_url\":\"https://elsewhere.invalid/v1/messages/batches/msgbatch_1/results\"}");
    answers.put(
        "/v1/messages/batches/msgbatch_1/results",
        String.join(
            "\n",
            "{\"custom_id\":\"ok\",\"result\":{\"type\":\"succeeded\",\"message\":{\"content\":[{\"type\":\"text\","
                + "\"text\":\"An instruction.\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,"
                + "\"output_tokens\":4}}}}",
            "{\"custom_id\":\"old\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 300000 tokens > 200000 maximum\"}}}",
            "{\"custom_id\":\"new\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":{\"type\":"
                + "\"overloaded_error\",\"message\":\"Overloaded\"}}}}",
            "{\"custom_id\":\"gone\",\"result\":{\"type\":\"canceled\"}}",
            ""));
    try (BatchApi api = api(Api.ANTHROPIC)) {
      Map<String, BatchOutcome> o = read(api, "msgbatch_1");
      assertThat(o.get("ok").succeeded(), is(true));
      assertThat(o.get("ok").response().text(), is("An instruction."));
      assertThat(o.get("old").errorCategory(), is(ErrorCategory.CONTEXT_LENGTH.label()));
      assertThat(o.get("new").errorCategory(), is(ErrorCategory.OVERLOADED.label()));
      assertThat(o.get("new").errorMessage(), containsString("overloaded_error: Overloaded"));
      assertThat(o.get("gone").errorCategory(), is(BatchOutcome.CANCELED));
    }
    assertThat(
        requested,
        is(
            List.of(
                "GET /v1/messages/batches/msgbatch_1",
                "GET /v1/messages/batches/msgbatch_1/results")));
  }

  @Test
  void aBatchWithoutResultsIsRefusedBeforeAnyDownload() throws Exception {
    answers.put(
        "/v1/batches/batch_3",
        "{\"id\":\"batch_3\",\"status\":\"failed\",\"errors\":{\"data\":[{\"code\":"
            + "\"empty_file\",\"message\":\"no lines\"}]}}");
    try (BatchApi api = api(Api.OPENAI)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> api.readResults("batch_3", o -> {}));
      assertThat(e.getMessage(), containsString("FAILED (empty_file: no lines)"));
    }
    assertThat(requested, is(List.of("GET /v1/batches/batch_3")));
    assertThat(requested.toString(), not(containsString("content")));
  }

  @Test
  void aStatusGetWhoseConnectionDiesBeforeAnAnswerIsSentOnceMoreButACreatePostIsNot()
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger connections =
        new java.util.concurrent.atomic.AtomicInteger();
    String answer = "{\"id\":\"batch_9\",\"status\":\"in_progress\"}";
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (java.net.Socket s = server.accept()) {
                    int n = connections.incrementAndGet();
                    java.io.BufferedReader in =
                        new java.io.BufferedReader(
                            new java.io.InputStreamReader(
                                s.getInputStream(), StandardCharsets.ISO_8859_1));
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                      // read the request head; bodies here are empty or ignored
                    }
                    if (n % 2 == 1) {
                      continue; // closed without a byte: "unexpected end of stream"
                    }
                    byte[] b = answer.getBytes(StandardCharsets.UTF_8);
                    s.getOutputStream()
                        .write(
                            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                    + "Content-Length: "
                                    + b.length
                                    + "\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(b);
                  } catch (IOException closed) {
                    return;
                  }
                }
              },
              "dying-connections");
      t.setDaemon(true);
      t.start();
      String base = "http://127.0.0.1:" + server.getLocalPort() + "/v1";
      try (BatchApi api =
          BatchApi.forProvider(ProviderConfig.of("dying", Api.OPENAI, base, "m", "X"), KEY)) {
        assertThat(api.status("batch_9").state(), is(BatchStatus.State.IN_PROGRESS));
        assertThat(connections.get(), is(2));
        BatchApiException e =
            assertThrows(BatchApiException.class, () -> api.create("file-1", List.of()));
        assertThat(e.getCause().category(), is(ErrorCategory.CONNECTION));
        assertThat(connections.get(), is(3));
      }
    }
  }
}
