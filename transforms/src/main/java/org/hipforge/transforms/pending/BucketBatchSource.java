package org.hipforge.transforms.pending;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The anti-join's input: the manifest and every state file matching the globs, each read whole into
 * bucket batches (and dead letters) by one worker, so a bad line is named by file and line.
 *
 * <p>One split per file, made where the runner plans the read (on Flink: the JobManager), so the
 * files go straight to the workers that ask for them, without a match step and a shuffle of file
 * names first. Files are listed smallest first: Flink hands out the last split first, so the
 * biggest files start first and the workers finish together. Files are read through Beam's {@link
 * FileSystems}: local paths, HDFS or object stores.
 *
 * <p>Plus one split that matches the state globs again when it is read and reads the files that
 * were not there when the splits were made. Flink makes the splits once per job; when it restarts a
 * failed job, the journals written by the failed attempt exist only since then, and without them
 * every task answered in that attempt would look pending again (and be paid for again).
 */
final class BucketBatchSource extends BoundedSource<BatchOrDeadLetter> {
  private static final long serialVersionUID = 1L;

  private final FindPending.Configuration config;

  /** For a split: the one file it reads; null for the whole input and for the late split. */
  private final FileSpec file;

  /** For the late split: the state files the other splits read; null otherwise. */
  private final Set<String> known;

  /** The match made for planning: Flink asks for the size and for the splits in a row. */
  private transient List<FileSpec> planned;

  /** One file to read: its path, what it holds and its size. */
  record FileSpec(String path, boolean manifest, long bytes) implements Serializable {}

  BucketBatchSource(FindPending.Configuration config) {
    this(config, null, null);
  }

  private BucketBatchSource(FindPending.Configuration config, FileSpec file, Set<String> known) {
    this.config = config;
    this.file = file;
    this.known = known;
  }

  @Override
  public List<BucketBatchSource> split(long desiredBundleSizeBytes, PipelineOptions options)
      throws IOException {
    if (file != null || known != null) {
      return List.of(this);
    }
    List<BucketBatchSource> splits = new ArrayList<>();
    Set<String> state = new HashSet<>();
    for (FileSpec f : planned()) {
      splits.add(new BucketBatchSource(config, f, null));
      if (!f.manifest()) {
        state.add(f.path());
      }
    }
    splits.add(0, new BucketBatchSource(config, null, state)); // handed out last
    return splits;
  }

  @Override
  public long getEstimatedSizeBytes(PipelineOptions options) throws IOException {
    if (file != null) {
      return file.bytes();
    }
    if (known != null) {
      return 0; // usually nothing: files that appear after planning
    }
    long sum = 0;
    for (FileSpec f : planned()) {
      sum += f.bytes();
    }
    return sum;
  }

  @Override
  public BoundedReader<BatchOrDeadLetter> createReader(PipelineOptions options) throws IOException {
    return new Reader(this);
  }

  @Override
  public Coder<BatchOrDeadLetter> getOutputCoder() {
    return BatchOrDeadLetterCoder.of();
  }

  private List<FileSpec> planned() throws IOException {
    if (planned == null) {
      planned = files();
    }
    return planned;
  }

  /** The manifest (it must exist) and every distinct state file, smallest first. */
  private List<FileSpec> files() throws IOException {
    List<FileSpec> out = new ArrayList<>();
    MatchResult m = FileSystems.match(config.manifest(), EmptyMatchTreatment.DISALLOW);
    if (m.status() != MatchResult.Status.OK) {
      throw new FileNotFoundException(
          "manifest " + config.manifest() + " not found (run `hipforge manifest` first)");
    }
    for (MatchResult.Metadata md : m.metadata()) {
      out.add(new FileSpec(md.resourceId().toString(), true, md.sizeBytes()));
    }
    out.addAll(stateFiles().values());
    out.sort(Comparator.comparingLong(FileSpec::bytes).thenComparing(FileSpec::path));
    return out;
  }

  /** The state files matching the globs now, each once. */
  private Map<String, FileSpec> stateFiles() throws IOException {
    Map<String, FileSpec> state = new LinkedHashMap<>();
    for (MatchResult r : FileSystems.match(config.stateGlobs(), EmptyMatchTreatment.ALLOW)) {
      if (r.status() == MatchResult.Status.NOT_FOUND) {
        continue; // no state yet: the first run
      }
      for (MatchResult.Metadata md : r.metadata()) {
        String path = md.resourceId().toString();
        state.putIfAbsent(path, new FileSpec(path, false, md.sizeBytes()));
      }
    }
    return state;
  }

  /** What a reader of this source reads, matched when the read starts. */
  private List<FileSpec> filesToRead() throws IOException {
    if (file != null) {
      return List.of(file);
    }
    if (known == null) {
      return files();
    }
    List<FileSpec> late = new ArrayList<>();
    for (FileSpec f : stateFiles().values()) {
      if (!known.contains(f.path())) {
        late.add(f);
      }
    }
    return late;
  }

  /** Reads the files of its source one after another. */
  private static final class Reader extends BoundedReader<BatchOrDeadLetter> {
    private final BucketBatchSource source;
    private final Counter stateLines = Metrics.counter(FindPending.class, "state_lines");
    private final Counter bad = Metrics.counter(FindPending.class, "malformed_lines");
    private final Counter torn = Metrics.counter(FindPending.class, "torn_lines");
    private List<FileSpec> files;
    private int next;
    private BucketFileReader current;

    Reader(BucketBatchSource source) {
      this.source = source;
    }

    @Override
    public boolean start() throws IOException {
      files = source.filesToRead();
      return advance();
    }

    @Override
    public boolean advance() throws IOException {
      while (true) {
        if (current != null) {
          if (current.advance()) {
            return true;
          }
          finishFile();
        }
        if (next >= files.size()) {
          return false;
        }
        FileSpec f = files.get(next++);
        current =
            new BucketFileReader(
                f.manifest(),
                f.path(),
                Channels.newInputStream(
                    FileSystems.open(FileSystems.matchNewResource(f.path(), false))),
                source.config.buckets());
      }
    }

    /** Counts the file's lines here, while the runner's metrics scope is still open. */
    private void finishFile() throws IOException {
      if (!files.get(next - 1).manifest()) {
        stateLines.inc(current.lines());
        bad.inc(current.malformed());
        torn.inc(current.torn());
      }
      current.close();
      current = null;
    }

    @Override
    public BatchOrDeadLetter getCurrent() {
      if (current == null || current.current() == null) {
        throw new NoSuchElementException();
      }
      return current.current();
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        current.close();
        current = null;
      }
    }

    @Override
    public BoundedSource<BatchOrDeadLetter> getCurrentSource() {
      return source;
    }
  }
}
