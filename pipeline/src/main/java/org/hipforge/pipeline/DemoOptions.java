package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * {@code hipforge demo}'s flags: every flag of the commands it runs (manifest, describe, generate,
 * export; validate's and status's add none), none required, so tests can pass one to any command.
 */
public interface DemoOptions
    extends ManifestOptions,
        DescribeOptions,
        GenerateOptions,
        ExportOptions,
        ValidateOptions,
        StatusOptions {
  @Override
  @Description("Work directory of the dataset (default: hipforge-demo)")
  String getWorkDir();

  @Override
  @Description("Directory of HIP sources (default: the bundled examples/kernels)")
  String getSourceDir();

  @Override
  @Description(
      "Provider config file; absent = the built-in simulated LLM on loopback (no network, no key)")
  @Default.String("config.json")
  String getConfig();

  @Description("Mean latency in ms of the built-in simulated LLM")
  @Default.Long(300)
  Long getSimLatencyMs();

  void setSimLatencyMs(Long value);
}
