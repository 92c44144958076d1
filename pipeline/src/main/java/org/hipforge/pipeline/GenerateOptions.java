package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * {@code hipforge generate}'s flags (the LLM's in {@link LlmOptions}, the compiler's in {@link
 * CompileOptions}).
 */
public interface GenerateOptions extends LlmOptions, CompileOptions {
  @Description("Describe-state ids to generate for, comma-separated (all when absent)")
  String getIds();

  void setIds(String value);

  @Description(
      "Repair rounds: an answer that does not compile (compile_error) or holds no code "
          + "(no_code) is asked again up to N times with the compiler's first errors, for the whole "
          + "corrected file; 0 asks once")
  @Default.Integer(2)
  Integer getRepairRounds();

  void setRepairRounds(Integer value);

  @Description(
      "--mode=batch: how repair rounds are asked: 'batch' (each round is a new, smaller "
          + "batch at the batch price) or 'sync' (at once, at the synchronous price)")
  @Default.String("batch")
  String getRepairMode();

  void setRepairMode(String value);
}
