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

  @Description("generate: repair rounds: an answer that does not compile (compile_error) or holds no "
      + "code (no_code) is asked again up to N times with the compiler's first errors, for the whole "
      + "corrected file; 0 asks once")
  @Default.Integer(2)
  Integer getRepairRounds();

  void setRepairRounds(Integer value);

  @Description("generate/validate: AMD GPU targets to compile for, comma-separated")
  @Default.String("gfx90a")
  String getOffloadArch();

  void setOffloadArch(String value);

  @Description("generate/validate: also record each compiled kernel's resource usage per target "
      + "(VGPRs, SGPRs, AGPRs, LDS, scratch, spills, occupancy: the resources_* keys); the device "
      + "passes then generate code instead of only checking syntax. false = syntax check only")
  @Default.Boolean(true)
  Boolean getResources();

  void setResources(Boolean value);

  @Description("describe/generate/demo/status/export: directory of edited prompt templates (write the "
      + "defaults with 'hipforge prompts --out=DIR'); absent = the built-in templates")
  String getPromptDir();

  void setPromptDir(String value);

  @Description("export: output file (default W/export/dataset.jsonl, or results.json for json-array); "
      + "prompts: the directory to write the default templates into; report: the page (default W/report/index.html)")
  String getOut();

  void setOut(String value);

  @Description("export: 'jsonl' (Hugging Face datasets-ready), 'messages' (chat rows {messages: "
      + "[system, user, assistant], ...} rendered from the generate prompt templates) or 'json-array' "
      + "(the older results.json)")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);

  @Description("export: rows per JSONL file; more rows are written as numbered shards")
  @Default.Integer(100000)
  Integer getShardRows();

  void setShardRows(Integer value);

  @Description("report: at most this many pairs in the page's table (the first in manifest order)")
  @Default.Integer(1000)
  Integer getMaxPairs();

  void setMaxPairs(Integer value);

  @Description("export: also export tasks whose generation failed (with their code, rebuilt from the "
      + "journal, and verdicts: negative or preference data) and described tasks not generated yet")
  @Default.Boolean(false)
  Boolean getIncludeFailed();

  void setIncludeFailed(Boolean value);
}
