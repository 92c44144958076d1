package org.hipforge.transforms.pending;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.transforms.MalformedLine;

/**
 * Reads one manifest or state file into bucket batches and dead letters, a few at a time.
 *
 * <p>Each line is tried with {@link FlatLineScanner} first and written straight into its bucket's
 * batch; a line the scanner leaves alone is read exactly as every other reader reads it (Jackson,
 * via {@link ManifestStore#parseLine} or {@link StateFileReader.LineParser}). State lines that
 * cannot be read become dead letters naming file and line; a bad manifest line fails the read,
 * because the manifest is the dataset's index.
 */
final class BucketFileReader implements Closeable, StateFileReader.Sink {
  private final boolean manifest;
  private final String name;
  private final InputStream in;
  private final ByteLines.Cursor lines;
  private final FlatLineScanner scanner = new FlatLineScanner();
  private final FlatLineScanner.ManifestFields manifestFields =
      new FlatLineScanner.ManifestFields();
  private final FlatLineScanner.StateFields stateFields = new FlatLineScanner.StateFields();
  private final BucketBatchWriter writer;
  private final StateFileReader.LineParser stateSlowPath;
  private final ArrayDeque<BatchOrDeadLetter> ready = new ArrayDeque<>();
  private BatchOrDeadLetter current;
  private boolean flushed;
  private long malformed;
  private long torn;

  BucketFileReader(boolean manifest, String name, InputStream in, int buckets) {
    this.manifest = manifest;
    this.name = name;
    this.in = in;
    this.lines = new ByteLines.Cursor(in);
    this.writer =
        new BucketBatchWriter(
            manifest,
            buckets,
            (bucket, batch) -> ready.add(BatchOrDeadLetter.ofBatch(bucket, batch)));
    this.stateSlowPath = manifest ? null : new StateFileReader.LineParser(name, this, true);
  }

  /** A state line the slow path read: into its bucket's batch. */
  @Override
  public void record(StateRecord r) {
    writer.add(r);
  }

  /** A state line that cannot be read: a dead letter naming its file and line. */
  @Override
  public void malformed(String file, long line, String reason, boolean isTorn) {
    if (isTorn) {
      torn++;
    } else {
      malformed++;
    }
    ready.add(BatchOrDeadLetter.ofDeadLetter(new MalformedLine(file, line, reason, isTorn)));
  }

  /** Moves to the next batch or dead letter; false at the end of the file. */
  boolean advance() throws IOException {
    while (ready.isEmpty()) {
      if (!lines.next()) {
        if (flushed) {
          current = null;
          return false;
        }
        writer.flush();
        flushed = true;
        continue;
      }
      readLine(lines.buf(), lines.from(), lines.to(), lines.lineNo(), lines.unterminated());
    }
    current = ready.poll();
    return true;
  }

  private void readLine(byte[] buf, int from, int to, long lineNo, boolean unterminated)
      throws IOException {
    if (manifest) {
      if (scanner.scanManifest(buf, from, to, manifestFields)) {
        writer.add(manifestFields);
      } else if (!ByteLines.isBlank(buf, from, to)) {
        writer.add(ManifestStore.parseLine(buf, from, to, name, lineNo)); // or its error
      }
    } else if (scanner.scanState(buf, from, to, stateFields)) {
      writer.add(stateFields);
    } else {
      stateSlowPath.line(buf, from, to, lineNo, unterminated);
    }
  }

  BatchOrDeadLetter current() {
    return current;
  }

  /** Lines read so far, blank ones included. */
  long lines() {
    return lines.lineNo();
  }

  long malformed() {
    return malformed;
  }

  long torn() {
    return torn;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
