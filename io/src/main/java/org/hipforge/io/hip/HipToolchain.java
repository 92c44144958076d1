package org.hipforge.io.hip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The installed HIP compiler: where {@code hipcc} and the clang it drives live, and their versions.
 *
 * <p>{@code HipToolchain.detect()} looks at the {@code hipforge.hipcc} system property, the {@code
 * HIPFORGE_HIPCC} environment variable, the {@code PATH} and {@code /opt/rocm/bin}, in that order;
 * {@link #require()} turns "not found" into an exception carrying {@link #INSTALL_HINT}. Every
 * command runs with {@code HIP_PLATFORM=amd}: without it hipcc picks nvcc whenever one is installed
 * and then fails on AMD targets.
 *
 * @param hipcc the hipcc wrapper script
 * @param clang the clang binary hipcc runs (its {@code -cc1} jobs are what direct mode calls)
 * @param hipVersion the HIP version, e.g. {@code 5.2.21153-0}
 * @param clangVersion the first line of {@code clang --version}, e.g. {@code Debian clang version
 *     15.0.6}
 */
public record HipToolchain(Path hipcc, Path clang, String hipVersion, String clangVersion) {

  /** How to get a compile-only HIP toolchain; no GPU is needed. */
  public static final String INSTALL_HINT = "sudo apt-get install -y hipcc (Debian/Ubuntu)";

  /** Environment every HIP command gets; see the class comment for why. */
  static final Map<String, String> ENV = Map.of("HIP_PLATFORM", "amd");

  /** Detection runs a few small commands (~0.3 s in all); this only guards against a hang. */
  private static final long DETECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Enough for {@code -###} output with a handful of offload architectures. */
  private static final int PROBE_OUTPUT_CAP = 1 << 20;

  private static final String PROBE_FILE = "probe.hip";

  /** Each clang's processors, listed on first use: the list never changes while the JVM runs. */
  private static final Map<Path, List<String>> SUPPORTED = new ConcurrentHashMap<>();

  public HipToolchain {
    Objects.requireNonNull(hipcc, "hipcc");
    Objects.requireNonNull(clang, "clang");
    Objects.requireNonNull(hipVersion, "hipVersion");
    Objects.requireNonNull(clangVersion, "clangVersion");
  }

  /**
   * Finds hipcc and describes it, or returns empty when none is installed.
   *
   * @throws IllegalStateException when a hipcc is found but does not work
   */
  public static Optional<HipToolchain> detect() {
    return findHipcc().map(HipToolchain::at);
  }

  /**
   * Like {@link #detect()} but fails with the install hint when no hipcc is installed.
   *
   * @throws IllegalStateException when hipcc is missing or does not work
   */
  public static HipToolchain require() {
    return detect()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "No HIP compiler found: hipcc is not on the PATH, in /opt/rocm/bin, or named by"
                        + " -Dhipforge.hipcc / HIPFORGE_HIPCC. Install it with: "
                        + INSTALL_HINT));
  }

  /**
   * Describes the hipcc at {@code hipcc}.
   *
   * @throws IllegalStateException when it cannot be run or its output is not understood
   */
  public static HipToolchain at(Path hipcc) {
    if (!Files.isExecutable(hipcc)) {
      throw new IllegalStateException(
          "hipcc is not an executable file: " + hipcc + "; " + INSTALL_HINT);
    }
    return probe(
        "detect",
        hipcc,
        (dir, readers) -> {
          String hipVersion = hipVersion(hipcc, dir, readers);
          List<List<String>> jobs =
              probeJobs(
                  hipcc,
                  List.of("--offload-arch=gfx90a", "-fsyntax-only", "-x", "hip"),
                  dir,
                  readers);
          Path clang = Paths.get(jobs.get(0).get(0));
          BoundedProcess.Outcome v =
              BoundedProcess.run(
                  List.of(clang.toString(), "--version"), dir, ENV, 64 * 1024, deadline(), readers);
          if (!v.ok()) {
            throw new IllegalStateException(clang + " --version failed: " + v.output().strip());
          }
          String clangVersion =
              v.output().strip().lines().findFirst().orElse("clang (unknown version)");
          return new HipToolchain(hipcc, clang, hipVersion, clangVersion);
        });
  }

  /**
   * The string stored with every verdict, e.g. {@code HIP 5.2.21153-0 / Debian clang version
   * 15.0.6}.
   */
  public String version() {
    return "HIP " + hipVersion + " / " + clangVersion;
  }

  @Override
  public String toString() {
    return version() + " (" + hipcc + ", " + clang + ")";
  }

  /**
   * Asks hipcc which clang {@code -cc1} jobs it would run for {@code flags} on a file named {@value
   * #PROBE_FILE} in {@code dir}; each job is returned as its argument list.
   */
  List<List<String>> cc1Jobs(List<String> flags, Path dir, ExecutorService readers)
      throws IOException {
    return probeJobs(hipcc, flags, dir, readers);
  }

  static String probeFileName() {
    return PROBE_FILE;
  }

  private static List<List<String>> probeJobs(
      Path hipcc, List<String> flags, Path dir, ExecutorService readers) throws IOException {
    Files.writeString(dir.resolve(PROBE_FILE), "");
    List<String> argv = new ArrayList<>();
    argv.add(hipcc.toString());
    argv.add("-###");
    argv.addAll(flags);
    argv.add(PROBE_FILE);
    BoundedProcess.Outcome o =
        BoundedProcess.run(argv, dir, ENV, PROBE_OUTPUT_CAP, deadline(), readers);
    List<List<String>> jobs = new ArrayList<>();
    for (String line : o.output().split("\n")) {
      if (line.startsWith(" \"")) {
        jobs.add(parseQuotedArgs(line));
      }
    }
    if (!o.ok() || jobs.isEmpty()) {
      throw new IllegalStateException(
          "hipcc -### "
              + String.join(" ", flags)
              + " did not list compile jobs (exit "
              + o.exitCode()
              + "): "
              + o.output().strip());
    }
    return jobs;
  }

  /**
   * Parses one {@code -###} job line: every argument is in double quotes, with {@code \}, {@code "}
   * and {@code $} escaped by a backslash (llvm::sys::printArg).
   */
  static List<String> parseQuotedArgs(String line) {
    List<String> args = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (c == ' ') {
        i++;
        continue;
      }
      if (c != '"') {
        throw new IllegalArgumentException("unquoted argument at " + i + " in: " + line);
      }
      StringBuilder arg = new StringBuilder();
      i++;
      while (i < n && line.charAt(i) != '"') {
        if (line.charAt(i) == '\\' && i + 1 < n) {
          i++;
        }
        arg.append(line.charAt(i));
        i++;
      }
      i++; // closing quote
      args.add(arg.toString());
    }
    return args;
  }

  private static String hipVersion(Path hipcc, Path dir, ExecutorService readers)
      throws IOException {
    Path hipconfig = hipcc.resolveSibling("hipconfig");
    if (Files.isExecutable(hipconfig)) {
      BoundedProcess.Outcome o =
          BoundedProcess.run(
              List.of(hipconfig.toString(), "--version"), dir, ENV, 64 * 1024, deadline(), readers);
      String v = o.output().strip();
      if (o.ok() && !v.isEmpty() && !v.contains("\n")) {
        return v;
      }
    }
    // hipcc --version alone runs rocm_agent_enumerator (which fails without a GPU); naming an
    // architecture skips that.
    BoundedProcess.Outcome o =
        BoundedProcess.run(
            List.of(hipcc.toString(), "--version", "--offload-arch=gfx90a"),
            dir,
            ENV,
            64 * 1024,
            deadline(),
            readers);
    for (String line : o.output().split("\n")) {
      if (line.startsWith("HIP version:")) {
        return line.substring("HIP version:".length()).strip();
      }
    }
    throw new IllegalStateException(
        "could not read the HIP version from " + hipcc + ": " + o.output());
  }

  /**
   * The AMD GPU processors this toolchain's clang knows ({@code clang -target amdgcn-amd-amdhsa
   * --print-supported-cpus}, e.g. {@code gfx90a}): what {@code --offloadArch} is checked against
   * before any paid call ({@link OffloadArchs#parse(String, HipToolchain)}). Read-only; one small
   * process on first use (~0.3 s).
   *
   * @throws IllegalStateException when clang cannot list them
   */
  public List<String> offloadArchs() {
    List<String> known = SUPPORTED.get(clang);
    if (known != null) {
      return known;
    }
    known =
        probe(
            "archs",
            clang,
            (dir, readers) -> {
              BoundedProcess.Outcome o =
                  BoundedProcess.run(
                      List.of(
                          clang.toString(),
                          "-target",
                          "amdgcn-amd-amdhsa",
                          "-nogpulib",
                          "--print-supported-cpus"),
                      dir,
                      ENV,
                      64 * 1024,
                      deadline(),
                      readers);
              List<String> names = new ArrayList<>();
              boolean inList = false;
              for (String line : o.output().split("\n")) {
                if (line.startsWith("Available CPUs")) {
                  inList = true;
                } else if (inList && !line.isBlank()) {
                  String t = line.strip();
                  if (!Character.isWhitespace(line.charAt(0)) || t.contains(" ")) {
                    break; // the trailing "Use -mcpu ..." hint
                  }
                  names.add(t);
                }
              }
              if (!o.ok() || names.isEmpty()) {
                throw new IllegalStateException(
                    clang
                        + " --print-supported-cpus listed no AMD GPU (exit "
                        + o.exitCode()
                        + "): "
                        + o.output().strip());
              }
              return List.copyOf(names);
            });
    SUPPORTED.put(clang, known);
    return known;
  }

  /** What {@link #probe} runs: a few small commands in a private temp dir. */
  private interface Probe<T> {
    T run(Path dir, ExecutorService readers) throws IOException;
  }

  /**
   * Runs {@code probe} of {@code program} with its own reader threads and temp dir, then removes
   * both.
   */
  private static <T> T probe(String what, Path program, Probe<T> probe) {
    ExecutorService readers =
        Executors.newCachedThreadPool(HipCompiler.daemonThreads("hip-" + what));
    Path dir = null;
    try {
      dir = LiveCompilers.tempDir("hipforge-" + what + "-");
      return probe.run(dir, readers);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + program, e);
    } finally {
      readers.shutdownNow();
      if (dir != null) {
        LiveCompilers.remove(dir);
      }
    }
  }

  private static long deadline() {
    return System.nanoTime() + DETECT_TIMEOUT_NANOS;
  }

  private static Optional<Path> findHipcc() {
    String configured = System.getProperty("hipforge.hipcc");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("HIPFORGE_HIPCC");
    }
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Paths.get(configured));
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (d.isEmpty()) {
          continue;
        }
        Path candidate = Paths.get(d, "hipcc");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    Path rocm = Paths.get("/opt/rocm/bin/hipcc");
    return Files.isExecutable(rocm) ? Optional.of(rocm) : Optional.empty();
  }
}
