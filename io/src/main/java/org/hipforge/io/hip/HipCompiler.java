package org.hipforge.io.hip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hipforge.io.record.FileNames;
import org.hipforge.io.record.KernelResources;

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
 * Mode#DIRECT_CLANG_PCH} (the default) asks hipcc once, with {@code -###}, which {@code clang
 * -cc1} jobs it would run, then runs those jobs itself: no Perl wrapper, no clang driver, the host
 * and device passes in parallel when cores are idle, each pass loading a precompiled header of
 * the file's own leading {@code #include <...>} lines (see {@link PchCache}) built with {@code
 * -fpch-instantiate-templates}, and each clang forked from an already-loaded one (see {@link
 * ForkServer}). Measured on a 2-core Xeon, an 89-line kernel: hipcc 0.86 s, one pass without PCH
 * 0.38 s, with a PCH of {@code hip_runtime.h} 0.07 s, with a PCH of the whole preamble 0.05 s.
 * Verdicts are the same by construction (the same jobs, run in hipcc's order and stopping at the
 * first failing pass as the clang driver does, and a PCH holds exactly the text it replaces);
 * {@code HipCompilerTest} and {@code ValidateBenchmark} check it.
 *
 * <p><b>Defaults.</b> offload archs {@code [gfx90a]}, {@code -std=c++17} (hipcc itself injects
 * {@code -std=c++11}, which rejects much modern code), timeout 60 s per file (the first call also
 * spends ~1–2 s once per JVM probing hipcc and building the base PCHs, which is not counted), 64 KB
 * of captured compiler output, no extra flags, PCHs under {@code java.io.tmpdir}, fork server on,
 * passes in parallel only while cores are idle.
 *
 * <p><b>Guarantees.</b> Code is written to a private temp dir ({@code hipforge-hip-p<pid>-*}) that
 * is deleted afterwards (on every exit path; after a {@code kill -9} the next start sweeps it) and
 * is only compiled, never run; an {@code #include} of an absolute path or a path with {@code ..}
 * (or a computed include, or a pragma naming a file) is refused before any compiler starts; in
 * direct mode clang sees only the include directories, the PCH cache and the temp dir (a VFS
 * overlay, see {@link CompilerSandbox}) and its dependency list is checked before the verdict
 * counts (the {@link Mode#HIPCC} reference has the text check only); compilers run from an
 * argument list (never a shell) with {@code HIP_PLATFORM=amd}, each in its own process group with a
 * CPU limit the kernel enforces, are killed with all their descendants at the timeout, and die
 * with the JVM (also on {@code kill -9}).
 *
 * <p><b>Threads.</b> Immutable configuration ({@code withX} returns a copy) and {@link #compile} is
 * safe to call from many threads at once; callers should run about as many compiles at once as
 * there are cores. A lone compile runs its host and device passes in parallel to use the idle
 * cores; see {@link #withParallelPasses}. {@link #close} stops the output-reader threads; the PCH
 * cache stays on disk for the next run.
 */
public final class HipCompiler implements AutoCloseable {

  /** How the code is compiled; both give the same verdicts. */
  public enum Mode {
    /** Run hipcc's clang -cc1 jobs directly with precompiled headers: fast (the default). */
    DIRECT_CLANG_PCH,
    /** Run {@code hipcc -fsyntax-only}: slow, the reference. */
    HIPCC
  }

  /** Enough lines to show the cause and a follow-on error or two; more only repeat them. */
  private static final int MAX_ERROR_LINES = 5;

  /** Twice the size of a typical 19-error clang report, so the first errors are always kept. */
  private static final int DEFAULT_OUTPUT_CAP = 64 * 1024;

  /** Each preamble PCH set is ~10–15 MB per pass on disk; 32 sets stay under ~1 GB. */
  private static final int DEFAULT_MAX_PREAMBLE_PCHS = 32;

  private static final Pattern ARCH = Pattern.compile("gfx[0-9a-f]{3,4}(:[a-z0-9_]+[+-])*");
  private static final Pattern STD = Pattern.compile("(c|gnu)\\+\\+[0-9][0-9a-z]");
  private static final Pattern LOCATED_ERROR = Pattern.compile("^\\S.*?:\\d+:\\d+: (fatal )?error: .*");
  private static final Pattern ANY_ERROR =
      Pattern.compile("^(\\S.*?:\\d+:\\d+: |[\\w.+-]+: )?(fatal )?error: .*");

  /** Flags that would change what is produced or checked; the file-level settings own those. */
  private static final List<String> FORBIDDEN_FLAG_PREFIXES =
      List.of("-o", "-###", "-E", "-c", "-S", "-M", "-save-temps", "-emit-", "-x", "--cuda-",
          "--offload", "-std=", "-include-pch", "-fsyntax-only");

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  /** Compiles running their passes right now, in this JVM; drives the automatic pass parallelism. */
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();

  /** One plan (hipcc's jobs and their PCH cache) per configuration per JVM, shared by instances. */
  private static final ConcurrentHashMap<String, PlanHolder> PLANS = new ConcurrentHashMap<>();

  private final HipToolchain toolchain;
  private final List<String> offloadArchs;
  private final String std;
  private final Duration timeout;
  private final int outputCap;
  private final List<String> extraFlags;
  private final Mode mode;
  private final Path pchCacheDir;
  /** null: automatic (see {@link #withParallelPasses}). */
  private final Boolean parallelPasses;
  private final int maxPreamblePchs;
  private final boolean forkServer;
  private final boolean resourceUsage;

  private final Object lifecycle = new Object();
  private ExecutorService readers;
  private boolean closed;

  private HipCompiler(
      HipToolchain toolchain,
      List<String> offloadArchs,
      String std,
      Duration timeout,
      int outputCap,
      List<String> extraFlags,
      Mode mode,
      Path pchCacheDir,
      Boolean parallelPasses,
      int maxPreamblePchs,
      boolean forkServer,
      boolean resourceUsage) {
    this.toolchain = toolchain;
    this.offloadArchs = offloadArchs;
    this.std = std;
    this.timeout = timeout;
    this.outputCap = outputCap;
    this.extraFlags = extraFlags;
    this.mode = mode;
    this.pchCacheDir = pchCacheDir;
    this.parallelPasses = parallelPasses;
    this.maxPreamblePchs = maxPreamblePchs;
    this.forkServer = forkServer;
    this.resourceUsage = resourceUsage;
  }

  /** A compiler for {@code toolchain} with the defaults listed in the class comment. */
  public static HipCompiler create(HipToolchain toolchain) {
    Objects.requireNonNull(toolchain, "toolchain");
    return new HipCompiler(
        toolchain,
        List.of("gfx90a"),
        "c++17",
        Duration.ofSeconds(60),
        DEFAULT_OUTPUT_CAP,
        List.of(),
        Mode.DIRECT_CLANG_PCH,
        Paths.get(System.getProperty("java.io.tmpdir")),
        null,
        DEFAULT_MAX_PREAMBLE_PCHS,
        true,
        false);
  }

  /** Device architectures to check, each a separate pass, e.g. {@code [gfx90a, gfx1100]}. */
  public HipCompiler withOffloadArchs(List<String> archs) {
    Objects.requireNonNull(archs, "archs");
    if (archs.isEmpty()) {
      throw new IllegalArgumentException("offloadArchs must not be empty");
    }
    for (String a : archs) {
      if (a == null || !ARCH.matcher(a).matches()) {
        throw new IllegalArgumentException("offloadArchs: not an AMD GPU architecture: " + a);
      }
    }
    return new HipCompiler(toolchain, List.copyOf(archs), std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** The C++ standard, e.g. {@code c++17} or {@code gnu++20}. */
  public HipCompiler withStd(String std) {
    if (std == null || !STD.matcher(std).matches()) {
      throw new IllegalArgumentException("std must look like c++17 or gnu++20, got: " + std);
    }
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** How long one file's compiler passes may run before they are killed (category timeout). */
  public HipCompiler withTimeout(Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got: " + timeout);
    }
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** The most compiler output kept per file, in bytes; the rest is read and dropped. */
  public HipCompiler withOutputCap(int bytes) {
    if (bytes < 1024) {
      throw new IllegalArgumentException("outputCap must be at least 1024 bytes, got: " + bytes);
    }
    return new HipCompiler(toolchain, offloadArchs, std, timeout, bytes, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /**
   * Extra compiler flags, each one argument in joined form ({@code -DN=4}, {@code -Ipath},
   * {@code -Werror}); flags that change the output or the language ({@code -o}, {@code -x},
   * {@code -std=}, {@code --offload-arch}, ...) are refused because other settings own them.
   */
  public HipCompiler withExtraFlags(List<String> flags) {
    Objects.requireNonNull(flags, "flags");
    for (String f : flags) {
      if (f == null || !f.startsWith("-") || f.length() < 2 || f.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("extraFlags: each flag must be one '-' argument, got: " + f);
      }
      for (String p : FORBIDDEN_FLAG_PREFIXES) {
        if (f.startsWith(p)) {
          throw new IllegalArgumentException("extraFlags: " + f + " is not allowed (set by HipCompiler)");
        }
      }
    }
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, List.copyOf(flags), mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** {@link Mode#DIRECT_CLANG_PCH} (default) or the {@link Mode#HIPCC} reference. */
  public HipCompiler withMode(Mode mode) {
    Objects.requireNonNull(mode, "mode");
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** Where the {@code hipforge-pch-<hash>} cache directory lives (default {@code java.io.tmpdir}). */
  public HipCompiler withPchCacheDir(Path dir) {
    Objects.requireNonNull(dir, "dir");
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        dir.toAbsolutePath(), parallelPasses, maxPreamblePchs, forkServer, resourceUsage);
  }

  /**
   * Forces a file's host and device passes to run at once ({@code true}) or one after another
   * ({@code false}); verdicts are the same either way. By default they run at once only while the
   * JVM has fewer compiles in flight than cores to give each pass one: that halves the latency of
   * a lone compile, while under full load one-after-another is cheaper because a failing host
   * pass then skips the device passes (as hipcc does).
   */
  public HipCompiler withParallelPasses(boolean parallel) {
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallel, maxPreamblePchs, forkServer, resourceUsage);
  }

  /** The most preamble PCH sets built per JVM (default 32, ~1 GB of disk at most). */
  public HipCompiler withMaxPreamblePchs(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("maxPreamblePchs must be >= 0, got: " + max);
    }
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, max, forkServer, resourceUsage);
  }

  /**
   * Whether direct mode starts clang through a {@link ForkServer} (default true): a clang that
   * has already loaded its libraries forks per pass, saving ~20 ms of CPU per pass. Falls back to
   * starting clang normally when the server cannot be built or breaks; verdicts are the same.
   */
  public HipCompiler withForkServer(boolean use) {
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, use, resourceUsage);
  }

  /**
   * Whether a compile that succeeds also reports each kernel's resource usage per device
   * architecture ({@link CompileResult#resources}; default false). Direct mode only: each device
   * pass then generates code ({@code -S -o /dev/null}, what hipcc runs for {@code
   * --cuda-device-only -S}, at hipcc's {@code -O3}) instead of {@code -fsyntax-only}, and prints the
   * backend's {@code -Rpass-analysis=kernel-resource-usage} remarks ({@link ResourceRemarks}); the
   * host pass stays syntax-only. Verdicts stay those of {@code hipcc -fsyntax-only}: a device pass
   * that fails while generating code is run again syntax-only and that run gives the verdict (so
   * an error only code generation finds, e.g. too much LDS, leaves the file compiled, without
   * resources for that architecture). The {@link Mode#HIPCC} reference reports none.
   */
  public HipCompiler withResourceUsage(boolean on) {
    return new HipCompiler(toolchain, offloadArchs, std, timeout, outputCap, extraFlags, mode,
        pchCacheDir, parallelPasses, maxPreamblePchs, forkServer, on);
  }

  /** True when compiles report kernel resource usage ({@link #withResourceUsage}). */
  public boolean resourceUsage() {
    return resourceUsage;
  }

  /** The toolchain whose version is stored with every verdict. */
  public HipToolchain toolchain() {
    return toolchain;
  }

  /** The configured mode. */
  public Mode mode() {
    return mode;
  }

  /** The mode, flags and toolchain, e.g. for logs and benchmark reports. */
  public String describe() {
    return mode + " " + String.join(" ", flags())
        + (resourceUsage && mode == Mode.DIRECT_CLANG_PCH ? " +device code generation for kernel resources" : "")
        + " (" + toolchain.version() + ")";
  }

  /**
   * Does the once-per-JVM setup now instead of in the first {@link #compile}: in direct mode asks
   * hipcc for its jobs and builds the PCHs for an empty preamble and for {@code hip/hip_runtime.h}.
   *
   * @throws IllegalStateException when hipcc cannot be probed
   */
  public void prepare() {
    if (mode == Mode.DIRECT_CLANG_PCH) {
      plan(readers());
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
    long t0 = System.nanoTime();
    ExecutorService exec = readers();
    Optional<String> unsafe = HipSourceScanner.findUnsafeInclude(code);
    if (unsafe.isPresent()) {
      return CompileResult.failure(
          CompileResult.UNSAFE_INCLUDE, rel + ": " + unsafe.get(), toolchain.version(), millis(t0), false);
    }
    Path dir = null;
    try {
      dir = LiveCompilers.tempDir("hipforge-hip-");
      Path file = dir.resolve(rel);
      Files.createDirectories(file.getParent());
      if (mode == Mode.HIPCC) {
        Files.writeString(file, code, StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>();
        argv.add(toolchain.hipcc().toString());
        argv.addAll(flags());
        argv.add(rel);
        long deadline = System.nanoTime() + timeout.toNanos();
        BoundedProcess.Outcome o = BoundedProcess.run(
            CompilerSandbox.limited(argv, CompilerSandbox.cpuSeconds(timeout)), dir, HipToolchain.ENV,
            outputCap, deadline, exec);
        return verdict(List.of(o), dir, null, t0);
      }
      return compileDirect(plan(exec), dir, file, rel, code, t0, exec);
    } catch (IOException | RuntimeException e) {
      String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
      return CompileResult.failure(
          CompileResult.TOOLCHAIN_ERROR, sanitize(msg, dir, null), toolchain.version(), millis(t0), false);
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

  // ---------------------------------------------------------------------------------------------

  private CompileResult compileDirect(
      Plan plan, Path dir, Path file, String rel, String code, long t0, ExecutorService exec)
      throws IOException {
    PchCache.Entry pch = null;
    String text = code;
    if (plan.pch != null) {
      HipSourceScanner.Preamble pre = HipSourceScanner.preamble(code, rel, plan.quotedPreamble);
      pch = plan.pch.select(pre.headers(), exec);
      if (pch != null) {
        text = pre.withoutFirst(pch.headers().size());
      }
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Path overlay = plan.sandbox.writeOverlay(dir);
    // The timeout covers this file's compiler runs, not a one-off PCH build for its preamble.
    long deadline = System.nanoTime() + timeout.toNanos();
    List<BoundedProcess.Outcome> outs;
    IN_FLIGHT.incrementAndGet();
    try {
      outs = runJobs(plan, dir, rel, pch, overlay, deadline, exec);
      if (pch != null && rejectsPch(outs, pch)) {
        // A header changed since the PCH was built (or the file is damaged): drop it and check
        // this file the plain way, which gives the verdict hipcc would.
        plan.pch.invalidate(pch);
        Files.writeString(file, code, StandardCharsets.UTF_8);
        outs = runJobs(plan, dir, rel, null, overlay, deadline, exec);
      }
      if (resourceUsage) {
        outs = syntaxVerdictOfFailedCodegen(plan, outs, dir, rel, pch, overlay, deadline, exec);
      }
    } finally {
      IN_FLIGHT.decrementAndGet();
    }
    Optional<String> outside = readOutsideRoots(plan, outs, dir);
    if (outside.isPresent()) {
      return CompileResult.failure(CompileResult.UNSAFE_INCLUDE,
          rel + ": the compiler read a file outside the include directories: " + outside.get(),
          toolchain.version(), millis(t0), false);
    }
    if (!resourceUsage) {
      return verdict(outs, dir, plan.pch == null ? null : plan.pch.dir(), t0);
    }
    List<KernelResources> resources = new ArrayList<>();
    List<BoundedProcess.Outcome> plain = new ArrayList<>(outs.size());
    for (int j = 0; j < outs.size(); j++) {
      BoundedProcess.Outcome o = outs.get(j);
      // A pass whose output was cut off may have lost kernels: no partial maxima for its arch.
      if (plan.jobs.get(j).device() && o.ok() && !o.truncated()) {
        resources.addAll(ResourceRemarks.parse(o.output(), plan.jobs.get(j).label()));
      }
      plain.add(new BoundedProcess.Outcome(
          o.exitCode(), ResourceRemarks.strip(o.output()), o.timedOut(), o.truncated()));
    }
    CompileResult r = verdict(plain, dir, plan.pch == null ? null : plan.pch.dir(), t0);
    return r.compiled() && !resources.isEmpty()
        ? CompileResult.success(r.toolchainVersion(), r.elapsedMs(), r.outputTruncated(), resources)
        : r;
  }

  /**
   * When the pass that failed generated code (a device pass with resource usage on), runs it again
   * syntax-only and puts that outcome in its place, so the verdict is the one {@code hipcc
   * -fsyntax-only} gives (an error that only code generation finds does not fail the file). Most
   * failures are in the host pass or fail both ways alike; this costs a second run only for a
   * device-only failure.
   */
  private List<BoundedProcess.Outcome> syntaxVerdictOfFailedCodegen(
      Plan plan, List<BoundedProcess.Outcome> outs, Path dir, String rel, PchCache.Entry pch,
      Path overlay, long deadline, ExecutorService exec) throws IOException {
    int last = outs.size() - 1;
    if (last < 0 || outs.get(last).ok() || outs.get(last).timedOut() || !plan.jobs.get(last).device()) {
      return outs;
    }
    Path pchFile = pch == null || plan.pch == null ? null : pch.pchs().get(last);
    List<String> argv = plan.jobs.get(last).forFile(dir, rel, pchFile, overlay, depFile(dir, last), false);
    BoundedProcess.Outcome o = startPass(plan.forkServer, argv, dir, exec).await(deadline);
    if (o.exitCode() == ForkServer.SERVER_FAILED) {
      o = startPass(null, argv, dir, exec).await(deadline);
    }
    List<BoundedProcess.Outcome> fixed = new ArrayList<>(outs);
    fixed.set(last, o);
    if (o.ok()) {
      // The syntax check passed, so the passes after it (skipped or killed) still decide.
      for (int j = last + 1; j < plan.jobs.size(); j++) {
        List<String> a = plan.jobs.get(j).forFile(
            dir, rel, pch == null ? null : pch.pchs().get(j), overlay, depFile(dir, j), true);
        BoundedProcess.Outcome next = startPass(plan.forkServer, a, dir, exec).await(deadline);
        fixed.add(next);
        if (!next.ok()) {
          return syntaxVerdictOfFailedCodegen(plan, fixed, dir, rel, pch, overlay, deadline, exec);
        }
      }
    }
    return fixed;
  }

  /**
   * Checks the dependency list of every pass that ran against the sandbox's roots, before the
   * verdict counts. A pass that succeeded must have written one; a failed pass may have none
   * (clang deletes it when a header was not found).
   */
  private static Optional<String> readOutsideRoots(Plan plan, List<BoundedProcess.Outcome> outs, Path dir) {
    for (int j = 0; j < outs.size(); j++) {
      BoundedProcess.Outcome o = outs.get(j);
      Path deps = depFile(dir, j);
      if (o.timedOut() || (!o.ok() && !Files.exists(deps))) {
        continue;
      }
      Optional<String> bad = plan.sandbox.outsideRoots(deps, dir);
      if (bad.isPresent()) {
        return bad;
      }
    }
    return Optional.empty();
  }

  private static Path depFile(Path dir, int pass) {
    return dir.resolve(".hipforge-deps-" + pass + ".d");
  }

  /**
   * Runs the passes in hipcc's order and stops at the first that fails, as the clang driver does
   * for HIP (a failed pass skips the remaining ones): the outcomes end with the failing pass, so
   * its errors are the ones hipcc would print. With parallel passes all start at once and the
   * passes after a failure are killed, which saves their CPU time. If a fork server breaks down
   * mid-run, the passes are run again with plainly started compilers.
   */
  private List<BoundedProcess.Outcome> runJobs(
      Plan plan, Path dir, String rel, PchCache.Entry pch, Path overlay, long deadline,
      ExecutorService exec) throws IOException {
    List<BoundedProcess.Outcome> outs =
        runJobs(plan, plan.forkServer, dir, rel, pch, overlay, deadline, exec);
    if (outs.stream().anyMatch(o -> o.exitCode() == ForkServer.SERVER_FAILED)) {
      outs = runJobs(plan, null, dir, rel, pch, overlay, deadline, exec);
    }
    return outs;
  }

  private List<BoundedProcess.Outcome> runJobs(
      Plan plan, ForkServer server, Path dir, String rel, PchCache.Entry pch, Path overlay,
      long deadline, ExecutorService exec) throws IOException {
    List<Cc1Job> jobs = plan.jobs;
    List<BoundedProcess.Outcome> outs = new ArrayList<>(jobs.size());
    boolean parallel =
        parallelPasses != null ? parallelPasses : IN_FLIGHT.get() * jobs.size() <= CORES;
    if (!parallel) {
      for (int j = 0; j < jobs.size(); j++) {
        List<String> argv = jobs.get(j).forFile(
            dir, rel, pch == null ? null : pch.pchs().get(j), overlay, depFile(dir, j), resourceUsage);
        BoundedProcess.Outcome o = startPass(server, argv, dir, exec).await(deadline);
        outs.add(o);
        if (!o.ok()) {
          break;
        }
      }
      return outs;
    }
    List<PassRun> running = new ArrayList<>(jobs.size());
    try {
      for (int j = 0; j < jobs.size(); j++) {
        List<String> argv = jobs.get(j).forFile(
            dir, rel, pch == null ? null : pch.pchs().get(j), overlay, depFile(dir, j), resourceUsage);
        running.add(startPass(server, argv, dir, exec));
      }
    } catch (IOException | RuntimeException e) {
      for (PassRun p : running) {
        p.await(0); // a deadline in the past kills it
      }
      throw e;
    }
    boolean failed = false;
    for (PassRun p : running) {
      if (failed) {
        p.await(0);
        continue;
      }
      BoundedProcess.Outcome o = p.await(deadline);
      outs.add(o);
      failed = !o.ok();
    }
    return outs;
  }

  private PassRun startPass(ForkServer server, List<String> argv, Path dir, ExecutorService exec)
      throws IOException {
    if (server != null) {
      try {
        return server.start(argv, dir, outputCap, CompilerSandbox.cpuSeconds(timeout), exec);
      } catch (IOException | RuntimeException e) {
        // A server that cannot take the request is replaced next time; this pass starts clang.
      }
    }
    return BoundedProcess.start(
        CompilerSandbox.limited(argv, CompilerSandbox.cpuSeconds(timeout)), dir, HipToolchain.ENV,
        outputCap, exec);
  }

  /** True when clang refused to load one of the entry's PCH files (named in a fatal error). */
  private static boolean rejectsPch(List<BoundedProcess.Outcome> outs, PchCache.Entry pch) {
    for (BoundedProcess.Outcome o : outs) {
      if (o.ok() || o.timedOut()) {
        continue;
      }
      for (String line : o.output().split("\n")) {
        if (!line.contains("fatal error:")) {
          continue;
        }
        for (Path p : pch.pchs()) {
          if (line.contains(p.toString())) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Turns the passes' outcomes (in hipcc's order: host, then each device arch, ending at the first
   * failure) into a verdict; the error lines come from the failing pass, as in hipcc's output.
   */
  private CompileResult verdict(List<BoundedProcess.Outcome> outs, Path dir, Path pchDir, long t0) {
    boolean timedOut = false;
    boolean ok = true;
    boolean truncated = false;
    StringBuilder all = new StringBuilder();
    int lastExit = 0;
    for (BoundedProcess.Outcome o : outs) {
      timedOut |= o.timedOut();
      ok &= o.ok();
      truncated |= o.truncated();
      if (o.exitCode() != 0) {
        lastExit = o.exitCode();
      }
      if (all.length() < outputCap) {
        all.append(o.output());
        if (!o.output().endsWith("\n")) {
          all.append('\n');
        }
      } else {
        truncated |= !o.output().isEmpty();
      }
    }
    if (all.length() > outputCap) {
      all.setLength(outputCap);
      truncated = true;
    }
    String output = sanitize(all.toString(), dir, pchDir);
    Set<String> errors = new LinkedHashSet<>();
    boolean located = false;
    for (String line : output.split("\n")) {
      if (ANY_ERROR.matcher(line).matches()) {
        located |= LOCATED_ERROR.matcher(line).matches();
        if (errors.size() < MAX_ERROR_LINES) {
          errors.add(line.strip());
        }
      }
    }
    String first = String.join("\n", errors);
    long ms = millis(t0);
    String version = toolchain.version();
    if (timedOut) {
      String msg = "timed out after " + timeout.toMillis() + " ms" + (first.isEmpty() ? "" : "\n" + first);
      return CompileResult.failure(CompileResult.TIMEOUT, msg, version, ms, truncated);
    }
    if (ok) {
      return CompileResult.success(version, ms, truncated);
    }
    if (located) {
      return CompileResult.failure(CompileResult.COMPILE_ERROR, first, version, ms, truncated);
    }
    String msg = first.isEmpty() ? "compiler exited with " + lastExit + ": " + tail(output) : first;
    return CompileResult.failure(CompileResult.TOOLCHAIN_ERROR, msg, version, ms, truncated);
  }

  private static String tail(String output) {
    String s = output.strip();
    return s.length() <= 500 ? s : "…" + s.substring(s.length() - 500);
  }

  /** Replaces the private temp dir (and the PCH cache dir) so messages show only the file name. */
  private static String sanitize(String text, Path dir, Path pchDir) {
    String s = text;
    if (dir != null) {
      for (String d : spellings(dir)) {
        s = s.replace(d + "/", "").replace(d, ".");
      }
    }
    if (pchDir != null) {
      for (String d : spellings(pchDir)) {
        s = s.replace(d, "<pch-cache>");
      }
    }
    return s;
  }

  private static List<String> spellings(Path p) {
    List<String> out = new ArrayList<>(2);
    out.add(p.toString());
    try {
      String real = p.toRealPath().toString();
      if (!real.equals(p.toString())) {
        out.add(0, real);
      }
    } catch (IOException ignored) {
      // Already deleted or never existed: the plain spelling is all there is.
    }
    return out;
  }

  private List<String> flags() {
    List<String> f = new ArrayList<>();
    for (String a : offloadArchs) {
      f.add("--offload-arch=" + a);
    }
    f.add("-std=" + std);
    f.addAll(extraFlags);
    f.add("-fsyntax-only");
    // Explicit so that .cpp/.cu/.hip names are all checked as HIP, in both modes alike.
    f.add("-x");
    f.add("hip");
    return f;
  }

  /** {@code fileName} when it may go on the compiler's command line ({@link FileNames#inputProblem}). */
  static String checkFileName(String fileName) {
    String problem = FileNames.inputProblem(fileName);
    if (problem != null) {
      throw new IllegalArgumentException("fileName refused (" + problem + "): "
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

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // Best effort: a leftover temp file is harmless and the OS cleans java.io.tmpdir.
        }
      });
    } catch (IOException | UncheckedIOException ignored) {
      // Same as above.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Once-per-JVM setup

  /** hipcc's cc1 jobs for this configuration and their PCH cache (null when PCHs do not apply). */
  private static final class Plan {
    final List<Cc1Job> jobs;
    final PchCache pch;
    final boolean quotedPreamble;
    final ForkServer forkServer;
    final CompilerSandbox sandbox;

    Plan(List<Cc1Job> jobs, PchCache pch, boolean quotedPreamble, ForkServer forkServer,
        CompilerSandbox sandbox) {
      this.jobs = jobs;
      this.pch = pch;
      this.quotedPreamble = quotedPreamble;
      this.forkServer = forkServer;
      this.sandbox = sandbox;
    }
  }

  /** Creates a plan once; a failed attempt is not remembered, so a later call retries. */
  private static final class PlanHolder {
    private Plan plan;

    synchronized Plan get(HipCompiler owner, ExecutorService exec) {
      if (plan == null) {
        plan = owner.createPlan(exec);
      }
      return plan;
    }
  }

  private Plan plan(ExecutorService exec) {
    String key = String.join("\u0000", toolchain.hipcc().toString(), toolchain.version(),
        String.join(" ", flags()), pchCacheDir.toString(), Integer.toString(maxPreamblePchs),
        Boolean.toString(forkServer));
    return PLANS.computeIfAbsent(key, k -> new PlanHolder()).get(this, exec);
  }

  private Plan createPlan(ExecutorService exec) {
    Path probeDir = null;
    try {
      probeDir = LiveCompilers.tempDir("hipforge-probe-");
      List<Cc1Job> jobs = new ArrayList<>();
      for (List<String> printed : toolchain.cc1Jobs(flags(), probeDir, exec)) {
        jobs.add(Cc1Job.fromProbe(printed, probeDir, HipToolchain.probeFileName()));
      }
      // -iquote directories are searched for "..." includes only, so a quoted preamble include
      // could then resolve differently from the <...> form the PCH header uses.
      boolean quotedPreamble = extraFlags.stream().noneMatch(f -> f.startsWith("-iquote") || f.equals("-I-"));
      StringBuilder fp = new StringBuilder(toolchain.version()).append('\u0000');
      Path clang = toolchain.clang();
      fp.append(clang).append('\u0000');
      try {
        fp.append(Files.size(clang)).append('\u0000').append(Files.getLastModifiedTime(clang));
      } catch (IOException ignored) {
        // The version string still separates toolchains.
      }
      for (Cc1Job j : jobs) {
        fp.append('\u0000').append(j.key());
      }
      String fingerprint = fp.toString();
      Path cacheDir = PchCache.openDir(pchCacheDir, fingerprint);
      ForkServer server = null;
      if (forkServer && jobs.stream().allMatch(j -> j.program().equals(clang.toString()))) {
        server = ForkServer.create(clang, cacheDir, fingerprint, exec);
      }
      List<Cc1Job> js = List.copyOf(jobs);
      CompilerSandbox sandbox = CompilerSandbox.forJobs(js, cacheDir);
      if (!jobs.stream().allMatch(Cc1Job::supportsPch)) {
        return new Plan(js, null, quotedPreamble, server, sandbox);
      }
      PchCache cache = new PchCache(cacheDir, jobs, fingerprint, maxPreamblePchs);
      if (cache.ensure(List.of(), exec) == null) {
        // Not even clang's wrapper precompiles: run the jobs without PCHs (still no wrapper cost).
        return new Plan(js, null, quotedPreamble, server, sandbox);
      }
      cache.ensure(PchCache.HIP_RUNTIME, exec);
      return new Plan(js, cache, quotedPreamble, server, sandbox);
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare the HIP compiler", e);
    } finally {
      if (probeDir != null) {
        LiveCompilers.remove(probeDir);
      }
    }
  }
}
