package org.hipforge.llmsim;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's batch endpoints as raw HTTP sees them: its flags, a multipart upload of any
 * boundary, the failed batch OpenAI makes of an invalid file, results before the end, the requests
 * log and {@code GET /sim/stats} counting batch calls, lines and answers.
 */
class SimulatedBatchEndpointsTest {

  @Test
  void theBatchFlagsSetTheBatchSettingsAndBadValuesNameTheFlag() {
    SimulatorConfig c =
        SimulatorFlags.parse(
            new String[] {
              "--batch-delay-ms=5", "--batch-line-error-rate=0.1", "--batch-expire-rate=0.2"
            });
    assertThat(c.batch(), is(new BatchSettings(5, 0.1, 0.2)));
    assertThat(SimulatorConfig.defaults().batch(), is(BatchSettings.defaults()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SimulatorFlags.parse(new String[] {"--batch-expire-rate=1.5"}));
    assertThat(e.getMessage(), containsString("--batch-expire-rate"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SimulatorFlags.parse(
                new String[] {"--batch-line-error-rate=0.6", "--batch-expire-rate=0.6"}));
    assertThat(SimulatorFlags.usage(), containsString("--batch-delay-ms"));
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return SimHttp.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder at(SimulatedLlmServer llm, String path) {
    return HttpRequest.newBuilder(URI.create(llm.baseUrl() + path))
        .header("Authorization", "Bearer k");
  }

  private static HttpResponse<String> upload(SimulatedLlmServer llm, String jsonl)
      throws Exception {
    String boundary = "----hipforge-test-boundary";
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            + "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
            + "Content-Type: application/jsonl\r\n\r\n"
            + jsonl
            + "\r\n--"
            + boundary
            + "--\r\n";
    return send(
        at(llm, "/files")
            .header("Content-Type", "multipart/form-data; boundary=\"" + boundary + "\"")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build());
  }

  private static String line(String id, String user) {
    return "{\"custom_id\":\""
        + id
        + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + SimHttp.openAiBody(SimHttp.SYSTEM_DESCRIBE, user, null)
        + "}";
  }

  private static JsonNode create(SimulatedLlmServer llm, String fileId) throws Exception {
    HttpResponse<String> r =
        send(
            at(llm, "/batches")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"input_file_id\":\""
                            + fileId
                            + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"))
                .build());
    assertThat(r.body(), r.statusCode(), is(200));
    return SimHttp.JSON.readTree(r.body());
  }

  @Test
  void anInvalidInputFileMakesAFailedBatchWithTheReasonsAsOpenAiDoes() throws Exception {
    try (SimulatedLlmServer llm = SimulatedLlmServer.start(SimulatorConfig.defaults())) {
      HttpResponse<String> up =
          upload(
              llm,
              String.join(
                  "\n",
                  line("a", "__global__ void a() {}"),
                  line("a", "__global__ void b() {}"),
                  "{not json"));
      assertThat(up.statusCode(), is(200));
      JsonNode file = SimHttp.JSON.readTree(up.body());
      assertThat(file.get("purpose").asText(), is("batch"));
      JsonNode batch = create(llm, file.get("id").asText());
      assertThat(batch.get("status").asText(), is("failed"));
      String errors = batch.get("errors").toString();
      assertThat(errors, containsString("duplicate_custom_id"));
      assertThat(errors, containsString("invalid_json_line"));
      assertThat(llm.batchLinesAnswered(), is(0L));
    }
  }

  @Test
  void resultsAreRefusedUntilTheBatchEndsAndAnUnknownFileIs404() throws Exception {
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults().withBatch(BatchSettings.defaults().withDelayMs(600_000)))) {
      JsonNode file =
          SimHttp.JSON.readTree(upload(llm, line("a", "__global__ void a() {}") + "\n").body());
      JsonNode batch = create(llm, file.get("id").asText());
      assertThat(batch.get("status").asText(), is("in_progress"));
      assertThat(batch.get("output_file_id").isNull(), is(true));
      String id = batch.get("id").asText();
      assertThat(
          send(at(llm, "/files/file-out-" + id + "/content").GET().build()).statusCode(), is(404));
      assertThat(send(at(llm, "/files/file-nothing/content").GET().build()).statusCode(), is(404));
      // The input file reads back byte for byte.
      assertThat(
          send(at(llm, "/files/" + file.get("id").asText() + "/content").GET().build()).body(),
          is(line("a", "__global__ void a() {}") + "\n"));
    }
  }

  @Test
  void answeredBatchLinesAreLoggedAndCountedInTheStatsApartFromHttpAnswers(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("requests.log");
    try (SimulatedLlmServer llm =
        SimulatedLlmServer.start(
            SimulatorConfig.defaults()
                .withRequestsLog(log)
                .withBatch(BatchSettings.defaults().withDelayMs(0)))) {
      JsonNode file =
          SimHttp.JSON.readTree(
              upload(
                      llm,
                      line("a", "__global__ void a() {}")
                          + "\n"
                          + line("b", "__global__ void b() {}")
                          + "\n")
                  .body());
      create(llm, file.get("id").asText());
      // Nobody polls: the stats settle the batch that is due.
      JsonNode stats =
          SimHttp.JSON.readTree(
              send(HttpRequest.newBuilder(URI.create(llm.baseUrl().replace("/v1", "/sim/stats")))
                      .GET()
                      .build())
                  .body());
      assertThat(stats.get("batch_answers").asLong(), is(2L));
      assertThat(stats.get("batches_created").asLong(), is(1L));
      assertThat(stats.get("batch_lines").asLong(), is(2L));
      assertThat(stats.get("batch_calls").get("upload").asLong(), is(1L));
      assertThat(stats.get("batch_calls").get("create").asLong(), is(1L));
      assertThat(stats.get("answers").asLong(), is(0L));
      assertThat(
          stats.get("billed_prompt_tokens").asLong(),
          is(stats.get("batch_billed_prompt_tokens").asLong()));
      assertThat(stats.get("billed_completion_tokens").asLong() > 0, is(true));
      List<String> logged = Files.readAllLines(log);
      assertThat(
          logged,
          is(
              List.of(
                  SimulatedLlmServer.promptKey("__global__ void a() {}"),
                  SimulatedLlmServer.promptKey("__global__ void b() {}"))));
      assertThat(llm.successCountsByPrompt().size(), is(2));
    }
  }
}
