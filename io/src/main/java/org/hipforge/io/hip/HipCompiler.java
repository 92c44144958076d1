package org.hipforge.io.hip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hipforge.io.record.FileNames;

/**
 * Checks that HIP source code compiles for AMD GPUs (host pass plus one device pass per offload
 * architecture), without running it and without a GPU.
 *
 * <pre>{@code
 * try (HipCompiler hip = HipCompiler.create(HipToolchain.require())) {
 *   CompileResult r = hip.compile("saxpy.hip", code);
 *   if (!r.compiled()) System.out.println(r.category() + ": " + r.firstErrors());
 * }
 * }</pre>
 *
 * <p><b>Modes.</b> {@link Mode#HIPCC} runs {@code hipcc -fsyntax-only}, the reference. {@link
 * Mode#DIRECT_CLANG_PCH} (the default) asks hipcc once, with {@code -###}, which {@code clang -cc1}
 * jobs it would run, then runs those jobs itself: no Perl wrapper, no clang driver, the host and
 * device passes in parallel when cores are idle, each pass loading a precompiled header of the
 * file's own leading {@code #include <...>} lines (see {@link PchCache}) built with {@code
 * -fpch-instantiate-templates}, and each clang forked from an already-loaded one (see {@link
 * ForkServer}). Measured on a 2-core Xeon, an 89-line kernel: hipcc 0.86 s, one pass without PCH
 * 0.38 s, with a PCH of {@code hip_runtime.h} 0.07 s, with a PCH of the whole preamble 0.05 s.
 * Verdicts are the same by construction (the same jobs, run in hipcc's order and stopping at the
 * first failing pass as the clang driver does, and a PCH holds exactly the text it replaces);
 * {@code HipCompilerTest} and {@code ValidateBenchmark} check it.
 *
 * <p><b>Configuration.</b> One {@link HipCompilerConfig} (defaults: {@link
 * HipCompilerConfig#defaults}); the per-file work is {@link DirectCompile}, the verdict {@link
 * Verdicts}, and the once-per-JVM setup {@link CompilePlan}.
 *
 * <p><b>Guarantees.</b> Code is written to a private temp dir ({@code hipforge-hip-p<pid>-*}) that
 * is deleted afterwards (on every exit path; after a {@code kill -9} the next start sweeps it) and
 * is only compiled, never run; an {@code #include} of an absolute path or a path with {@code ..}
 * (or a computed include, or a pragma naming a file) is refused before any compiler starts; in
 * direct mode clang sees only the include directories, the PCH cache and the temp dir (a VFS
 * overlay, see {@link CompilerSandbox}) and its dependency list is checked before the verdict
 * counts (the {@link Mode#HIPCC} reference has the text check only); compilers run from an argument
 * list (never a shell) with {@code HIP_PLATFORM=amd}, each in its own process group with a CPU
 * limit the kernel enforces, are killed with all their descendants at the timeout, and die with the
 * JVM (also on {@code kill -9}).
 *
 * <p><b>Threads.</b> Immutable configuration ({@link #with} returns a new compiler) and {@link
 * #compile} is safe to call from many threads at once; callers should run about as many compiles at
 * once as there are cores. A lone compile runs its host and device passes in parallel to use the
 * idle cores; see {@link HipCompilerConfig.Draft#parallelPasses}. {@link #close} stops the
 * output-reader threads; the PCH cache stays on disk for the next run.
 */
public final class HipCompiler implements AutoCloseable {

  /** How the code is compiled; both give the same verdicts. */
  public enum Mode {
    /** Run hipcc's clang -cc1 jobs directly with precompiled headers: fast (the default). */
    DIRECT_CLANG_PCH,
    /** Run {@code hipcc -fsyntax-only}: slow, the reference. */
    HIPCC
  }

  private final HipToolchain toolchain;
  private final HipCompilerConfig config;

  private final Object lifecycle = new Object();
  private ExecutorService readers;
  private boolean closed;

  private HipCompiler(HipToolchain toolchain, HipCompilerConfig config) {
    this.toolchain = Objects.requireNonNull(toolchain, "toolchain");
    this.config = Objects.requireNonNull(config, "config");
  }

  /** A compiler for {@code toolchain} with {@link HipCompilerConfig#defaults}. */
  public static HipCompiler create(HipToolchain toolchain) {
    return create(toolchain, HipCompilerConfig.defaults());
  }

  /** A compiler for {@code toolchain} configured by {@code config}. */
  public static HipCompiler create(HipToolchain toolchain, HipCompilerConfig config) {
    return new HipCompiler(toolchain, config);
  }

  /**
   * A new compiler on the same toolchain with the configuration {@code change} makes ({@link
   * HipCompilerConfig#with}), e.g. {@code hip.with(c -> c.timeout = Duration.ofSeconds(5))}; it
   * shares the once-per-JVM setup of any compiler with the same configuration. Close it on its own.
   */
  public HipCompiler with(Consumer<HipCompilerConfig.Draft> change) {
    return new HipCompiler(toolchain, config.with(change));
  }

  /** The configuration. */
  public HipCompilerConfig config() {
    return config;
  }

  /** The toolchain whose version is stored with every verdict. */
  public HipToolchain toolchain() {
    return toolchain;
  }

  /** The mode, flags and toolchain, e.g. for logs and benchmark reports. */
  public String describe() {
    boolean resources = config.resourceUsage() && config.mode() == Mode.DIRECT_CLANG_PCH;
    return config.mode()
        + " "
        + String.join(" ", config.flags())
        + (resources ? " +device code generation for kernel resources" : "")
        + " ("
        + toolchain.version()
        + ")";
  }

  /**
   * Does the once-per-JVM setup now instead of in the first {@link #compile}: in direct mode asks
   * hipcc for its jobs and builds the PCHs for an empty preamble and for {@code hip/hip_runtime.h}.
   *
   * @throws IllegalStateException when hipcc cannot be probed
   */
  public void prepare() {
    if (config.mode() == Mode.DIRECT_CLANG_PCH) {
      CompilePlan.of(toolchain, config, readers());
    }
  }

  /**
   * Compiles {@code code} as the HIP file {@code fileName} and returns the verdict.
   *
   * @param fileName relative path with {@code /} separators, shown in error lines (e.g. {@code
   *     scan/blelloch.hip}); absolute paths and {@code ..} are refused
   * @param code the source text; untrusted
   * @throws IllegalArgumentException when {@code fileName} is not a safe relative path
   * @throws IllegalStateException after {@link #close}
   */
  public CompileResult compile(String fileName, String code) {
    Objects.requireNonNull(code, "code");
    String rel = checkFileName(fileName);
    Verdicts verdicts = new Verdicts(toolchain.version(), config, System.nanoTime());
    ExecutorService exec = readers();
    Optional<String> unsafe = HipSourceScanner.findUnsafeInclude(code);
    if (unsafe.isPresent()) {
      return verdicts.failure(CompileResult.UNSAFE_INCLUDE, rel + ": " + unsafe.get());
    }
    Path dir = null;
    try {
      dir = LiveCompilers.tempDir("hipforge-hip-");
      Path file = dir.resolve(rel);
      Files.createDirectories(file.getParent());
      if (config.mode() == Mode.HIPCC) {
        Files.writeString(file, code, StandardCharsets.UTF_8);
        return verdicts.of(List.of(runHipcc(dir, rel, exec)), dir, null);
      }
      CompilePlan plan = CompilePlan.of(toolchain, config, exec);
      return DirectCompile.compile(config, plan, dir, rel, code, exec, verdicts);
    } catch (IOException | RuntimeException e) {
      String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
      return verdicts.failure(CompileResult.TOOLCHAIN_ERROR, Verdicts.sanitize(msg, dir, null));
    } finally {
      if (dir != null) {
        LiveCompilers.remove(dir);
      }
    }
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      closed = true;
      if (readers != null) {
        readers.shutdownNow();
      }
    }
  }

  @Override
  public String toString() {
    return "HipCompiler{" + describe() + "}";
  }

  /** The reference: {@code hipcc -fsyntax-only} on the file, under the same limits. */
  private BoundedProcess.Outcome runHipcc(Path dir, String rel, ExecutorService exec)
      throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add(toolchain.hipcc().toString());
    argv.addAll(config.flags());
    argv.add(rel);
    long deadline = System.nanoTime() + config.timeout().toNanos();
    return BoundedProcess.run(
        CompilerSandbox.limited(argv, CompilerSandbox.cpuSeconds(config.timeout())),
        dir,
        HipToolchain.ENV,
        config.outputCap(),
        deadline,
        exec);
  }

  /**
   * {@code fileName} when it may go on the compiler's command line ({@link
   * FileNames#inputProblem}).
   */
  static String checkFileName(String fileName) {
    String problem = FileNames.inputProblem(fileName);
    if (problem != null) {
      throw new IllegalArgumentException(
          "fileName refused ("
              + problem
              + "): "
              + (fileName == null ? null : FileNames.escape(fileName)));
    }
    return fileName;
  }

  private ExecutorService readers() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("HipCompiler is closed");
      }
      if (readers == null) {
        readers = Executors.newCachedThreadPool(daemonThreads("hipforge-hip-output"));
      }
      return readers;
    }
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
