package org.hipforge.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.hip.HipKernels;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.io.util.SourceText;

/**
 * Reads each pending entry's source text from the source directory and checks it is usable.
 *
 * <p>A file that is missing, empty, not UTF-8, larger than {@code maxBytes}, changed since the
 * manifest scan, or whose name would leave the source directory becomes a {@link Failure} with a
 * clear category ({@code missing_source}, {@code empty_source}, {@code not_utf8}, {@code
 * too_large}, {@code source_changed}, {@code unsafe_path}) instead of stopping the run: no LLM call
 * is paid for a file that cannot be described. A readable file without a HIP kernel ({@link
 * HipKernels}) becomes {@code no_kernel} the same way unless {@link #withKernelsOnly} is false. A
 * source that is not UTF-8 but printable Latin-1 text is read as Latin-1 ({@link SourceText})
 * ({@link SourceFile#encoding} "latin-1", kept in the record as {@code source_encoding}); other
 * bytes stay {@code not_utf8}.
 *
 * <pre>
 * {@code StageResult<SourceFile, Failure> sources = pending.apply("ReadSources", ReadSources.from(dir));}
 * </pre>
 */
public final class ReadSources
    extends PTransform<PCollection<ManifestEntry>, StageResult<SourceFile, Failure>> {
  /** Default cap: larger files rarely fit a model's context and cost more than they teach. */
  public static final long DEFAULT_MAX_BYTES = 256 * 1024;

  /**
   * What {@link ReadSources} reads and refuses.
   *
   * @param sourceDir the source root (a local directory, a {@code file://} URI or an object store
   *     path), without a trailing '/'
   * @param maxBytes the largest source read ({@code too_large} above it)
   * @param kernelsOnly whether a source without a HIP kernel becomes {@code no_kernel} without a
   *     call
   */
  public record Configuration(String sourceDir, long maxBytes, boolean kernelsOnly)
      implements Serializable {
    public Configuration {
      if (sourceDir == null || sourceDir.isBlank()) {
        throw new IllegalArgumentException("sourceDir must be set, was '" + sourceDir + "'");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
      }
      sourceDir =
          sourceDir.endsWith("/") ? sourceDir.substring(0, sourceDir.length() - 1) : sourceDir;
    }
  }

  private final Configuration configuration;

  private ReadSources(Configuration configuration) {
    this.configuration = configuration;
  }

  public static ReadSources from(String sourceDir) {
    return new ReadSources(new Configuration(sourceDir, DEFAULT_MAX_BYTES, true));
  }

  public ReadSources withMaxBytes(long bytes) {
    return new ReadSources(
        new Configuration(configuration.sourceDir(), bytes, configuration.kernelsOnly()));
  }

  /**
   * Whether a source without a HIP kernel becomes {@code no_kernel} without a call (default true).
   */
  public ReadSources withKernelsOnly(boolean only) {
    return new ReadSources(
        new Configuration(configuration.sourceDir(), configuration.maxBytes(), only));
  }

  @Override
  public StageResult<SourceFile, Failure> expand(PCollection<ManifestEntry> pending) {
    MultiOutput<SourceFile> tags = MultiOutput.of("out", "fail");
    return tags.apply(
        pending,
        "ReadSource",
        new ReadFn(configuration, tags),
        SerializableCoder.of(SourceFile.class));
  }

  private static final class ReadFn extends StageFn<Configuration, ManifestEntry, SourceFile> {
    ReadFn(Configuration c, MultiOutput<SourceFile> tags) {
      super(c, tags);
    }

    @ProcessElement
    public void process(@Element ManifestEntry e, MultiOutputReceiver out) {
      byte[] bytes;
      try {
        bytes = read(e);
      } catch (SafeFiles.Refused r) {
        if (SafeFiles.TOO_LARGE.equals(r.category)) {
          fail(
              out,
              e,
              r.category,
              "the source has " + r.size + " bytes, more than --maxSourceBytes=" + c.maxBytes());
        } else if (SafeFiles.CHANGED.equals(r.category)) {
          fail(
              out,
              e,
              r.category,
              "the file changed since the manifest was written; run 'hipforge manifest' again");
        } else {
          fail(out, e, r.category, r.getMessage());
        }
        return;
      } catch (IOException io) {
        fail(
            out,
            e,
            ErrorCategory.MISSING_SOURCE.label(),
            "cannot read "
                + e.fileName()
                + " under "
                + c.sourceDir()
                + ": "
                + io.getClass().getSimpleName()
                + " "
                + io.getMessage());
        return;
      }
      if (bytes.length == 0 || isBlank(bytes)) {
        fail(out, e, ErrorCategory.EMPTY_SOURCE.label(), "the source file is empty");
        return;
      }
      SourceText.Decoded decoded = SourceText.decode(bytes);
      if (!decoded.ok()) {
        fail(out, e, ErrorCategory.NOT_UTF8.label(), decoded.problem());
        return;
      }
      String text = decoded.text();
      if (c.kernelsOnly() && !HipKernels.declared(text)) {
        fail(
            out,
            e,
            ErrorCategory.NO_KERNEL.label(),
            "no __global__ kernel in "
                + e.fileName()
                + " (a header or host-only file); --kernelsOnly=false describes such files too");
        return;
      }
      tags.output(out, new SourceFile(e, text, decoded.encoding()));
    }

    /**
     * The source's bytes, checked against the manifest's sha256; local files by {@link SafeFiles}'
     * rule.
     */
    private byte[] read(ManifestEntry e) throws IOException {
      if (WorkLayout.isLocal(c.sourceDir())) {
        return SafeFiles.read(
            WorkLayout.localPath(c.sourceDir()), e.fileName(), c.maxBytes(), e.sha256());
      }
      SafeFiles.requireSafeName(e.fileName()); // an object store has no symlinks: the name is all
      String full = c.sourceDir() + "/" + e.fileName();
      ResourceId id = FileSystems.matchSingleFileSpec(full).resourceId();
      long size = FileSystems.matchSingleFileSpec(full).sizeBytes();
      if (size > c.maxBytes()) {
        throw new SafeFiles.Refused(SafeFiles.TOO_LARGE, "too large", size);
      }
      byte[] bytes;
      try (InputStream in = Channels.newInputStream(FileSystems.open(id))) {
        bytes = in.readAllBytes();
      }
      SafeFiles.requireSha256(e.fileName(), bytes, e.sha256());
      return bytes;
    }

    private void fail(MultiOutputReceiver out, ManifestEntry e, String category, String message) {
      tags.fail(
          out,
          Failure.of(
              StateRecord.builder()
                  .id(e.id())
                  .fileName(e.fileName())
                  .sourceSha256(e.sha256())
                  .failure(category, message)
                  .finishedAtMillis(System.currentTimeMillis())
                  .build(),
              "read_source"));
    }

    private static boolean isBlank(byte[] b) {
      for (byte x : b) {
        if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
          return false;
        }
      }
      return true;
    }
  }
}
