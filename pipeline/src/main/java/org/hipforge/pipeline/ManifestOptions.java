package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** {@code hipforge manifest}'s flags. */
public interface ManifestOptions extends SourceOptions {
  @Override
  @Description("Directory of HIP sources to scan")
  @Validation.Required
  String getSourceDir();

  @Description("File-name patterns the scan takes, comma-separated")
  @Default.String("*.hip,*.cpp,*.cu,*.h,*.hpp")
  String getPatterns();

  void setPatterns(String value);

  @Description("Older scripts' manifest.json (JSON array) whose ids the first scan keeps")
  String getFromManifestJson();

  void setFromManifestJson(String value);

  @Description("Older scripts' results.jsonl to import as describe state, so paid work is kept")
  String getImportResults();

  void setImportResults(String value);
}
