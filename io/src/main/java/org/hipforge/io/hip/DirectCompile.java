package org.hipforge.io.hip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One file checked in {@link HipCompiler.Mode#DIRECT_CLANG_PCH} mode: the plan's {@code -cc1} jobs
 * run on the file (with the PCH of its preamble, inside the sandbox, through the fork server when
 * there is one) in hipcc's order, the dependency lists checked, and the outcomes handed to {@link
 * Verdicts}. Made by {@link #compile} for one {@link HipCompiler#compile} call.
 *
 * @param config the compiler's configuration
 * @param plan the jobs and what they use
 * @param dir the private temp dir the file is in
 * @param rel the file's relative name
 * @param exec runs the output readers
 * @param overlay the sandbox's VFS overlay for this file
 * @param deadline when the passes are killed ({@link System#nanoTime})
 */
record DirectCompile(
    HipCompilerConfig config,
    CompilePlan plan,
    Path dir,
    String rel,
    ExecutorService exec,
    Path overlay,
    long deadline) {

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  /**
   * Compiles running their passes right now, in this JVM; drives the automatic pass parallelism.
   */
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();

  /** Writes {@code code} as {@code rel} in {@code dir} and compiles it. */
  static CompileResult compile(
      HipCompilerConfig config,
      CompilePlan plan,
      Path dir,
      String rel,
      String code,
      ExecutorService exec,
      Verdicts verdicts)
      throws IOException {
    Path file = dir.resolve(rel);
    PchCache.Entry pch = null;
    String text = code;
    if (plan.pch() != null) {
      Preamble pre = Preamble.of(code, rel, plan.quotedPreamble());
      pch = plan.pch().select(pre.headers(), exec);
      if (pch != null) {
        text = pre.withoutFirst(pch.headers().size());
      }
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Path overlay = plan.sandbox().writeOverlay(dir);
    // The timeout covers this file's compiler runs, not a one-off PCH build for its preamble.
    long deadline = System.nanoTime() + config.timeout().toNanos();
    DirectCompile run = new DirectCompile(config, plan, dir, rel, exec, overlay, deadline);
    List<BoundedProcess.Outcome> outs;
    IN_FLIGHT.incrementAndGet();
    try {
      outs = run.runJobs(pch);
      if (pch != null && rejectsPch(outs, pch)) {
        // A header changed since the PCH was built (or the file is damaged): drop it and check
        // this file the plain way, which gives the verdict hipcc would.
        plan.pch().invalidate(pch);
        Files.writeString(file, code, StandardCharsets.UTF_8);
        pch = null;
        outs = run.runJobs(null);
      }
      if (config.resourceUsage()) {
        outs = run.syntaxVerdictOfFailedCodegen(outs, pch);
      }
    } finally {
      IN_FLIGHT.decrementAndGet();
    }
    Optional<String> outside = run.readOutsideRoots(outs);
    if (outside.isPresent()) {
      return verdicts.failure(
          CompileResult.UNSAFE_INCLUDE,
          rel + ": the compiler read a file outside the include directories: " + outside.get());
    }
    return config.resourceUsage()
        ? verdicts.withResources(outs, plan.jobs(), dir, plan.pchDir())
        : verdicts.of(outs, dir, plan.pchDir());
  }

  /**
   * When the pass that failed generated code (a device pass with resource usage on), runs it again
   * syntax-only and puts that outcome in its place, so the verdict is the one {@code hipcc
   * -fsyntax-only} gives (an error that only code generation finds does not fail the file). Most
   * failures are in the host pass or fail both ways alike; this costs a second run only for a
   * device-only failure.
   */
  private List<BoundedProcess.Outcome> syntaxVerdictOfFailedCodegen(
      List<BoundedProcess.Outcome> outs, PchCache.Entry pch) throws IOException {
    int last = outs.size() - 1;
    if (last < 0
        || outs.get(last).ok()
        || outs.get(last).timedOut()
        || !plan.jobs().get(last).device()) {
      return outs;
    }
    BoundedProcess.Outcome o = startPass(plan.forkServer(), argv(last, pch, false)).await(deadline);
    if (o.exitCode() == ForkServer.SERVER_FAILED) {
      o = startPass(null, argv(last, pch, false)).await(deadline);
    }
    List<BoundedProcess.Outcome> fixed = new ArrayList<>(outs);
    fixed.set(last, o);
    if (o.ok()) {
      // The syntax check passed, so the passes after it (skipped or killed) still decide.
      for (int j = last + 1; j < plan.jobs().size(); j++) {
        BoundedProcess.Outcome next =
            startPass(plan.forkServer(), argv(j, pch, true)).await(deadline);
        fixed.add(next);
        if (!next.ok()) {
          return syntaxVerdictOfFailedCodegen(fixed, pch);
        }
      }
    }
    return fixed;
  }

  /**
   * Checks the dependency list of every pass that ran against the sandbox's roots, before the
   * verdict counts. A pass that succeeded must have written one; a failed pass may have none (clang
   * deletes it when a header was not found).
   */
  private Optional<String> readOutsideRoots(List<BoundedProcess.Outcome> outs) {
    for (int j = 0; j < outs.size(); j++) {
      BoundedProcess.Outcome o = outs.get(j);
      Path deps = depFile(j);
      if (o.timedOut() || (!o.ok() && !Files.exists(deps))) {
        continue;
      }
      Optional<String> bad = plan.sandbox().outsideRoots(deps, dir);
      if (bad.isPresent()) {
        return bad;
      }
    }
    return Optional.empty();
  }

  private Path depFile(int pass) {
    return dir.resolve(".hipforge-deps-" + pass + ".d");
  }

  /** Pass {@code j}'s arguments, with its PCH from {@code pch} when not null. */
  private List<String> argv(int j, PchCache.Entry pch, boolean resources) {
    return plan.jobs()
        .get(j)
        .forFile(dir, rel, pch == null ? null : pch.pchs().get(j), overlay, depFile(j), resources);
  }

  /**
   * Runs the passes in hipcc's order and stops at the first that fails, as the clang driver does
   * for HIP (a failed pass skips the remaining ones): the outcomes end with the failing pass, so
   * its errors are the ones hipcc would print. With parallel passes all start at once and the
   * passes after a failure are killed, which saves their CPU time. If a fork server breaks down
   * mid-run, the passes are run again with plainly started compilers.
   */
  private List<BoundedProcess.Outcome> runJobs(PchCache.Entry pch) throws IOException {
    List<BoundedProcess.Outcome> outs = runJobs(plan.forkServer(), pch);
    if (outs.stream().anyMatch(o -> o.exitCode() == ForkServer.SERVER_FAILED)) {
      outs = runJobs(null, pch);
    }
    return outs;
  }

  private List<BoundedProcess.Outcome> runJobs(ForkServer server, PchCache.Entry pch)
      throws IOException {
    int passes = plan.jobs().size();
    List<BoundedProcess.Outcome> outs = new ArrayList<>(passes);
    Boolean forced = config.parallelPasses();
    boolean parallel = forced != null ? forced : IN_FLIGHT.get() * passes <= CORES;
    if (!parallel) {
      for (int j = 0; j < passes; j++) {
        BoundedProcess.Outcome o =
            startPass(server, argv(j, pch, config.resourceUsage())).await(deadline);
        outs.add(o);
        if (!o.ok()) {
          break;
        }
      }
      return outs;
    }
    List<PassRun> running = new ArrayList<>(passes);
    try {
      for (int j = 0; j < passes; j++) {
        running.add(startPass(server, argv(j, pch, config.resourceUsage())));
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

  private PassRun startPass(ForkServer server, List<String> argv) throws IOException {
    long cpuSeconds = CompilerSandbox.cpuSeconds(config.timeout());
    if (server != null) {
      try {
        return server.start(argv, dir, config.outputCap(), cpuSeconds, exec);
      } catch (IOException | RuntimeException e) {
        // A server that cannot take the request is replaced next time; this pass starts clang.
      }
    }
    return BoundedProcess.start(
        CompilerSandbox.limited(argv, cpuSeconds), dir, HipToolchain.ENV, config.outputCap(), exec);
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
}
