package org.hipforge.io.util;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one list of things to release before this JVM exits, run on every way out: a normal end, an
 * error, a polite stop after a signal, a second Ctrl-C, or a plain {@code System.exit}.
 *
 * <p>Holders register an action under a name once (registering the same name again replaces it);
 * {@link #runAll} runs every action in registration order, each in its own try, and a JVM shutdown
 * hook runs them too, so they must be idempotent (kill what is alive, delete what exists). What
 * registers today: the HIP compiler subprocesses and their temp dirs ({@code io/hip}) and the
 * work-directory locks ({@code WorkLock}); a polite stop runs the list only after its drain, so no
 * other run takes the step while answers are still arriving.
 *
 * <pre>{@code
 * BeforeExit.register("HIP compilers", LiveCompilers::killAllAndClean);
 * }</pre>
 */
public final class BeforeExit {
  private static final Map<String, Runnable> ACTIONS = new LinkedHashMap<>();
  private static boolean hooked;

  private BeforeExit() {}

  /** Adds (or replaces) the action called {@code name}. */
  public static synchronized void register(String name, Runnable action) {
    ACTIONS.put(name, action);
    if (!hooked) {
      hooked = true;
      try {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(BeforeExit::runAll, "hipforge-before-exit"));
      } catch (IllegalStateException alreadyExiting) {
        // The JVM is shutting down: whoever exits calls runAll itself.
      }
    }
  }

  public static synchronized void unregister(String name) {
    ACTIONS.remove(name);
  }

  /**
   * Runs every registered action now; one that fails is reported on stderr and the rest still run.
   */
  public static void runAll() {
    List<Map.Entry<String, Runnable>> actions;
    synchronized (BeforeExit.class) {
      actions = new ArrayList<>(ACTIONS.entrySet());
    }
    for (Map.Entry<String, Runnable> a : actions) {
      try {
        a.getValue().run();
      } catch (Throwable t) {
        System.err.println("hipforge: before exit, '" + a.getKey() + "' failed: " + t);
      }
    }
  }
}
