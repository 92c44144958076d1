package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where edited prompt templates are: describe, generate, demo, status and prompts read them. */
public interface PromptDirOptions extends PipelineOptions {
  @Description(
      "Directory of edited prompt templates (write the defaults with 'hipforge prompts "
          + "--out=DIR'); absent = the built-in templates")
  String getPromptDir();

  void setPromptDir(String value);
}
