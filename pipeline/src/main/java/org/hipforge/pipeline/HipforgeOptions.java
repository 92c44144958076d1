package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Every hipforge flag. Beam parses them, so runner flags ({@code --runner}, {@code --flinkMaster},
 * {@code --parallelism}) sit beside ours. The names are a contract: scripts and docs use them.
 */
public interface HipforgeOptions extends PipelineOptions {
  @Description("Work directory of the dataset: manifest.jsonl, state/, out/ (a local path or any "
      + "Beam filesystem URI)")
  String getWorkDir();

  void setWorkDir(String value);

  @Description("Directory of HIP sources (manifest scans it; describe reads sources from it; generate compares kernels with them)")
  String getSourceDir();

  void setSourceDir(String value);

  @Description("Provider config file (JSON object of named providers)")
  @Default.String("config.json")
  String getConfig();

  void setConfig(String value);

  @Description("Which provider of the config to use")
  @Default.String("openai")
  String getModelName();

  void setModelName(String value);

  @Description("Id of this run (names its journal and state directory); generated when absent. "
      + "Reuse it to resume a Flink job after a restart with the same journal.")
  String getRunId();

  void setRunId(String value);

  @Description("File-name patterns the manifest scan takes, comma-separated")
  @Default.String("*.hip,*.cpp,*.cu,*.h,*.hpp")
  String getPatterns();

  void setPatterns(String value);

  @Description("Older scripts' manifest.json (JSON array) whose ids the first scan keeps")
  String getFromManifestJson();

  void setFromManifestJson(String value);

  @Description("Older scripts' results.jsonl to import as describe state, so paid work is kept")
  String getImportResults();

  void setImportResults(String value);

  @Description("Sources larger than this many bytes become pass:false (too_large) without a call")
  @Default.Long(262144)
  Long getMaxSourceBytes();

  void setMaxSourceBytes(Long value);

  @Description("Describe only sources that declare a HIP kernel (__global__); others become "
      + "pass:false (no_kernel) without a call. false: describe every file")
  @Default.Boolean(true)
  Boolean getKernelsOnly();

  void setKernelsOnly(Boolean value);

  @Description("LLM requests in flight per worker")
  @Default.Integer(32)
  Integer getMaxInFlight();

  void setMaxInFlight(Integer value);

  @Description("This worker JVM's share of the provider's rpm/tpm budget, in (0, 1]; 0 = "
      + "1 / number of worker JVMs (1 on one machine)")
  @Default.Double(0)
  Double getRateShare();

  void setRateShare(Double value);

  @Description("Shards of the state a run writes")
  @Default.Integer(4)
  Integer getNumShards();

  void setNumShards(Integer value);

  @Description("Describe-state ids to generate for, comma-separated (all when absent)")
  String getIds();

  void setIds(String value);

  @Description("describe/generate/validate: when another run holds this step of the work directory "
      + "(its lock W/state/<step>/LOCK), wait for it to end (looking every second) instead of "
      + "exiting with code 2")
  @Default.Boolean(false)
  Boolean getWait();

  void setWait(Boolean value);

  @Description("Do not print the status table at the end")
  @Default.Boolean(false)
  Boolean getQuiet();

  void setQuiet(Boolean value);

  @Description("demo only: mean latency in ms of the built-in simulated LLM")
  @Default.Long(300)
  Long getSimLatencyMs();

  void setSimLatencyMs(Long value);

  @Description("generate/validate: how to check generated code: 'hipcc' (compile for AMD GPU "
      + "targets with the HIP compiler; no GPU needed) or 'none'")
  @Default.String("hipcc")
  String getValidate();

  void setValidate(String value);

  @Description("generate/validate: AMD GPU targets to compile for, comma-separated")
  @Default.String("gfx90a")
  String getOffloadArch();

  void setOffloadArch(String value);

  @Description("describe/generate/demo/status: directory of edited prompt templates (write the "
      + "defaults with 'hipforge prompts --out=DIR'); absent = the built-in templates")
  String getPromptDir();

  void setPromptDir(String value);

  @Description("export: output file (default W/export/dataset.jsonl, or results.json for json-array); "
      + "prompts: the directory to write the default templates into")
  String getOut();

  void setOut(String value);

  @Description("export: 'jsonl' (Hugging Face datasets-ready) or 'json-array' (the older results.json)")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);

  @Description("export: rows per JSONL file; more rows are written as numbered shards")
  @Default.Integer(100000)
  Integer getShardRows();

  void setShardRows(Integer value);

  @Description("describe/generate/demo: 'sync' (one request per prompt) or 'batch' (the provider's Batch "
      + "API: half the price, results within 24 h; resumable, see 'hipforge batches')")
  @Default.String("sync")
  String getMode();

  void setMode(String value);

  @Description("--mode=batch: at most this many requests per batch (0 = the provider's limit: OpenAI "
      + "50,000, Anthropic 100,000); more are split into several batches")
  @Default.Integer(0)
  Integer getBatchMaxLines();

  void setBatchMaxLines(Integer value);

  @Description("--mode=batch: the longest pause between two polls of the running batches, in seconds "
      + "(polls start after 1 s and back off doubling)")
  @Default.Integer(60)
  Integer getBatchPollMaxS();

  void setBatchPollMaxS(Integer value);

  @Description("batches: cancel the batches of the work directory that are still running")
  @Default.Boolean(false)
  Boolean getCancel();

  void setCancel(Boolean value);
}
