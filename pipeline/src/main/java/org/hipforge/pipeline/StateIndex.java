package org.hipforge.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateFileReader;

/**
 * The latest record per id of some state files, in memory: for the plain-Java commands (export,
 * validate, the pre-run counts), which work on what one machine holds.
 */
final class StateIndex {
  private StateIndex() {}

  static Map<Long, StateRecord> latest(List<String> globs) throws IOException {
    Map<Long, StateRecord> latest = new HashMap<>();
    for (MatchResult m : FileSystems.match(globs, EmptyMatchTreatment.ALLOW)) {
      if (m.status() != MatchResult.Status.OK) {
        continue;
      }
      for (MatchResult.Metadata md : m.metadata()) {
        try (InputStream in = Channels.newInputStream(FileSystems.open(md.resourceId()))) {
          StateFileReader.read(in, md.resourceId().toString(), new StateFileReader.Sink() {
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
        }
      }
    }
    return latest;
  }
}
