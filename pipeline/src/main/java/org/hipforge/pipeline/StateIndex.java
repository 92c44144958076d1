package org.hipforge.pipeline;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.io.state.StateFiles;

/**
 * The latest record per id of some state files, in memory: for the plain-Java commands (export,
 * validate, the pre-run counts), which work on what one machine holds.
 */
final class StateIndex {
  private StateIndex() {}

  static Map<Long, StateRecord> latest(List<String> globs) throws IOException {
    Map<Long, StateRecord> latest = new HashMap<>();
    StateFiles.readAll(globs, new StateFileReader.Sink() {
      @Override
      public void record(StateRecord r) {
        latest.merge(r.id(), r.response() == null ? r : r.toBuilder().response(null).build(),
            StateRecord::latest);
      }

      @Override
      public void malformed(String file, long line, String reason, boolean torn) {
        // counted and reported by status; here only the good records matter
      }
    });
    return latest;
  }
}
