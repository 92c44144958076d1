package org.hipforge.io.hip;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * How a {@link HipCompiler} checks code: targets, language, limits and the direct mode's knobs.
 * Immutable and serializable (a transform ships it to its workers); {@link #with} returns a changed
 * copy, and the compact constructor refuses a bad value with a message naming it.
 *
 * <pre>{@code
 * HipCompilerConfig c = HipCompilerConfig.defaults().with(d -> {
 *   d.offloadArchs = List.of("gfx90a", "gfx1030");
 *   d.timeout = Duration.ofSeconds(30);
 * });
 * try (HipCompiler hip = HipCompiler.create(HipToolchain.require(), c)) { ... }
 * }</pre>
 *
 * @param offloadArchs device architectures to check, each a separate pass ({@link OffloadArchs})
 * @param std the C++ standard, e.g. {@code c++17} or {@code gnu++20}
 * @param timeout how long one file's compiler passes may run before they are killed
 * @param outputCap the most compiler output kept per file, in bytes (at least 1024)
 * @param extraFlags extra compiler flags, each one argument in joined form
 * @param mode {@link HipCompiler.Mode#DIRECT_CLANG_PCH} or the {@link HipCompiler.Mode#HIPCC}
 *     reference
 * @param pchCacheDir where the {@code hipforge-pch-<hash>} cache directory lives, absolute; null
 *     for {@code java.io.tmpdir} of the JVM that compiles
 * @param parallelPasses whether a file's passes run at once; null: automatic
 * @param maxPreamblePchs the most preamble PCH sets built per JVM
 * @param forkServer whether direct mode starts clang through a {@link ForkServer}
 * @param resourceUsage whether a compile that succeeds also reports kernel resource usage
 */
public record HipCompilerConfig(
    List<String> offloadArchs,
    String std,
    Duration timeout,
    int outputCap,
    List<String> extraFlags,
    HipCompiler.Mode mode,
    String pchCacheDir,
    Boolean parallelPasses,
    int maxPreamblePchs,
    boolean forkServer,
    boolean resourceUsage)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Twice the size of a typical 19-error clang report, so the first errors are always kept. */
  private static final int DEFAULT_OUTPUT_CAP = 64 * 1024;

  /** Each preamble PCH set is ~10–15 MB per pass on disk; 32 sets stay under ~1 GB. */
  private static final int DEFAULT_MAX_PREAMBLE_PCHS = 32;

  private static final Pattern STD = Pattern.compile("(c|gnu)\\+\\+[0-9][0-9a-z]");

  /** Flags that would change what is produced or checked; the file-level settings own those. */
  private static final List<String> FORBIDDEN_FLAG_PREFIXES =
      List.of(
          "-o",
          "-###",
          "-E",
          "-c",
          "-S",
          "-M",
          "-save-temps",
          "-emit-",
          "-x",
          "--cuda-",
          "--offload",
          "-std=",
          "-include-pch",
          "-fsyntax-only");

  public HipCompilerConfig {
    try {
      offloadArchs = OffloadArchs.check(offloadArchs);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("offloadArchs: " + e.getMessage(), e);
    }
    if (std == null || !STD.matcher(std).matches()) {
      throw new IllegalArgumentException("std must look like c++17 or gnu++20, got: " + std);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got: " + timeout);
    }
    if (outputCap < 1024) {
      throw new IllegalArgumentException(
          "outputCap must be at least 1024 bytes, got: " + outputCap);
    }
    extraFlags = checkExtraFlags(extraFlags);
    Objects.requireNonNull(mode, "mode");
    if (maxPreamblePchs < 0) {
      throw new IllegalArgumentException("maxPreamblePchs must be >= 0, got: " + maxPreamblePchs);
    }
  }

  /**
   * Offload archs {@code [gfx90a]}, {@code -std=c++17} (hipcc itself injects {@code -std=c++11},
   * which rejects much modern code), timeout 60 s per file (the first call also spends ~1–2 s once
   * per JVM probing hipcc and building the base PCHs, which is not counted), 64 KB of captured
   * compiler output, no extra flags, direct mode, PCHs under {@code java.io.tmpdir}, passes in
   * parallel only while cores are idle, 32 preamble PCH sets, fork server on, no resource usage.
   */
  public static HipCompilerConfig defaults() {
    return new HipCompilerConfig(
        List.of("gfx90a"),
        "c++17",
        Duration.ofSeconds(60),
        DEFAULT_OUTPUT_CAP,
        List.of(),
        HipCompiler.Mode.DIRECT_CLANG_PCH,
        null,
        null,
        DEFAULT_MAX_PREAMBLE_PCHS,
        true,
        false);
  }

  /**
   * A copy with the settings {@code change} makes to a {@link Draft} of this config, e.g. {@code
   * c.with(d -> d.timeout = Duration.ofSeconds(5))} (what Java's proposed derived record creation,
   * {@code c with { timeout = ...; }}, will write directly); the result is checked as any config.
   */
  public HipCompilerConfig with(Consumer<Draft> change) {
    Draft d = new Draft();
    change.accept(d);
    return d.build();
  }

  /**
   * The PCH cache's parent directory: {@link #pchCacheDir} or this JVM's {@code java.io.tmpdir}.
   */
  Path pchCacheRoot() {
    return Paths.get(pchCacheDir != null ? pchCacheDir : System.getProperty("java.io.tmpdir"));
  }

  /** The flags hipcc gets (and the direct mode asks hipcc to plan with). */
  List<String> flags() {
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

  private static List<String> checkExtraFlags(List<String> flags) {
    Objects.requireNonNull(flags, "extraFlags");
    for (String f : flags) {
      if (f == null
          || !f.startsWith("-")
          || f.length() < 2
          || f.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "extraFlags: each flag must be one '-' argument, got: " + f);
      }
      for (String p : FORBIDDEN_FLAG_PREFIXES) {
        if (f.startsWith(p)) {
          throw new IllegalArgumentException(
              "extraFlags: " + f + " is not allowed (set by HipCompiler)");
        }
      }
    }
    return List.copyOf(flags);
  }

  /**
   * A config being changed by {@link HipCompilerConfig#with}: each setting starts as the config's
   * own, and the record's constructor checks what the change left.
   */
  public final class Draft {
    /** Device architectures to check, each a separate pass, e.g. {@code [gfx90a, gfx1100]}. */
    public List<String> offloadArchs = offloadArchs();

    /** The C++ standard, e.g. {@code c++17} or {@code gnu++20}. */
    public String std = std();

    /** How long one file's compiler passes may run before they are killed (category timeout). */
    public Duration timeout = timeout();

    /** The most compiler output kept per file, in bytes; the rest is read and dropped. */
    public int outputCap = outputCap();

    /**
     * Extra compiler flags, each one argument in joined form ({@code -DN=4}, {@code -Ipath}, {@code
     * -Werror}); flags that change the output or the language ({@code -o}, {@code -x}, {@code
     * -std=}, {@code --offload-arch}, ...) are refused because other settings own them.
     */
    public List<String> extraFlags = extraFlags();

    /**
     * {@link HipCompiler.Mode#DIRECT_CLANG_PCH} (default) or the {@link HipCompiler.Mode#HIPCC}
     * reference, slow but what the direct mode's verdicts are checked against.
     */
    public HipCompiler.Mode mode = mode();

    /**
     * Where the {@code hipforge-pch-<hash>} cache directory lives (kept absolute); null: {@code
     * java.io.tmpdir} of the JVM that compiles, which is what a config shipped to workers wants.
     */
    public Path pchCacheDir = pchCacheDir() == null ? null : Paths.get(pchCacheDir());

    /**
     * Forces a file's host and device passes to run at once ({@code true}) or one after another
     * ({@code false}); verdicts are the same either way. By default (null) they run at once only
     * while the JVM has fewer compiles in flight than cores to give each pass one: that halves the
     * latency of a lone compile, while under full load one-after-another is cheaper because a
     * failing host pass then skips the device passes (as hipcc does).
     */
    public Boolean parallelPasses = parallelPasses();

    /** The most preamble PCH sets built per JVM (default 32, ~1 GB of disk at most). */
    public int maxPreamblePchs = maxPreamblePchs();

    /**
     * Whether direct mode starts clang through a {@link ForkServer} (default true): a clang that
     * has already loaded its libraries forks per pass, saving ~20 ms of CPU per pass. Falls back to
     * starting clang normally when the server cannot be built or breaks; verdicts are the same.
     */
    public boolean forkServer = forkServer();

    /**
     * Whether a compile that succeeds also reports each kernel's resource usage per device
     * architecture ({@link CompileResult#resources}; default false). Direct mode only: each device
     * pass then generates code ({@code -S -o /dev/null}, what hipcc runs for {@code
     * --cuda-device-only -S}, at hipcc's {@code -O3}) instead of {@code -fsyntax-only}, and prints
     * the backend's {@code -Rpass-analysis=kernel-resource-usage} remarks ({@link
     * ResourceRemarks}); the host pass stays syntax-only. Verdicts stay those of {@code hipcc
     * -fsyntax-only}: a device pass that fails while generating code is run again syntax-only and
     * that run gives the verdict (so an error only code generation finds, e.g. too much LDS, leaves
     * the file compiled, without resources for that architecture). The {@link
     * HipCompiler.Mode#HIPCC} reference reports none.
     */
    public boolean resourceUsage = resourceUsage();

    private Draft() {}

    private HipCompilerConfig build() {
      return new HipCompilerConfig(
          offloadArchs,
          std,
          timeout,
          outputCap,
          extraFlags,
          mode,
          pchCacheDir == null ? null : pchCacheDir.toAbsolutePath().toString(),
          parallelPasses,
          maxPreamblePchs,
          forkServer,
          resourceUsage);
    }
  }
}
