package org.hipforge.io.state;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;

/**
 * Writes one shard of a run's state from plain Java: {@code
 * W/state/<step>/<run>/part-00000-of-00001.jsonl}, one {@link StateRecordJson} line a record. The
 * one writer for records made outside a pipeline (validate's verdicts, the import of the older
 * scripts' results, benchmark fixtures); a pipeline's {@code WriteState} writes the same file names
 * ({@link WorkLayout#SHARD_TEMPLATE}, {@link WorkLayout#JSONL}) and the same lines through Beam.
 *
 * <p>Local work directories only ({@code java.nio}); an existing shard of the same run is replaced.
 * Lines are written as they come (a crash leaves a shard whose last line may be torn, which every
 * reader skips and counts).
 *
 * <pre>{@code
 * try (StateShardWriter w = StateShardWriter.open(layout, WorkLayout.Step.GENERATE, runId)) {
 *   w.write(record);
 * }
 * }</pre>
 */
public final class StateShardWriter implements Closeable {
  private final Path path;
  private final BufferedWriter out;
  private long records;

  private StateShardWriter(Path path) throws IOException {
    this.path = path;
    Files.createDirectories(path.getParent());
    this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
  }

  /** Opens the only shard of run {@code runId} of {@code step}. */
  public static StateShardWriter open(WorkLayout layout, WorkLayout.Step step, String runId)
      throws IOException {
    return open(layout, step, runId, 0, 1);
  }

  /** Opens shard {@code shard} of {@code count} of run {@code runId} of {@code step}. */
  public static StateShardWriter open(
      WorkLayout layout, WorkLayout.Step step, String runId, int shard, int count)
      throws IOException {
    if (shard < 0 || shard >= count) {
      throw new IllegalArgumentException("shard must be in [0, " + count + "), was " + shard);
    }
    return new StateShardWriter(WorkLayout.localPath(layout.shardFile(step, runId, shard, count)));
  }

  /** Appends {@code r} as one line. */
  public void write(StateRecord r) throws IOException {
    out.write(StateRecordJson.toJson(r));
    out.write('\n');
    records++;
  }

  /** The shard's file. */
  public Path path() {
    return path;
  }

  /** Records written so far. */
  public long records() {
    return records;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
