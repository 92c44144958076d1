package org.hipforge.io.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Reads every state or journal file matching some globs, in one JVM, through Beam {@code
 * FileSystems} (local paths or any Beam filesystem): for the plain-Java readers (status, export,
 * validate, the response cache).
 */
public final class StateFiles {
  private StateFiles() {}

  /** Feeds every line of every matching file to {@code sink}; returns the number of files read. */
  public static int readAll(List<String> globs, StateFileReader.Sink sink) throws IOException {
    int files = 0;
    for (MatchResult m : FileSystems.match(globs, EmptyMatchTreatment.ALLOW)) {
      if (m.status() != MatchResult.Status.OK) {
        continue;
      }
      for (MatchResult.Metadata md : m.metadata()) {
        files++;
        try (InputStream in = Channels.newInputStream(FileSystems.open(md.resourceId()))) {
          StateFileReader.read(in, md.resourceId().toString(), sink);
        }
      }
    }
    return files;
  }
}
