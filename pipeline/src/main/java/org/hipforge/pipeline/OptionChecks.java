package org.hipforge.pipeline;

import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.options.PipelineOptions;
import org.hipforge.io.hip.HipToolchain;
import org.hipforge.io.hip.OffloadArchs;

/**
 * Every flag's value checked before a command starts work, so a wrong value is a usage error (exit
 * 2, one line naming the flag and its value) before the first paid call, never a failure after some
 * calls were paid for or a stack trace. The ranges are those the transforms accept (their {@code
 * withX()} checks the same bounds), said here once more in the user's words.
 */
final class OptionChecks {
  /** CallLlm's bound: one worker's window of requests in flight. */
  static final int MAX_IN_FLIGHT = 4096;

  /** Shards of a run's state: more files than this help no reader. */
  static final int MAX_SHARDS = 10_000;

  private OptionChecks() {}

  /**
   * {@code value} of {@code flag} ({@code dflt} when null), which must be one of {@code allowed}:
   * else a usage error listing them ("--mode must be 'sync' or 'batch', was 'x'").
   */
  static String oneOf(String flag, String value, String dflt, String... allowed) {
    String v = value == null ? dflt : value;
    if (List.of(allowed).contains(v)) {
      return v;
    }
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < allowed.length; i++) {
      names.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ");
      names.append('\'').append(allowed[i]).append('\'');
    }
    throw new UsageException(flag + " must be " + names + ", was '" + v + "'");
  }

  /**
   * The flags a command's options have, checked by {@link Main} before any command runs: the
   * numeric ranges, the parallelism, and that {@code --sourceDir} names a directory.
   */
  static void all(PipelineOptions o) {
    if (o instanceof LlmOptions) {
      LlmOptions l = (LlmOptions) o;
      range("--maxInFlight", l.getMaxInFlight(), 1, MAX_IN_FLIGHT);
      range("--numShards", l.getNumShards(), 1, MAX_SHARDS);
      range("--maxSourceBytes", l.getMaxSourceBytes(), 1, Integer.MAX_VALUE - 8);
      // --rateShare: CommandSupport.rateShare checks it, also before the first call.
    }
    if (o instanceof ExportOptions) {
      range("--shardRows", ((ExportOptions) o).getShardRows(), 1, Integer.MAX_VALUE);
    }
    if (o instanceof DemoOptions) {
      range("--simLatencyMs", ((DemoOptions) o).getSimLatencyMs(), 0, 600_000);
    }
    if (o instanceof SourceOptions) {
      sourceDir(((SourceOptions) o).getSourceDir());
    }
    Integer parallelism = parallelism(o);
    if (parallelism != null && parallelism != -1 && parallelism < 1) {
      throw new UsageException(
          "--parallelism must be >= 1 (or left out: the cores or the cluster's "
              + "slots), was "
              + parallelism);
    }
  }

  /**
   * A given {@code --sourceDir} must be an existing local directory (the commands read it with
   * java.nio).
   */
  static void sourceDir(String dir) {
    if (dir == null) {
      return;
    }
    java.nio.file.Path p;
    try {
      p = java.nio.file.Paths.get(dir);
    } catch (java.nio.file.InvalidPathException e) {
      throw new UsageException("--sourceDir=" + dir + " is not a path: " + e.getMessage());
    }
    if (!java.nio.file.Files.exists(p)) {
      throw new UsageException("--sourceDir=" + dir + ": no such directory");
    }
    if (!java.nio.file.Files.isDirectory(p)) {
      throw new UsageException("--sourceDir=" + dir + " is not a directory");
    }
  }

  /**
   * The HIP compiler, or a usage error saying it is missing and how to install it, then {@code
   * orElse} (what the command can do instead; empty when nothing).
   */
  static HipToolchain toolchain(String orElse) {
    return HipToolchain.detect()
        .orElseThrow(
            () ->
                new UsageException(
                    "no HIP compiler found (hipcc): install it with '"
                        + HipToolchain.INSTALL_HINT
                        + "'"
                        + orElse));
  }

  /**
   * The {@code --offloadArch} list by the one arch-list rule ({@link OffloadArchs}), each target
   * checked against the processors {@code toolchain}'s clang knows.
   */
  static List<String> offloadArchs(String text, HipToolchain toolchain) {
    try {
      return OffloadArchs.parse(text, toolchain);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--offloadArch: " + e.getMessage());
    } catch (RuntimeException e) {
      throw new UsageException(
          "cannot list the AMD GPU targets of " + toolchain.clang() + ": " + e.getMessage());
    }
  }

  private static void range(String flag, Number value, long min, long max) {
    if (value == null) {
      return;
    }
    long v = value.longValue();
    if (v < min || v > max) {
      throw new UsageException(
          String.format(Locale.ROOT, "%s must be in [%d, %d], was %s", flag, min, max, value));
    }
  }

  private static Integer parallelism(PipelineOptions o) {
    if (!o.getRunner().getSimpleName().toLowerCase(Locale.ROOT).contains("flink")) {
      return null;
    }
    try {
      return o.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class).getParallelism();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
