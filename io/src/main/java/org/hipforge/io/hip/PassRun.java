package org.hipforge.io.hip;

/**
 * A started compiler run (a plain subprocess or a fork-server child) whose outcome can be awaited.
 */
interface PassRun {

  /**
   * Waits until the run ends or {@code deadlineNanos} (a {@link System#nanoTime} value) passes, in
   * which case the run is killed and reported as timed out.
   */
  BoundedProcess.Outcome await(long deadlineNanos);
}
