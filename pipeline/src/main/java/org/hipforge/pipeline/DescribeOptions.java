package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** {@code hipforge describe}'s flags (the LLM's in {@link LlmOptions}). */
public interface DescribeOptions extends LlmOptions {
  @Override
  @Description("Directory of HIP sources (the one the manifest was scanned from)")
  @Validation.Required
  String getSourceDir();

  @Description(
      "Describe only sources that declare a HIP kernel (__global__); others become "
          + "pass:false (no_kernel) without a call. false: describe every file")
  @Default.Boolean(true)
  Boolean getKernelsOnly();

  void setKernelsOnly(Boolean value);
}
