package org.hipforge.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.hipforge.io.state.WorkLayout;

/**
 * Where the engines' log of a run goes: {@code W/logs/<run-id>.log}, not the terminal.
 *
 * <p>Why: Flink and Beam log a failed task (a rejected key, a failed journal write) as 160-340
 * lines of stack trace on the console, before hipforge's one clear line says what happened and what
 * to do. From the command line a run's log records go to its file instead, the console keeps
 * hipforge's own warnings, and the closing error line names the file. {@code HIPFORGE_DEBUG=1}
 * keeps everything on the console. Only {@link Main#main} enables it: tests that call commands in
 * one JVM keep that JVM's logging.
 */
final class RunLog {
  private static volatile boolean enabled;
  private static volatile Path file;

  private RunLog() {}

  static void enable() {
    enabled = true;
  }

  /**
   * Starts sending this JVM's log records to the run's file (once; local work directories only).
   */
  static synchronized void start(WorkLayout layout, String runId) {
    if (!enabled || file != null || System.getenv("HIPFORGE_DEBUG") != null || !layout.isLocal()) {
      return;
    }
    Path target = WorkLayout.localPath(layout.runLog(runId));
    OutputStream out;
    try {
      Files.createDirectories(target.getParent());
      out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      return; // the console keeps the log: better than none
    }
    Handler toFile =
        new StreamHandler(out, new SimpleFormatter()) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush(); // a crash must not lose the record that explains it
          }
        };
    toFile.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        h.setFilter(r -> r.getLoggerName() != null && r.getLoggerName().startsWith("org.hipforge"));
      }
    }
    root.addHandler(toFile);
    file = target;
  }

  /** The run's log file, or null when the log stays on the console. */
  static Path file() {
    return file;
  }
}
