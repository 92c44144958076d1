package org.hipforge.transforms;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.hip.HipCompiler;
import org.hipforge.io.hip.HipCompilerConfig;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.coders.FailureCoder;
import org.hipforge.transforms.coders.GeneratedCodeCoder;

/**
 * Compiles each piece of generated code for AMD GPU targets (compile only: LLM output is never run)
 * and records the verdict: {@code pass} is true only when it compiled.
 *
 * <p>A typed result ({@link Result}): {@link Result#output()} is the code that compiled (or, with
 * {@link #skip()}, all code, unchecked); {@link Result#failures()} one {@link Failure} (stage
 * {@code validate_hip}) per piece that did not, whose record carries the verdict; {@link
 * Result#notCompiled()} the same pieces with their code, for the repair loop's follow-up.
 *
 * <p>Uses {@link HipCompiler} (clang with precompiled HIP headers, built once per worker). A failed
 * compile keeps its first errors in {@code compile_error} and its category in {@code error_msg}:
 * {@code compile_error}, {@code compile_timeout}, {@code unsafe_include} or {@code
 * toolchain_error}. With {@link #skip()} nothing is compiled and {@code compiled} stays null. With
 * {@link #withResources} code that compiles also gets each kernel's resource usage per arch ({@code
 * resources_*} keys, see {@link org.hipforge.io.record.KernelResources}); the verdict is the same
 * either way.
 *
 * <pre>
 * {@code ValidateHip.Result checked = code.apply("ValidateHip", ValidateHip.forArchs(List.of("gfx90a")));}
 * </pre>
 */
public final class ValidateHip extends PTransform<PCollection<GeneratedCode>, ValidateHip.Result> {
  /** The stage name failures of this transform carry. */
  public static final String STAGE = "validate_hip";

  /** A compile that takes longer than this is a runaway (template recursion), not slow code. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Everything the transform does: whether it compiles at all ({@link #skip()} does not) and how
   * (the compiler's configuration, checked when the pipeline is built, not on the workers).
   */
  private record Config(boolean enabled, HipCompilerConfig compiler) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final Config config;

  private ValidateHip(Config config) {
    this.config = config;
  }

  /**
   * Compiles for {@code archs} (see {@link org.hipforge.io.hip.OffloadArchs}).
   *
   * @throws IllegalArgumentException naming the first bad target, or when there is none
   */
  public static ValidateHip forArchs(List<String> archs) {
    if (archs == null || archs.isEmpty()) {
      throw new IllegalArgumentException("archs must name at least one offload arch, was " + archs);
    }
    return new ValidateHip(
        new Config(
            true,
            HipCompilerConfig.defaults()
                .with(
                    c -> {
                      c.offloadArchs = archs;
                      c.timeout = DEFAULT_TIMEOUT;
                    })));
  }

  /** No compile ({@code --validate=none}): code is kept with {@code compiled} unknown. */
  public static ValidateHip skip() {
    return new ValidateHip(new Config(false, HipCompilerConfig.defaults()));
  }

  /** How long one file may compile before it is a {@code compile_timeout} (default 60 s). */
  public ValidateHip withTimeout(Duration t) {
    return new ValidateHip(
        new Config(config.enabled(), config.compiler().with(c -> c.timeout = t)));
  }

  /**
   * Whether code that compiles also gets its kernels' resource usage per arch ({@code resources_*}
   * keys; {@link HipCompilerConfig.Draft#resourceUsage}); default false.
   */
  public ValidateHip withResources(boolean on) {
    return new ValidateHip(
        new Config(config.enabled(), config.compiler().with(c -> c.resourceUsage = on)));
  }

  /** Code that compiled (or was not checked), the failures, and the code that did not compile. */
  public static final class Result extends StageResult<GeneratedCode, Failure> {
    private final PCollection<GeneratedCode> notCompiled;

    Result(
        PCollection<GeneratedCode> output,
        PCollection<Failure> failures,
        PCollection<GeneratedCode> notCompiled) {
      super(output, failures);
      this.notCompiled = notCompiled;
    }

    /** The code behind each of {@link #failures()}, its record holding the verdict (pass:false). */
    public PCollection<GeneratedCode> notCompiled() {
      return notCompiled;
    }
  }

  @Override
  public Result expand(PCollection<GeneratedCode> code) {
    TupleTag<GeneratedCode> okTag = new TupleTag<>("compiled");
    TupleTag<GeneratedCode> rejectedTag = new TupleTag<>("not_compiled");
    PCollectionTuple t =
        code.apply(
            "Compile",
            ParDo.of(new CompileFn(config, okTag, rejectedTag))
                .withOutputTags(okTag, TupleTagList.of(rejectedTag)));
    PCollection<GeneratedCode> rejected = t.get(rejectedTag).setCoder(GeneratedCodeCoder.of());
    PCollection<Failure> failures =
        rejected
            .apply(
                "ToFailures",
                MapElements.into(TypeDescriptor.of(Failure.class))
                    .via((GeneratedCode g) -> Failure.of(g.record(), STAGE)))
            .setCoder(FailureCoder.of());
    return new Result(t.get(okTag).setCoder(GeneratedCodeCoder.of()), failures, rejected);
  }

  /** Maps a compiler verdict onto a generate record (also used by the {@code validate} command). */
  public static StateRecord withVerdict(StateRecord r, CompileResult verdict) {
    StateRecord.Builder b =
        r.toBuilder()
            .resources(null)
            .compiled(verdict.compiled())
            .toolchain(verdict.toolchainVersion());
    if (verdict.compiled()) {
      return b.pass(true).errorMsg(null).compileError(null).resources(verdict.resources()).build();
    }
    String category =
        CompileResult.TIMEOUT.equals(verdict.category())
            ? ErrorCategory.COMPILE_TIMEOUT.label()
            : verdict.category();
    String first =
        verdict.firstErrors().isEmpty()
            ? "the compiler failed"
            : verdict.firstErrors().lines().findFirst().orElse("");
    return b.failure(category, first).compileError(verdict.firstErrors()).build();
  }

  private static final class CompileFn extends DoFn<GeneratedCode, GeneratedCode> {
    private final Config config;
    private final TupleTag<GeneratedCode> okTag;
    private final TupleTag<GeneratedCode> rejectedTag;
    private final Counter compiled = Metrics.counter(ValidateHip.class, "compiled");
    private final Counter rejected = Metrics.counter(ValidateHip.class, "not_compiled");
    private transient HipCompiler compiler;

    CompileFn(Config config, TupleTag<GeneratedCode> okTag, TupleTag<GeneratedCode> rejectedTag) {
      this.config = config;
      this.okTag = okTag;
      this.rejectedTag = rejectedTag;
    }

    @Setup
    public void setup() {
      if (config.enabled()) {
        compiler = HipCompiler.create(HipToolchain.require(), config.compiler());
      }
    }

    @ProcessElement
    public void process(@Element GeneratedCode in, MultiOutputReceiver outs) {
      OutputReceiver<GeneratedCode> out = outs.get(okTag);
      if (!config.enabled()) {
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
        outs.get(rejectedTag)
            .output(
                in.withRecord(
                    in.record().toBuilder()
                        .failure(
                            ErrorCategory.UNSAFE_PATH.label(), String.valueOf(refused.getMessage()))
                        .compiled(false)
                        .build()));
        rejected.inc();
        return;
      } finally {
        Progress.compileDone();
      }
      (verdict.compiled() ? compiled : rejected).inc();
      (verdict.compiled() ? out : outs.get(rejectedTag))
          .output(in.withRecord(withVerdict(in.record(), verdict)));
    }

    @Teardown
    public void teardown() {
      if (compiler != null) {
        compiler.close();
      }
    }
  }
}
