package org.hipforge.io.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;
import org.hipforge.io.util.TokenMath;

/**
 * The text of an answer as we store it, from either wire: content parts joined, reasoning ({@code
 * <think>…</think>}) removed, and usage numbers read only when believable.
 *
 * <p>Reasoning models served by vLLM, Ollama or llama.cpp put their reasoning inline in the content
 * as {@code <think>…</think>} (sometimes without the opening tag, when the chat template adds it);
 * it is not the answer and is never stored.
 */
final class AnswerText {
  private static final Pattern THINK_BLOCK = Pattern.compile("(?is)<think>.*?</think>");
  private static final Pattern OPEN = Pattern.compile("(?i)<think>");
  private static final Pattern CLOSE = Pattern.compile("(?i)</think>");

  private AnswerText() {}

  /**
   * The text of a content value: a string as is; an array of parts joined (OpenAI {@code
   * [{"type":"text","text":…}]}, Anthropic text blocks; thinking and other blocks skipped); null
   * for null, a missing value or anything else.
   */
  static String of(JsonNode content) {
    if (content == null || content.isNull() || content.isMissingNode()) {
      return null;
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    boolean any = false;
    for (JsonNode part : content) {
      if (part.isTextual()) { // some compatible servers send an array of plain strings
        text.append(part.asText());
        any = true;
        continue;
      }
      String type = part.path("type").asText("");
      JsonNode t = part.get("text");
      if ((type.equals("text") || type.equals("output_text") || type.isEmpty())
          && t != null
          && t.isTextual()) {
        text.append(t.asText());
        any = true;
      }
    }
    return any ? text.toString() : null;
  }

  /**
   * The text without reasoning: every {@code <think>…</think>} block, a reasoning prefix that ends
   * in {@code </think>} with no opening tag, and an unclosed {@code <think>} to the end. Null stays
   * null.
   */
  static String withoutThinking(String text) {
    if (text == null || text.indexOf('<') < 0) {
      return text;
    }
    String out = THINK_BLOCK.matcher(text).replaceAll("");
    var close = CLOSE.matcher(out);
    if (close.find() && !OPEN.matcher(out.substring(0, close.start())).find()) {
      out = out.substring(close.end()); // the template opened the block, the model closed it
    }
    var open = OPEN.matcher(out);
    if (open.find()) {
      out = out.substring(0, open.start()); // cut while still thinking
    }
    return out;
  }

  /**
   * A usage count: an integer in 0..1e9 as sent, else unknown (-1): absent, negative, huge or
   * fractional.
   */
  static long tokens(JsonNode n) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      return TokenMath.UNKNOWN;
    }
    return TokenMath.perCall(n.asLong());
  }
}
