package org.hipforge.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** The flags of a run that writes state and holds its step's lock: describe, generate, validate. */
public interface RunOptions extends HipforgeOptions {
  @Description(
      "Id of this run (names its journal, state directory and W/runs/<run-id>.json); "
          + "made from the time when absent. Reuse it to resume a Flink job after a restart with the same journal")
  String getRunId();

  void setRunId(String value);

  @Description(
      "When another run holds this step of the work directory (its lock W/state/<step>/LOCK), "
          + "wait for it to end (looking every second) instead of exiting with code 2")
  @Default.Boolean(false)
  Boolean getWait();

  void setWait(Boolean value);
}
