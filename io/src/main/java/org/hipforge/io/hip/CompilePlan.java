package org.hipforge.io.hip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * What direct mode runs for every file of one configuration: hipcc's {@code clang -cc1} jobs, the
 * PCH cache they use (null when PCHs do not apply), the fork server (null when off or not usable)
 * and the sandbox. Made once per configuration per JVM ({@link #of}) and shared by every {@link
 * HipCompiler} with that configuration, because making one probes hipcc and builds PCHs.
 *
 * @param jobs the passes in hipcc's order: host, then one per device architecture
 * @param pch the PCH cache, or null
 * @param quotedPreamble whether {@code #include "h"} lines may be part of a PCH'd preamble
 * @param forkServer the fork server, or null
 * @param sandbox what clang may read
 */
record CompilePlan(
    List<Cc1Job> jobs,
    PchCache pch,
    boolean quotedPreamble,
    ForkServer forkServer,
    CompilerSandbox sandbox) {

  /** One plan per configuration per JVM, shared by instances. */
  private static final ConcurrentHashMap<String, Holder> PLANS = new ConcurrentHashMap<>();

  /**
   * The plan for {@code config} on {@code toolchain}, made on first use.
   *
   * @throws UncheckedIOException or IllegalStateException when hipcc cannot be probed; a failed
   *     attempt is not remembered, so a later call retries
   */
  static CompilePlan of(HipToolchain toolchain, HipCompilerConfig config, ExecutorService exec) {
    String key =
        String.join(
            "\u0000",
            toolchain.hipcc().toString(),
            toolchain.version(),
            String.join(" ", config.flags()),
            config.pchCacheRoot().toString(),
            Integer.toString(config.maxPreamblePchs()),
            Boolean.toString(config.forkServer()));
    return PLANS.computeIfAbsent(key, k -> new Holder()).get(toolchain, config, exec);
  }

  /** The PCH cache directory, or null when PCHs do not apply (shown as {@code <pch-cache>}). */
  Path pchDir() {
    return pch == null ? null : pch.dir();
  }

  /** Creates a plan once; a failed attempt is not remembered, so a later call retries. */
  private static final class Holder {
    private CompilePlan plan;

    synchronized CompilePlan get(
        HipToolchain toolchain, HipCompilerConfig config, ExecutorService exec) {
      if (plan == null) {
        plan = create(toolchain, config, exec);
      }
      return plan;
    }
  }

  private static CompilePlan create(
      HipToolchain toolchain, HipCompilerConfig config, ExecutorService exec) {
    Path probeDir = null;
    try {
      probeDir = LiveCompilers.tempDir("hipforge-probe-");
      List<Cc1Job> jobs = new ArrayList<>();
      for (List<String> printed : toolchain.cc1Jobs(config.flags(), probeDir, exec)) {
        jobs.add(Cc1Job.fromProbe(printed, probeDir, HipToolchain.probeFileName()));
      }
      jobs = List.copyOf(jobs);
      // -iquote directories are searched for "..." includes only, so a quoted preamble include
      // could then resolve differently from the <...> form the PCH header uses.
      boolean quotedPreamble =
          config.extraFlags().stream().noneMatch(f -> f.startsWith("-iquote") || f.equals("-I-"));
      String fingerprint = fingerprint(toolchain, jobs);
      Path cacheDir = PchCache.openDir(config.pchCacheRoot(), fingerprint);
      Path clang = toolchain.clang();
      ForkServer server = null;
      if (config.forkServer()
          && jobs.stream().allMatch(j -> j.program().equals(clang.toString()))) {
        server = ForkServer.create(clang, cacheDir, fingerprint, exec);
      }
      CompilerSandbox sandbox = CompilerSandbox.forJobs(jobs, cacheDir);
      PchCache cache = null;
      if (jobs.stream().allMatch(Cc1Job::supportsPch)) {
        cache = new PchCache(cacheDir, jobs, fingerprint, config.maxPreamblePchs());
        if (cache.ensure(List.of(), exec) == null) {
          // Not even clang's wrapper precompiles: run the jobs without PCHs (still no wrapper
          // cost).
          cache = null;
        } else {
          cache.ensure(PchCache.HIP_RUNTIME, exec);
        }
      }
      return new CompilePlan(jobs, cache, quotedPreamble, server, sandbox);
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare the HIP compiler", e);
    } finally {
      if (probeDir != null) {
        LiveCompilers.remove(probeDir);
      }
    }
  }

  /** Names the toolchain and the jobs, so PCHs and fork servers of another one are never used. */
  private static String fingerprint(HipToolchain toolchain, List<Cc1Job> jobs) {
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
    return fp.toString();
  }
}
