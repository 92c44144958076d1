package org.hipforge.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.hip.CompileResult;
import org.hipforge.io.hip.HipCompiler;
import org.hipforge.io.hip.HipCompilerConfig;
import org.hipforge.io.hip.HipToolchain;

/**
 * Measures how fast {@link HipCompiler} validates HIP files compared with plain {@code hipcc
 * -fsyntax-only}, and checks that both give the same verdict for every file.
 *
 * <p>Question: files per second, sequentially and on all cores, for plain hipcc and for the direct
 * clang + PCH mode, with 100 % identical verdicts? Inputs: every {@code .hip/.cpp/.cu} file under
 * the directory (default {@code examples/kernels}, from the checkout root), plus generated variants
 * so verdicts are mixed: each file with one identifier corrupted ({@code broken/...}) and every
 * third file with its {@code hip_runtime.h} include moved below the standard headers ({@code
 * reordered/...}, a different preamble). The direct mode uses a fresh PCH cache, so its cold pass
 * includes every PCH build. Exits with status 1 when any verdict differs.
 *
 * <p>How to run:
 *
 * <pre>
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar org.hipforge.benchmarks.ValidateBenchmark [dir]
 * </pre>
 */
public final class ValidateBenchmark {

  private static final Pattern IDENTIFIER = Pattern.compile("\\b[a-z][A-Za-z0-9_]*\\b");

  /** Words {@link #IDENTIFIER} matches that are no identifier to corrupt. */
  private static final Set<String> KEYWORDS =
      Set.of(
          ("if for while return int float double const unsigned void char auto bool true false"
                  + " struct class template typename static inline sizeof else do break continue"
                  + " long short signed size_t nullptr namespace using std extern constexpr"
                  + " volatile switch case default new delete this operator public private unroll"
                  + " pragma include define uint32_t uint64_t int64_t int32_t")
              .split(" "));

  private ValidateBenchmark() {}

  /** One source file to validate. */
  private record Source(String name, String code) {}

  /**
   * One timed pass over all sources. {@code childCpuSeconds} is the CPU time of the compiler
   * processes (from /proc/self/stat, so it includes hipcc's clang grandchildren); unlike wall time
   * it barely moves when other work shares the machine.
   */
  private record Pass(
      String label, List<CompileResult> results, double seconds, double childCpuSeconds) {
    double filesPerSecond() {
      return results.size() / seconds;
    }

    double cpuMsPerFile() {
      return childCpuSeconds * 1000 / results.size();
    }

    double medianMs() {
      long[] ms = results.stream().mapToLong(CompileResult::elapsedMs).sorted().toArray();
      return ms.length == 0 ? 0 : (ms[(ms.length - 1) / 2] + ms[ms.length / 2]) / 2.0;
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args.length > 0 ? args[0] : "examples/kernels");
    int cores = Runtime.getRuntime().availableProcessors();
    List<Source> sources = withVariants(read(dir));
    HipToolchain toolchain = HipToolchain.require();
    System.out.printf(
        "ValidateHip: %d files from %s (originals + broken/ + reordered/ variants)%n",
        sources.size(), dir);
    System.out.printf(
        "machine: %d cores, %s; toolchain: %s%n", cores, cpuModel(), toolchain.version());

    Path pchCache = Files.createTempDirectory("hipforge-bench-pch-");
    List<Pass> passes = new ArrayList<>();
    try (HipCompiler hipcc =
            HipCompiler.create(
                toolchain,
                HipCompilerConfig.defaults().with(c -> c.mode = HipCompiler.Mode.HIPCC));
        HipCompiler direct =
            HipCompiler.create(
                toolchain, HipCompilerConfig.defaults().with(c -> c.pchCacheDir = pchCache));
        HipCompiler directSerialPasses = direct.with(c -> c.parallelPasses = false)) {
      // direct and directSerialPasses share one plan (jobs, PCH cache, fork servers) per JVM.
      System.out.println("flags: " + direct.describe());
      Pass reference = timed("hipcc, sequential", hipcc, sources, 1);
      passes.add(reference);
      passes.add(timed("hipcc, " + cores + " at once", hipcc, sources, cores));

      long t0 = System.nanoTime();
      direct.prepare();
      double setup = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "direct mode one-time setup (probe hipcc, build 2 base PCH sets): %.2f s%n", setup);
      // One file at a time, the passes of each file run in parallel (HipCompiler's default then).
      passes.add(timed("direct+PCH, sequential, cold cache", direct, sources, 1));
      passes.add(timed("direct+PCH, sequential, warm", direct, sources, 1));
      passes.add(
          timed("direct+PCH, passes one after another, warm", directSerialPasses, sources, 1));
      passes.add(timed("direct+PCH, " + cores + " at once, warm", direct, sources, cores));
      try (HipCompiler directParallelPasses = direct.with(c -> c.parallelPasses = true)) {
        passes.add(
            timed(
                "direct+PCH, " + cores + " at once, passes forced parallel",
                directParallelPasses,
                sources,
                cores));
      }
      // Kernel resources on (HipCompilerConfig.Draft.resourceUsage): device passes generate code.
      try (HipCompiler res = direct.with(c -> c.resourceUsage = true);
          HipCompiler resSerial = directSerialPasses.with(c -> c.resourceUsage = true)) {
        passes.add(resourcePass(timed("resources on, sequential, warm", res, sources, 1)));
        passes.add(
            resourcePass(
                timed("resources on, passes one after another, warm", resSerial, sources, 1)));
        passes.add(
            resourcePass(timed("resources on, " + cores + " at once, warm", res, sources, cores)));
      }
      try (HipCompiler noForkServer = direct.with(c -> c.forkServer = false)) {
        noForkServer.prepare();
        passes.add(timed("direct+PCH, sequential, warm, no fork server", noForkServer, sources, 1));
      }

      report(sources, reference, passes, cores);
      boolean allAgree = true;
      for (Pass p : passes.subList(1, passes.size())) {
        allAgree &= agreement(sources, reference, p) == sources.size();
      }
      if (!allAgree) {
        System.exit(1);
      }
    } finally {
      deleteTree(pchCache);
    }
  }

  /** Prints how many compiled files got resources and how many kernel entries (all archs). */
  private static Pass resourcePass(Pass p) {
    long compiled = p.results().stream().filter(CompileResult::compiled).count();
    long withResources = p.results().stream().filter(r -> !r.resources().isEmpty()).count();
    long kernels = p.results().stream().mapToLong(r -> r.resources().size()).sum();
    System.out.printf(
        "    resources: %d of %d compiled files, %d kernel entries%n",
        withResources, compiled, kernels);
    return p;
  }

  private static Pass timed(String label, HipCompiler compiler, List<Source> sources, int threads)
      throws Exception {
    double cpu0 = childCpuSeconds();
    long t0 = System.nanoTime();
    List<CompileResult> results = new ArrayList<>(sources.size());
    if (threads == 1) {
      for (Source s : sources) {
        results.add(compiler.compile(s.name(), s.code()));
      }
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<CompileResult>> futures = new ArrayList<>();
        for (Source s : sources) {
          futures.add(pool.submit(() -> compiler.compile(s.name(), s.code())));
        }
        for (Future<CompileResult> f : futures) {
          results.add(f.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
    Pass p = new Pass(label, results, (System.nanoTime() - t0) / 1e9, childCpuSeconds() - cpu0);
    System.out.printf(
        "  %-45s %6.2f files/s  (%.1f s, median %.0f ms/file, compiler CPU %.0f ms/file)%n",
        label, p.filesPerSecond(), p.seconds(), p.medianMs(), p.cpuMsPerFile());
    return p;
  }

  private static void report(List<Source> sources, Pass reference, List<Pass> passes, int cores) {
    long good = reference.results().stream().filter(CompileResult::compiled).count();
    System.out.printf("%nverdicts (hipcc): %d compiled, %d failed%n", good, sources.size() - good);
    Map<String, Long> categories =
        reference.results().stream()
            .filter(r -> !r.compiled())
            .collect(
                Collectors.groupingBy(
                    CompileResult::category, LinkedHashMap::new, Collectors.counting()));
    System.out.println("failure categories (hipcc): " + categories);
    System.out.printf(
        "%n%-45s %8s %8s %8s %9s %8s %10s %12s%n",
        "pass", "files/s", "speedup", "median", "CPU/file", "CPU gain", "agreement", "same errors");
    for (Pass p : passes) {
      int agree = agreement(sources, reference, p);
      int sameErrors = 0;
      for (int i = 0; i < sources.size(); i++) {
        if (reference.results().get(i).firstErrors().equals(p.results().get(i).firstErrors())) {
          sameErrors++;
        }
      }
      System.out.printf(
          "%-45s %8.2f %7.1fx %6.0fms %7.0fms %7.1fx %9.1f%% %11.1f%%%n",
          p.label(),
          p.filesPerSecond(),
          p.filesPerSecond() / reference.filesPerSecond(),
          p.medianMs(),
          p.cpuMsPerFile(),
          reference.cpuMsPerFile() / p.cpuMsPerFile(),
          100.0 * agree / sources.size(),
          100.0 * sameErrors / sources.size());
    }
    System.out.println(
        "(speedup = files/s relative to sequential hipcc; CPU gain = hipcc compiler CPU per file"
            + " / this pass's; agreement = same compiled flag and category)");
    for (Pass p : passes.subList(1, passes.size())) {
      for (int i = 0; i < sources.size(); i++) {
        CompileResult a = reference.results().get(i);
        CompileResult b = p.results().get(i);
        if (!sameVerdict(a, b)) {
          System.out.printf(
              "DISAGREEMENT [%s] %s%n  hipcc:  %s %s%n  direct: %s %s%n",
              p.label(),
              sources.get(i).name(),
              a.category(),
              a.firstErrors(),
              b.category(),
              b.firstErrors());
        }
      }
    }
  }

  private static int agreement(List<Source> sources, Pass reference, Pass p) {
    int agree = 0;
    for (int i = 0; i < sources.size(); i++) {
      if (sameVerdict(reference.results().get(i), p.results().get(i))) {
        agree++;
      }
    }
    return agree;
  }

  private static boolean sameVerdict(CompileResult a, CompileResult b) {
    return a.compiled() == b.compiled() && Objects.equals(a.category(), b.category());
  }

  private static List<Source> read(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files =
          walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().matches(".*\\.(hip|cpp|cu|cc|cxx)$"))
              .sorted()
              .toList();
      List<Source> out = new ArrayList<>();
      for (Path f : files) {
        out.add(new Source(dir.relativize(f).toString().replace('\\', '/'), Files.readString(f)));
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException("no .hip/.cpp/.cu files under " + dir);
      }
      return out;
    }
  }

  /** The originals, then a broken copy of each, then every third file with a reordered preamble. */
  private static List<Source> withVariants(List<Source> originals) {
    List<Source> out = new ArrayList<>(originals);
    for (Source s : originals) {
      out.add(new Source("broken/" + s.name(), corruptOneIdentifier(s.name(), s.code())));
    }
    for (int i = 0; i < originals.size(); i += 3) {
      Source s = originals.get(i);
      String moved = moveRuntimeIncludeDown(s.code());
      if (!moved.equals(s.code())) {
        out.add(new Source("reordered/" + s.name(), moved));
      }
    }
    return out;
  }

  /**
   * Renames the second occurrence (after the first {@code __global__}) of one identifier that
   * occurs at least twice there, so a use no longer matches its declaration.
   */
  static String corruptOneIdentifier(String name, String code) {
    int from = Math.max(0, code.indexOf("__global__"));
    Matcher m = IDENTIFIER.matcher(code);
    Map<String, List<Integer>> positions = new LinkedHashMap<>();
    while (m.find(from)) {
      if (!KEYWORDS.contains(m.group())) {
        positions.computeIfAbsent(m.group(), k -> new ArrayList<>()).add(m.start());
      }
      from = m.end();
    }
    List<String> candidates =
        positions.entrySet().stream()
            .filter(e -> e.getValue().size() >= 2)
            .map(Map.Entry::getKey)
            .toList();
    if (candidates.isEmpty()) {
      return code + "\nint corrupted = not_declared_anywhere;\n";
    }
    String victim = candidates.get(Math.floorMod(name.hashCode(), candidates.size()));
    int at = positions.get(victim).get(1) + victim.length();
    return code.substring(0, at) + "_corrupted" + code.substring(at);
  }

  /** Moves the {@code hip_runtime.h} include below the last of the leading includes. */
  static String moveRuntimeIncludeDown(String code) {
    List<String> lines = new ArrayList<>(Arrays.asList(code.split("\n", -1)));
    int runtime = -1;
    int lastInclude = -1;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.startsWith("#include")) {
        if (l.contains("hip/hip_runtime.h") && runtime < 0) {
          runtime = i;
        }
        lastInclude = i;
      } else if (!l.isEmpty()
          && !l.startsWith("//")
          && !l.startsWith("/*")
          && !l.startsWith("*")
          && lastInclude >= 0) {
        break;
      }
    }
    if (runtime < 0 || runtime == lastInclude) {
      return code;
    }
    String line = lines.remove(runtime);
    lines.add(lastInclude, line);
    return String.join("\n", lines);
  }

  /**
   * CPU seconds (user + system) of this JVM's child processes: the reaped ones (cutime/cstime of
   * /proc/self/stat) plus the live ones with everything they reaped (HipCompiler's fork servers
   * stay alive and reap the compilers they fork). NaN off Linux.
   */
  private static double childCpuSeconds() {
    try {
      long ticks = statTicks("self", false);
      for (ProcessHandle h : ProcessHandle.current().children().toList()) {
        try {
          ticks += statTicks(Long.toString(h.pid()), true);
        } catch (IOException | RuntimeException gone) {
          // Exited between listing and reading: its time is in our cutime once reaped.
        }
      }
      return ticks / 100.0; // USER_HZ is 100 on every Linux this runs on
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static long statTicks(String pid, boolean includeOwn) throws IOException {
    String stat = Files.readString(Paths.get("/proc", pid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // After the command name the state is field 3, so utime..cstime (14..17) are at 11..14.
    long children = Long.parseLong(f[13]) + Long.parseLong(f[14]);
    return includeOwn ? children + Long.parseLong(f[11]) + Long.parseLong(f[12]) : children;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException ignored) {
      // Not Linux: the core count alone has to do.
    }
    return "unknown CPU";
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
