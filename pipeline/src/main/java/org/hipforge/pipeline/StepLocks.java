package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.state.WorkLock;

/** The one-writer lock of a command's step: taken early by Main, taken over by the command. */
final class StepLocks {
  private StepLocks() {}

  /** The lock {@link #lockEarly} took for this command; {@link #lockStep} takes it over. */
  private static WorkLock earlyLock;

  /**
   * describe, generate and validate take their step's lock here, before Beam's options start: that
   * start is seconds of CPU, so a second run is refused (exit 2), or starts waiting, at once
   * instead of after it. Returns the arguments with the run id the lock names ({@code --runId},
   * made now when absent, so the command uses the same). Takes nothing when the work directory has
   * no manifest (the command says so) or is not a local path (the command says the lock is not
   * enforced there).
   */
  static String[] lockEarly(String command, String[] args, PrintStream out) throws IOException {
    WorkLayout.Step step = stepOf(command);
    String workDir = RunnerDefaults.value(args, "workDir");
    if (step == null || workDir == null || workDir.isBlank()) {
      return args;
    }
    WorkLayout layout = new WorkLayout(workDir);
    if (!Files.exists(
        WorkLayout.localPath(layout.manifest()))) { // as requireManifest sees it (also: not local)
      return args;
    }
    String given = RunnerDefaults.value(args, "runId");
    String runId = RunIds.orNew(given);
    boolean wait = false;
    for (String a : args) {
      wait |= a.equals("--wait") || a.startsWith("--wait=") && !a.equalsIgnoreCase("--wait=false");
    }
    earlyLock = acquire(layout, step, runId, command, wait, out);
    if (given != null) {
      return args;
    }
    String[] withRunId = java.util.Arrays.copyOf(args, args.length + 1);
    withRunId[args.length] = "--runId=" + runId;
    return withRunId;
  }

  /** The step whose lock {@code command} takes: describe's, or generate's for validate too. */
  private static WorkLayout.Step stepOf(String command) {
    return command.equals("describe")
        ? WorkLayout.Step.DESCRIBE
        : command.equals("generate") || command.equals("validate")
            ? WorkLayout.Step.GENERATE
            : null;
  }

  /**
   * Releases what {@link #lockEarly} took when the command did not take it over (it failed first).
   */
  static void releaseEarly() {
    if (earlyLock != null) {
      earlyLock.close();
      earlyLock = null;
    }
  }

  /**
   * Takes the one-writer lock of {@code step} for this run before anything is counted or sent (or
   * takes over the one Main took for it): another live run holding it is a usage error (exit 2)
   * naming that run, unless {@code --wait}.
   */
  static WorkLock lockStep(
      RunOptions o,
      WorkLayout layout,
      WorkLayout.Step step,
      String command,
      String runId,
      PrintStream out)
      throws IOException {
    WorkLock early = earlyLock;
    if (early != null
        && early.file() != null
        && early.file().equals(WorkLock.lockPath(layout, step))) {
      earlyLock = null; // the command's try-with-resources releases it from here on
      return early;
    }
    return acquire(layout, step, runId, command, Boolean.TRUE.equals(o.getWait()), out);
  }

  /**
   * {@link WorkLock#acquire}, with a live holder and a work directory the lock cannot be written to
   * (read-only, full) both usage errors (exit 2) that say nothing was sent, as the journal's
   * preflight says.
   */
  private static WorkLock acquire(
      WorkLayout layout,
      WorkLayout.Step step,
      String runId,
      String command,
      boolean wait,
      PrintStream out) {
    try {
      return WorkLock.acquire(layout, step, runId, command, wait, out);
    } catch (WorkLock.HeldException e) {
      throw new UsageException(e.getMessage());
    } catch (IOException e) {
      throw new UsageException(
          "cannot write the lock "
              + layout.lockFile(step)
              + ", so no request was sent: "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + " (the work directory must be writable, with free space)");
    }
  }

  /** A command's run itself, as run {@code runId}, while it holds its step's lock. */
  @FunctionalInterface
  interface Locked<T, E extends Exception> {
    T run(String runId) throws E;
  }

  /**
   * Runs {@code body} as run {@code --runId} (made now when absent, and set on {@code o}) while it
   * holds the one-writer lock of {@code command}'s step ({@link #lockStep}), released when it
   * returns.
   */
  @SuppressWarnings("try") // the lock is held by the try, not used in it
  static <T, E extends Exception> T underLock(
      RunOptions o, WorkLayout layout, String command, PrintStream out, Locked<T, E> body)
      throws IOException, E {
    String runId = RunIds.orNew(o.getRunId());
    o.setRunId(runId);
    try (WorkLock lock = lockStep(o, layout, stepOf(command), command, runId, out)) {
      return body.run(runId);
    }
  }
}
