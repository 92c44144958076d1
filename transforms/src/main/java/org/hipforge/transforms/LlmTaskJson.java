package org.hipforge.transforms;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.llm.ChatRequest;

/**
 * One {@link LlmTask} as one JSON line: what a batch needs to send the task's prompt later and to
 * journal its answer as the synchronous call would ({@code id, file_name, source_sha256,
 * prompt_sha256, instruction, prompt_version, source_encoding, source_bytes, system, user,
 * max_tokens}; {@code max_tokens} 0 = the provider's). Written by {@link CallLlm#withCollect} and
 * the batch ledger ({@link LlmTask#toJson}, {@link LlmTask#fromJson}); the prompt is kept whole, so
 * the request rebuilt from it has the same body and the same prompt hash.
 */
final class LlmTaskJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LlmTaskJson() {}

  static String toJson(LlmTask t) {
    StringWriter w = new StringWriter(t.request().user().length() + 512);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
      g.writeStartObject();
      g.writeNumberField("id", t.id());
      g.writeStringField("file_name", t.fileName());
      g.writeStringField("source_sha256", t.sourceSha256());
      g.writeStringField("prompt_sha256", t.promptSha256());
      g.writeStringField("instruction", t.instruction());
      g.writeStringField("prompt_version", t.promptVersion());
      g.writeStringField("source_encoding", t.sourceEncoding());
      g.writeNumberField("source_bytes", t.sourceBytes());
      g.writeStringField("system", t.request().system());
      g.writeStringField("user", t.request().user());
      g.writeNumberField("max_tokens", t.request().maxTokensOr(0));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return w.toString();
  }

  /**
   * Parses a line of {@link #toJson}; a line that is not one is a {@link MalformedLineException}.
   */
  static LlmTask parse(String line) throws MalformedLineException {
    JsonNode n;
    try {
      n = MAPPER.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MalformedLineException("not JSON: " + e.getOriginalMessage());
    }
    if (n == null
        || !n.isObject()
        || !n.path("id").canConvertToLong()
        || !n.path("prompt_sha256").isTextual()
        || !n.path("system").isTextual()
        || !n.path("user").isTextual()) {
      throw new MalformedLineException("not a task line (needs id, prompt_sha256, system, user)");
    }
    ChatRequest request = new ChatRequest(n.get("system").asText(), n.get("user").asText());
    int maxTokens = n.path("max_tokens").asInt(0);
    if (maxTokens > 0) {
      request = request.withMaxTokens(maxTokens);
    }
    return new LlmTask(
            n.get("id").asLong(),
            text(n, "file_name"),
            text(n, "source_sha256"),
            request,
            n.get("prompt_sha256").asText(),
            text(n, "instruction"),
            text(n, "prompt_version"))
        .withSource(text(n, "source_encoding"), n.path("source_bytes").asLong(0));
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }
}
