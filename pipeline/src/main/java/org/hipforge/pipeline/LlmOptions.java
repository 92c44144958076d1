package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * The flags of a command that calls the LLM in a Beam pipeline: describe and generate (and demo).
 */
public interface LlmOptions extends ProviderOptions, SourceOptions, RunOptions, PromptDirOptions {
  @Description("LLM requests in flight per worker")
  @Default.Integer(32)
  Integer getMaxInFlight();

  void setMaxInFlight(Integer value);

  @Description(
      "This worker JVM's share of the provider's rpm/tpm budget, in (0, 1]; 0 = "
          + "1 / number of TaskManagers on a cluster (1 on one machine)")
  @Default.Double(0)
  Double getRateShare();

  void setRateShare(Double value);

  @Description("Shards of the state a run writes")
  @Default.Integer(4)
  Integer getNumShards();

  void setNumShards(Integer value);

  @Description(
      "Sources larger than this many bytes: describe records them pass:false (too_large) "
          + "without a call; generate measures no fidelity for them")
  @Default.Long(262144)
  Long getMaxSourceBytes();

  void setMaxSourceBytes(Long value);

  @Description("Do not print the status table at the end")
  @Default.Boolean(false)
  Boolean getQuiet();

  void setQuiet(Boolean value);

  @Description(
      "'sync' (one request per prompt) or 'batch' (the provider's Batch API: half the price, "
          + "results within 24 h; resumable, see 'hipforge batches')")
  @Default.String("sync")
  String getMode();

  void setMode(String value);

  @Description(
      "--mode=batch: at most this many requests per batch (0 = the provider's limit: OpenAI "
          + "50,000, Anthropic 100,000); more are split into several batches")
  @Default.Integer(0)
  Integer getBatchMaxLines();

  void setBatchMaxLines(Integer value);

  @Description(
      "--mode=batch: the longest pause between two polls of the running batches, in seconds")
  @Default.Integer(60)
  Integer getBatchPollMaxS();

  void setBatchPollMaxS(Integer value);
}
