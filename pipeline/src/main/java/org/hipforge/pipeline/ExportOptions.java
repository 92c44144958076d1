package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** {@code hipforge export}'s flags. */
public interface ExportOptions extends SourceOptions, PromptDirOptions {
  @Description(
      "Output file (default W/export/dataset.jsonl, or W/export/results.json for json-array)")
  String getOut();

  void setOut(String value);

  @Description(
      "'jsonl' (Hugging Face datasets-ready), 'messages' (chat rows {messages: [system, "
          + "user, assistant], ...} rendered from the generate prompt templates) or 'json-array' (the "
          + "older results.json)")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);

  @Description("Rows per JSONL file; more rows are written as numbered shards")
  @Default.Integer(100000)
  Integer getShardRows();

  void setShardRows(Integer value);

  @Description(
      "Also export tasks whose generation failed (with their code, rebuilt from the "
          + "journal, and verdicts: negative or preference data) and described tasks not generated yet")
  @Default.Boolean(false)
  Boolean getIncludeFailed();

  void setIncludeFailed(Boolean value);
}
