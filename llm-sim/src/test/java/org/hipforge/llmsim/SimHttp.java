package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Real HTTP calls to a simulated provider, as the two providers' clients make them. */
final class SimHttp {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String SYSTEM_GENERATE =
      "You are an expert HIP programmer. Answer with one "
          + "complete HIP source file in a ```hip fenced block.";
  static final String SYSTEM_DESCRIBE = "Describe the given HIP program as an instruction.";

  // HTTP/1.1 explicitly: the default would try an h2c upgrade, which the real APIs never see.
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private SimHttp() {}

  static String openAiBody(String system, String user, Integer maxTokens) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", "gpt-4o-mini");
    ArrayNode messages = root.putArray("messages");
    messages.addObject().put("role", "system").put("content", system);
    messages.addObject().put("role", "user").put("content", user);
    root.put("temperature", 0.2);
    if (maxTokens != null) {
      root.put("max_tokens", maxTokens);
    }
    return root.toString();
  }

  static String anthropicBody(String system, String user, int maxTokens) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", "claude-3-5-haiku-20241022");
    root.put("system", system);
    root.putArray("messages").addObject().put("role", "user").put("content", user);
    root.put("max_tokens", maxTokens);
    root.put("temperature", 0.2);
    return root.toString();
  }

  static HttpResponse<String> openAi(SimulatedLlmServer server, String key, String body)
      throws IOException, InterruptedException {
    return send(openAiRequest(server, key, body, Duration.ofSeconds(10)));
  }

  static HttpRequest openAiRequest(
      SimulatedLlmServer server, String key, String body, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b.build();
  }

  static HttpResponse<String> openAi(SimulatedLlmServer server, String user)
      throws IOException, InterruptedException {
    return openAi(server, "sk-test", openAiBody(SYSTEM_GENERATE, user, null));
  }

  static HttpResponse<String> anthropic(SimulatedLlmServer server, String key, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/messages"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("anthropic-version", "2023-06-01")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("x-api-key", key);
    }
    return send(b.build());
  }

  static HttpResponse<String> anthropic(SimulatedLlmServer server, String user)
      throws IOException, InterruptedException {
    return anthropic(server, "sk-ant-test", anthropicBody(SYSTEM_GENERATE, user, 4096));
  }

  static HttpResponse<String> get(SimulatedLlmServer server, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .timeout(Duration.ofSeconds(10))
            .GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  /** The code inside the first ```hip fence of a markdown answer. */
  static String fencedCode(String markdown) {
    int open = markdown.indexOf("```hip\n");
    int close = markdown.indexOf("\n```", open + 7);
    return markdown.substring(open + 7, close + 1);
  }
}
