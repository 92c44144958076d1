package org.hipforge.transforms;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Writes each passed piece of generated code to {@code <outDir>/<file_name>} atomically (a temp
 * name, then a rename) and returns every record with {@code output_path} set where a file was
 * written. Code that failed validation is not written (its answer stays in the journal).
 *
 * <p>Idempotent: a rerun writes the same bytes to the same name. A {@code file_name} that is
 * absolute or climbs out with {@code ..} is refused ({@code unsafe_path}).
 *
 * <pre>
 * {@code StageResult<StateRecord, Failure> written = checked.apply("WriteHipFiles", WriteHipFiles.to(outDir, "out/hip"));}
 * </pre>
 */
public final class WriteHipFiles
    extends PTransform<PCollection<GeneratedCode>, StageResult<StateRecord, Failure>> {
  /**
   * Where {@link WriteHipFiles} writes, handed whole to its DoFn.
   *
   * @param outDir the directory written under
   * @param recordedPrefix what a record's {@code output_path} starts with, before {@code "/" +
   *     file_name}
   */
  private record Configuration(String outDir, String recordedPrefix) implements Serializable {
    Configuration {
      if (outDir == null || outDir.isBlank()) {
        throw new IllegalArgumentException("outDir must be set, was '" + outDir + "'");
      }
    }
  }

  private final Configuration configuration;

  private WriteHipFiles(Configuration configuration) {
    this.configuration = configuration;
  }

  /**
   * Writes under {@code outDir}; records {@code recordedPrefix + "/" + file_name} as output_path.
   */
  public static WriteHipFiles to(String outDir, String recordedPrefix) {
    return new WriteHipFiles(new Configuration(outDir, recordedPrefix));
  }

  @Override
  public StageResult<StateRecord, Failure> expand(PCollection<GeneratedCode> code) {
    MultiOutput<StateRecord> tags = MultiOutput.of("records", "write_failures");
    return tags.apply(code, "Write", new WriteFn(configuration, tags), StateRecordCoder.of());
  }

  /** Writes {@code bytes} to {@code target} through a temp file and a rename. */
  private static void writeAtomically(String target, byte[] bytes) throws IOException {
    if (WorkLayout.isLocal(target)) {
      Path path = WorkLayout.localPath(target);
      Files.createDirectories(path.toAbsolutePath().getParent());
      Path tmp = Files.createTempFile(path.toAbsolutePath().getParent(), ".hipforge-", ".tmp");
      try {
        Files.write(tmp, bytes);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return;
    }
    ResourceId dest = FileSystems.matchNewResource(target, false);
    ResourceId tmp =
        FileSystems.matchNewResource(target + ".tmp-" + java.util.UUID.randomUUID(), false);
    try (WritableByteChannel ch = FileSystems.create(tmp, "text/plain")) {
      ch.write(ByteBuffer.wrap(bytes));
    }
    FileSystems.rename(
        java.util.List.of(tmp),
        java.util.List.of(dest),
        MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
  }

  private static final class WriteFn extends StageFn<Configuration, GeneratedCode, StateRecord> {
    WriteFn(Configuration c, MultiOutput<StateRecord> tags) {
      super(c, tags);
    }

    @ProcessElement
    public void process(@Element GeneratedCode g, MultiOutputReceiver out) {
      StateRecord r = g.record();
      if (!r.pass()) {
        tags.output(out, r);
        return;
      }
      try {
        writeAtomically(target(r.fileName()), g.code().getBytes(StandardCharsets.UTF_8));
      } catch (SafeFiles.Refused e) {
        tags.fail(out, failure(r, e.category, e.getMessage()));
        return;
      } catch (IOException e) {
        tags.fail(out, failure(r, "write_error", "cannot write " + r.fileName() + ": " + e));
        return;
      }
      tags.output(out, r.toBuilder().outputPath(c.recordedPrefix() + "/" + r.fileName()).build());
    }

    /**
     * Where {@code fileName} goes: on a local disk by {@link SafeFiles}' rule (no symlinked
     * directory out of out/hip).
     */
    private String target(String fileName) throws IOException {
      if (!WorkLayout.isLocal(c.outDir())) {
        SafeFiles.requireSafeName(fileName); // an object store has no symlinks: the name is all
        return c.outDir() + "/" + fileName;
      }
      return SafeFiles.forWriting(WorkLayout.localPath(c.outDir()), fileName).toString();
    }

    private static Failure failure(StateRecord r, String category, String message) {
      return Failure.of(
          r.toBuilder()
              .failure(category, message)
              .outputPath(null)
              .finishedAtMillis(System.currentTimeMillis())
              .build(),
          "write_hip");
    }
  }
}
