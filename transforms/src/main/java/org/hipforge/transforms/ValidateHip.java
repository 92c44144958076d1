package org.hipforge.transforms;

import java.time.Duration;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.hip.HipCompiler;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Progress;

/**
 * Compiles each piece of generated code for AMD GPU targets (compile only: LLM output is never
 * run) and records the verdict: {@code pass} is true only when it compiled.
 *
 * <p>Uses {@link HipCompiler} (clang with precompiled HIP headers, built once per worker). A
 * failed compile keeps its first errors in {@code compile_error} and its category in {@code
 * error_msg}: {@code compile_error}, {@code compile_timeout}, {@code unsafe_include} or {@code
 * toolchain_error}. With {@link #skip()} nothing is compiled and {@code compiled} stays null.
 *
 * <pre>{@code PCollection<GeneratedCode> checked = code.apply("ValidateHip", ValidateHip.forArchs(List.of("gfx90a")));}</pre>
 */
public final class ValidateHip extends PTransform<PCollection<GeneratedCode>, PCollection<GeneratedCode>> {
  /** A compile that takes longer than this is a runaway (template recursion), not slow code. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private final List<String> archs;
  private final boolean enabled;
  private final Duration timeout;

  private ValidateHip(List<String> archs, boolean enabled, Duration timeout) {
    this.archs = archs;
    this.enabled = enabled;
    this.timeout = timeout;
  }

  public static ValidateHip forArchs(List<String> archs) {
    if (archs == null || archs.isEmpty()) {
      throw new IllegalArgumentException("archs must name at least one offload arch, was " + archs);
    }
    return new ValidateHip(List.copyOf(archs), true, DEFAULT_TIMEOUT);
  }

  /** No compile ({@code --validate=none}): code is kept with {@code compiled} unknown. */
  public static ValidateHip skip() {
    return new ValidateHip(List.of(), false, DEFAULT_TIMEOUT);
  }

  public ValidateHip withTimeout(Duration t) {
    if (t == null || t.isNegative() || t.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + t);
    }
    return new ValidateHip(archs, enabled, t);
  }

  @Override
  public PCollection<GeneratedCode> expand(PCollection<GeneratedCode> code) {
    return code.apply("Compile", ParDo.of(new CompileFn(archs, enabled, timeout)))
        .setCoder(SerializableCoder.of(GeneratedCode.class));
  }

  /** Maps a compiler verdict onto a generate record (also used by the {@code validate} command). */
  public static StateRecord withVerdict(StateRecord r, CompileResult verdict) {
    StateRecord.Builder b = r.toBuilder()
        .compiled(verdict.compiled())
        .toolchain(verdict.toolchainVersion());
    if (verdict.compiled()) {
      return b.pass(true).errorMsg(null).compileError(null).build();
    }
    String category = CompileResult.TIMEOUT.equals(verdict.category()) ? "compile_timeout" : verdict.category();
    String first = verdict.firstErrors().isEmpty() ? "the compiler failed" : verdict.firstErrors().lines()
        .findFirst().orElse("");
    return b.failure(category, first).compileError(verdict.firstErrors()).build();
  }

  private static final class CompileFn extends DoFn<GeneratedCode, GeneratedCode> {
    private final List<String> archs;
    private final boolean enabled;
    private final Duration timeout;
    private final Counter compiled = Metrics.counter(ValidateHip.class, "compiled");
    private final Counter rejected = Metrics.counter(ValidateHip.class, "not_compiled");
    private transient HipCompiler compiler;

    CompileFn(List<String> archs, boolean enabled, Duration timeout) {
      this.archs = archs;
      this.enabled = enabled;
      this.timeout = timeout;
    }

    @Setup
    public void setup() {
      if (enabled) {
        compiler = HipCompiler.create(HipToolchain.require()).withOffloadArchs(archs).withTimeout(timeout);
      }
    }

    @ProcessElement
    public void process(@Element GeneratedCode in, OutputReceiver<GeneratedCode> out) {
      if (!enabled) {
        Progress.compileSkipped();
        out.output(in.withRecord(in.record().toBuilder().pass(true).compiled(null).build()));
        return;
      }
      CompileResult verdict;
      Progress.compileStarted();
      try {
        verdict = compiler.compile(in.record().fileName(), in.code());
      } catch (IllegalArgumentException refused) {
        // A file name the compiler will not put on a command line (e.g. a leading '-').
        out.output(in.withRecord(in.record().toBuilder()
            .failure("unsafe_path", String.valueOf(refused.getMessage())).compiled(false).build()));
        rejected.inc();
        return;
      } finally {
        Progress.compileDone();
      }
      (verdict.compiled() ? compiled : rejected).inc();
      out.output(in.withRecord(withVerdict(in.record(), verdict)));
    }

    @Teardown
    public void teardown() {
      if (compiler != null) {
        compiler.close();
      }
    }
  }
}
