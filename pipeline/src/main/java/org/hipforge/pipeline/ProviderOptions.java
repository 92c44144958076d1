package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Which provider of which config file: the commands that call the LLM, and {@code batches}. */
public interface ProviderOptions extends HipforgeOptions {
  @Description("Provider config file (JSON object of named providers)")
  @Default.String("config.json")
  String getConfig();

  void setConfig(String value);

  @Description("Which provider of the config to use")
  @Default.String("openai")
  String getModelName();

  void setModelName(String value);
}
