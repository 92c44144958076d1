package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** {@code hipforge batches}'s flags. */
public interface BatchesOptions extends ProviderOptions {
  @Description("Cancel the batches of the work directory that are still running")
  @Default.Boolean(false)
  Boolean getCancel();

  void setCancel(Boolean value);
}
