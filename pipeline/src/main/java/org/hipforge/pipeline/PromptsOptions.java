package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Description;

/** {@code hipforge prompts}'s flags: {@code --out=DIR} or {@code --promptDir=DIR}. */
public interface PromptsOptions extends PromptDirOptions {
  @Description("The directory to write the default prompt templates into")
  String getOut();

  void setOut(String value);
}
