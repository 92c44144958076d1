package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Description;

/**
 * The directory of HIP sources: scanned by manifest, read by describe, compared by generate,
 * exported.
 */
public interface SourceOptions extends HipforgeOptions {
  @Description("Directory of HIP sources (the one the manifest was scanned from)")
  String getSourceDir();

  void setSourceDir(String value);
}
