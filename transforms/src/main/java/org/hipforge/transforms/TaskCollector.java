package org.hipforge.transforms;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.hipforge.io.state.JournalWriter;

/**
 * {@link CallLlm}'s collect mode ({@link CallLlm#withCollect}): tasks the journal cannot answer are
 * appended to this worker's file of {@link LlmTaskJson} lines instead of being sent.
 */
final class TaskCollector implements AutoCloseable {
  private final String dir;
  private final JournalWriter writer;

  private TaskCollector(String dir, JournalWriter writer) {
    this.dir = dir;
    this.writer = writer;
  }

  /** A collector into {@code dir}, or null when {@code dir} is null (tasks are sent). */
  static TaskCollector openOrNull(String dir) {
    return dir == null ? null : new TaskCollector(dir, JournalWriter.open(dir));
  }

  /**
   * Writes {@code task} for a batch: it is not sent now and gets no record, so it stays pending.
   */
  void collect(LlmTask task) {
    try {
      writer.append(task.toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot collect task " + task.id() + " for a batch in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
