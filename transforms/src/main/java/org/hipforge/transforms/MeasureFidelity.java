package org.hipforge.transforms;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.code.KernelFidelity;
import org.hipforge.io.code.KernelSignatures;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.SafeFiles;
import org.hipforge.transforms.coders.GeneratedCodeCoder;

/**
 * Sets {@code fidelity} on each generate record that has extracted code: its kernels compared with
 * the kernels of the source it was described from ({@link KernelFidelity}).
 *
 * <p>The source is read from {@code sourceDir} by {@link SafeFiles}' rule, checked against the
 * record's {@code source_sha256}. Fidelity is an annotation, not a verdict: a source that is
 * missing, changed since it was described, larger than {@code maxBytes} or not on the local file
 * system leaves the record without {@code fidelity} (counted in the {@code fidelity_skipped}
 * metric) and never fails it. Bytes that are not UTF-8 are read with replacement characters, which
 * only ever sit in comments or strings the kernel scan blanks anyway.
 *
 * <pre>{@code code.apply("MeasureFidelity", MeasureFidelity.against("/data/kernels"));}</pre>
 */
public final class MeasureFidelity
    extends PTransform<PCollection<GeneratedCode>, PCollection<GeneratedCode>> {
  /**
   * What {@link MeasureFidelity} reads, handed whole to its DoFn.
   *
   * @param sourceDir the sources' directory (a local directory or a {@code file://} URI)
   * @param maxBytes the largest source read
   */
  private record Configuration(String sourceDir, long maxBytes) implements Serializable {
    Configuration {
      if (sourceDir == null || sourceDir.isBlank()) {
        throw new IllegalArgumentException(
            "sourceDir must name the source directory, was '" + sourceDir + "'");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
      }
    }
  }

  private final Configuration configuration;

  private MeasureFidelity(Configuration configuration) {
    this.configuration = configuration;
  }

  /** Reads sources under {@code sourceDir} (a local directory or a {@code file://} URI). */
  public static MeasureFidelity against(String sourceDir) {
    return new MeasureFidelity(new Configuration(sourceDir, ReadSources.DEFAULT_MAX_BYTES));
  }

  /** Largest source read (default {@link ReadSources#DEFAULT_MAX_BYTES}, as describe reads). */
  public MeasureFidelity withMaxBytes(long bytes) {
    return new MeasureFidelity(new Configuration(configuration.sourceDir(), bytes));
  }

  @Override
  public PCollection<GeneratedCode> expand(PCollection<GeneratedCode> code) {
    return code.apply("Compare", ParDo.of(new CompareFn(configuration)))
        .setCoder(GeneratedCodeCoder.of());
  }

  private static final class CompareFn extends DoFn<GeneratedCode, GeneratedCode> {
    private final Configuration c;
    private final Counter measured = Metrics.counter(MeasureFidelity.class, "fidelity_measured");
    private final Counter skipped = Metrics.counter(MeasureFidelity.class, "fidelity_skipped");
    private transient Path root;

    CompareFn(Configuration c) {
      this.c = c;
    }

    @Setup
    public void setup() {
      if (WorkLayout.isLocal(c.sourceDir())) {
        root = WorkLayout.localPath(c.sourceDir());
      }
    }

    @ProcessElement
    public void process(@Element GeneratedCode in, OutputReceiver<GeneratedCode> out) {
      String source = root == null ? null : readSource(in);
      if (source == null) {
        skipped.inc();
        out.output(in);
        return;
      }
      measured.inc();
      out.output(
          in.withRecord(
              in.record().toBuilder()
                  .fidelity(
                      KernelFidelity.compare(
                          KernelSignatures.parse(source), KernelSignatures.parse(in.code())))
                  .build()));
    }

    /** The source text, or null when {@link SafeFiles} refuses it or it cannot be read. */
    private String readSource(GeneratedCode in) {
      try {
        byte[] bytes =
            SafeFiles.read(root, in.record().fileName(), c.maxBytes(), in.record().sourceSha256());
        // The text describe read (a Latin-1 source converted), by the one rule.
        org.hipforge.io.util.SourceText.Decoded text =
            org.hipforge.io.util.SourceText.decode(bytes);
        return text.ok() ? text.text() : new String(bytes, StandardCharsets.UTF_8);
      } catch (IOException refusedOrUnreadable) {
        return null; // an annotation: the record keeps its verdict, only without fidelity
      }
    }
  }
}
