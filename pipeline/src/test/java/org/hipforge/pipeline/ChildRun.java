package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code hipforge <args>} in a child JVM, as a user runs it: this JVM's java binary and test
 * classpath, the launcher's {@code --add-opens} list, {@link Main} as the entry point, stdout and
 * stderr together in one log file.
 */
final class ChildRun {
  /**
   * The Java 17 opens Flink and Beam need: the list of the {@code hipforge} launcher (JAVA_OPENS).
   */
  private static final List<String> OPENS =
      List.of(
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
              "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
              "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
              "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
              "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
              "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
              "--add-opens=java.sql/java.sql=ALL-UNNAMED");

  /** How often a wait looks again: short against the runs' seconds, long against a busy loop. */
  private static final long POLL_MS = 20;

  private ChildRun() {}

  /** A condition polled while a child runs (it may read files, hence the exception). */
  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Starts {@code hipforge <args>} with its output in {@code log}; the child shares this JVM's
   * process group.
   */
  static Process start(Path log, String... args) throws Exception {
    return launch(List.of(), List.of(), log, args);
  }

  /**
   * Starts {@code hipforge <args>} as the leader of its own process group ({@code setsid}), like a
   * shell job, with its temp directory ({@code java.io.tmpdir}) in {@code childTmp} so a test can
   * see the compile dirs it leaves.
   */
  static Process startInOwnGroup(Path childTmp, Path log, String... args) throws Exception {
    return launch(
        List.of("setsid"),
        List.of("-Djava.io.tmpdir=" + Files.createDirectories(childTmp)),
        log,
        args);
  }

  /**
   * Starts {@code hipforge <args>} with these JVM flags (a {@code -D} test hook) before the main
   * class.
   */
  static Process startWithJvmFlags(List<String> jvmFlags, Path log, String... args)
      throws Exception {
    return launch(List.of(), jvmFlags, log, args);
  }

  /** Starts {@code hipforge <args>} with {@code env} added to its environment (an API key). */
  static Process startWithEnv(java.util.Map<String, String> env, Path log, String... args)
      throws Exception {
    return launch(List.of(), List.of(), env, log, args);
  }

  private static Process launch(
      List<String> prefix, List<String> jvmFlags, Path log, String... args) throws Exception {
    return launch(prefix, jvmFlags, java.util.Map.of(), log, args);
  }

  private static Process launch(
      List<String> prefix,
      List<String> jvmFlags,
      java.util.Map<String, String> env,
      Path log,
      String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(OPENS);
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /**
   * Polls {@code until} while {@code child} is alive, for at most {@code seconds}; returns whether
   * it holds at the end (false when the child exited or the time ran out first).
   */
  static boolean awaitWhileAlive(Process child, long seconds, Check until) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!until.holds()) {
      if (!child.isAlive() || System.nanoTime() >= deadline) {
        return until.holds();
      }
      Thread.sleep(POLL_MS);
    }
    return true;
  }

  /**
   * Sends {@code signal} to the child JVM alone ({@code kill -SIG pid}), as a service manager does.
   */
  static void signal(Process child, String signal) throws Exception {
    kill("-" + signal, Long.toString(child.pid()));
  }

  /**
   * Sends {@code signal} to the whole process group led by {@code child} ({@code kill -SIG --
   * -pgid}).
   */
  static void signalGroup(Process child, String signal) throws Exception {
    kill("-" + signal, "--", "-" + child.pid());
  }

  private static void kill(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kill"));
    cmd.addAll(List.of(args));
    Process kill = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS), is(true));
    assertThat(String.join(" ", cmd), kill.exitValue(), is(0));
  }
}
