package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Description;

/** {@code hipforge generate}'s flags (the LLM's in {@link LlmOptions}, the compiler's in {@link CompileOptions}). */
public interface GenerateOptions extends LlmOptions, CompileOptions {
  @Description("Describe-state ids to generate for, comma-separated (all when absent)")
  String getIds();

  void setIds(String value);
}
