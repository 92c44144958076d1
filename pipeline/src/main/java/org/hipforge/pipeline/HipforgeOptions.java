package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The flag every command with a work directory has; each command's own interface ({@link
 * DescribeOptions}, {@link GenerateOptions}, …) extends it with the flags that command reads.
 *
 * <p>Beam parses them, so Beam's and Flink's flags ({@code --runner}, {@code --flinkMaster}, {@code
 * --parallelism}) sit beside ours. The names are a contract: scripts and docs use them. A flag's
 * most specific declaration decides its help text and whether it is required ({@link CommandLine});
 * a command redeclares a getter to make it required ({@code @Validation.Required}) or to describe
 * it in its own words.
 */
public interface HipforgeOptions extends PipelineOptions {
  @Description("Work directory of the dataset: manifest.jsonl, state/, out/")
  @Validation.Required
  String getWorkDir();

  void setWorkDir(String value);
}
