package org.hipforge.io.util;

import java.util.concurrent.ThreadFactory;

/** Daemon threads for the background helpers that must never keep the JVM alive on their own. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Makes daemon threads all named {@code name} (for a single-thread executor). */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
