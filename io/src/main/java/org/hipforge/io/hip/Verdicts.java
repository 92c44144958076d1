package org.hipforge.io.hip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.hipforge.io.record.KernelResources;

/**
 * Turns the compiler's output for one file into its {@link CompileResult}: the category, the first
 * distinct error lines with the private temp dir and the PCH cache cut out of them, and (with
 * resource usage) each kernel's resources read from the device passes' remarks.
 */
final class Verdicts {

  /** Enough lines to show the cause and a follow-on error or two; more only repeat them. */
  private static final int MAX_ERROR_LINES = 5;

  private static final Pattern LOCATED_ERROR =
      Pattern.compile("^\\S.*?:\\d+:\\d+: (fatal )?error: .*");
  private static final Pattern ANY_ERROR =
      Pattern.compile("^(\\S.*?:\\d+:\\d+: |[\\w.+-]+: )?(fatal )?error: .*");

  private final String toolchainVersion;
  private final HipCompilerConfig config;
  private final long t0;

  /** Verdicts for one file whose check started at {@code t0} ({@link System#nanoTime}). */
  Verdicts(String toolchainVersion, HipCompilerConfig config, long t0) {
    this.toolchainVersion = toolchainVersion;
    this.config = config;
    this.t0 = t0;
  }

  /** A failure found without the compiler's output (an unsafe include, a compiler not started). */
  CompileResult failure(String category, String message) {
    return CompileResult.failure(category, message, toolchainVersion, elapsedMs(), false);
  }

  /**
   * The verdict of the passes' outcomes (in hipcc's order: host, then each device arch, ending at
   * the first failure); the error lines come from the failing pass, as in hipcc's output.
   */
  CompileResult of(List<BoundedProcess.Outcome> outs, Path dir, Path pchDir) {
    boolean timedOut = false;
    boolean ok = true;
    boolean truncated = false;
    StringBuilder all = new StringBuilder();
    int lastExit = 0;
    int cap = config.outputCap();
    for (BoundedProcess.Outcome o : outs) {
      timedOut |= o.timedOut();
      ok &= o.ok();
      truncated |= o.truncated();
      if (o.exitCode() != 0) {
        lastExit = o.exitCode();
      }
      if (all.length() < cap) {
        all.append(o.output());
        if (!o.output().endsWith("\n")) {
          all.append('\n');
        }
      } else {
        truncated |= !o.output().isEmpty();
      }
    }
    if (all.length() > cap) {
      all.setLength(cap);
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
    long ms = elapsedMs();
    if (timedOut) {
      String msg =
          "timed out after "
              + config.timeout().toMillis()
              + " ms"
              + (first.isEmpty() ? "" : "\n" + first);
      return CompileResult.failure(CompileResult.TIMEOUT, msg, toolchainVersion, ms, truncated);
    }
    if (ok) {
      return CompileResult.success(toolchainVersion, ms, truncated);
    }
    if (located) {
      return CompileResult.failure(
          CompileResult.COMPILE_ERROR, first, toolchainVersion, ms, truncated);
    }
    String msg = first.isEmpty() ? "compiler exited with " + lastExit + ": " + tail(output) : first;
    return CompileResult.failure(
        CompileResult.TOOLCHAIN_ERROR, msg, toolchainVersion, ms, truncated);
  }

  /**
   * As {@link #of}, for passes that printed kernel resource remarks: the remarks are read from each
   * device pass that succeeded with its whole output, and left out of the output the verdict reads,
   * so the verdict and error lines are those of syntax-only passes.
   */
  CompileResult withResources(
      List<BoundedProcess.Outcome> outs, List<Cc1Job> jobs, Path dir, Path pchDir) {
    List<KernelResources> resources = new ArrayList<>();
    List<BoundedProcess.Outcome> plain = new ArrayList<>(outs.size());
    for (int j = 0; j < outs.size(); j++) {
      BoundedProcess.Outcome o = outs.get(j);
      // A pass whose output was cut off may have lost kernels: no partial maxima for its arch.
      if (jobs.get(j).device() && o.ok() && !o.truncated()) {
        resources.addAll(ResourceRemarks.parse(o.output(), jobs.get(j).label()));
      }
      plain.add(
          new BoundedProcess.Outcome(
              o.exitCode(), ResourceRemarks.strip(o.output()), o.timedOut(), o.truncated()));
    }
    CompileResult r = of(plain, dir, pchDir);
    return r.compiled() && !resources.isEmpty()
        ? CompileResult.success(r.toolchainVersion(), r.elapsedMs(), r.outputTruncated(), resources)
        : r;
  }

  /** Replaces the private temp dir (and the PCH cache dir) so messages show only the file name. */
  static String sanitize(String text, Path dir, Path pchDir) {
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

  private long elapsedMs() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static String tail(String output) {
    String s = output.strip();
    return s.length() <= 500 ? s : "…" + s.substring(s.length() - 500);
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
}
