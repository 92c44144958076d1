package org.hipforge.io.llm.batch;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One request of a batch: the id that ties its result back to a task, and the exact body the
 * synchronous call would send ({@link BatchApi#body}), so its prompt hash and cache key are the
 * synchronous ones.
 *
 * <p>{@code customId} follows the stricter of the two providers' rules (Anthropic's: 1 to 64
 * characters of {@code [A-Za-z0-9_-]}), so one id works with both wire formats; it must be unique
 * within a batch. {@code body} is not copied: do not change it after handing it over.
 */
public record BatchLine(String customId, byte[] body) {
  /** Anthropic's custom_id rule; OpenAI accepts any string, so this one fits both. */
  private static final Pattern CUSTOM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public BatchLine {
    Objects.requireNonNull(customId, "customId");
    Objects.requireNonNull(body, "body");
    if (!CUSTOM_ID.matcher(customId).matches()) {
      throw new IllegalArgumentException(
          "customId must be 1 to 64 characters of [A-Za-z0-9_-], was \""
              + (customId.length() > 80 ? customId.substring(0, 80) + "..." : customId)
              + "\"");
    }
    if (body.length == 0) {
      throw new IllegalArgumentException("body of " + customId + " is empty");
    }
  }
}
