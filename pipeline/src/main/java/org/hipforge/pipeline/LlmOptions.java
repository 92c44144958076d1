package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** The flags of a command that calls the LLM in a Beam pipeline: describe and generate (and demo). */
public interface LlmOptions extends SourceOptions, RunOptions, PromptDirOptions {
  @Description("Provider config file (JSON object of named providers)")
  @Default.String("config.json")
  String getConfig();

  void setConfig(String value);

  @Description("Which provider of the config to use")
  @Default.String("openai")
  String getModelName();

  void setModelName(String value);

  @Description("LLM requests in flight per worker")
  @Default.Integer(32)
  Integer getMaxInFlight();

  void setMaxInFlight(Integer value);

  @Description("This worker JVM's share of the provider's rpm/tpm budget, in (0, 1]; 0 = "
      + "1 / number of TaskManagers on a cluster (1 on one machine)")
  @Default.Double(0)
  Double getRateShare();

  void setRateShare(Double value);

  @Description("Shards of the state a run writes")
  @Default.Integer(4)
  Integer getNumShards();

  void setNumShards(Integer value);

  @Description("Sources larger than this many bytes: describe records them pass:false (too_large) "
      + "without a call; generate measures no fidelity for them")
  @Default.Long(262144)
  Long getMaxSourceBytes();

  void setMaxSourceBytes(Long value);

  @Description("Do not print the status table at the end")
  @Default.Boolean(false)
  Boolean getQuiet();

  void setQuiet(Boolean value);
}
