package org.hipforge.transforms;

import java.io.IOException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.util.Progress;

/**
 * {@link CallLlm}'s ledger on one worker: the journal every billed answer is appended to (and
 * flushed) before anything else is done with it, and the response cache read back from every
 * journal, so a journaled prompt is never paid for again.
 */
final class CallJournal implements AutoCloseable {
  private final CallLlm.Configuration c;
  private final CallGate gate;
  private final JournalWriter writer;
  private final ResponseCache cache;

  private CallJournal(
      CallLlm.Configuration c, CallGate gate, JournalWriter writer, ResponseCache cache) {
    this.c = c;
    this.gate = gate;
    this.writer = writer;
    this.cache = cache;
  }

  /**
   * Opens this worker's journal (with its reserve, {@link CallLlm#reserveBytes}) and reads the
   * cache: here because each attempt of a restarted job makes new DoFn instances, and again in
   * {@link #lookup} before a paid call once it is 2 s old, so answers any worker journaled are not
   * paid for again.
   */
  static CallJournal open(CallLlm.Configuration c, CallGate gate) throws IOException {
    JournalWriter writer =
        JournalWriter.open(
            c.journal().dir(),
            c.journal().reserveDir(),
            CallLlm.reserveBytes(
                c.step(), c.concurrency().maxInFlight(), c.provider().maxTokens()));
    try {
      String glob = c.journal().cacheGlob();
      ResponseCache cache = glob == null ? ResponseCache.empty() : ResponseCache.forGlob(glob);
      return new CallJournal(c, gate, writer, cache);
    } catch (IOException | RuntimeException e) {
      writer.close();
      throw e;
    }
  }

  /**
   * The journaled answer to {@code task}'s prompt as this worker last read the journals, or null.
   */
  StateRecord cached(LlmTask task) {
    return cache.get(task.promptSha256());
  }

  /**
   * The same after reading the journals again when the last read is older than {@link
   * ResponseCache#REFRESH_MILLIS}: asked right before a paid call.
   */
  StateRecord lookup(LlmTask task) throws IOException {
    cache.refreshIfOlderThan(ResponseCache.REFRESH_MILLIS);
    return cached(task);
  }

  /**
   * What the journaled answer {@code cached} goes on as for {@code task}, asked again for nothing.
   */
  CallLlmFn.Done replay(LlmTask task, StateRecord cached) {
    StateRecord record = AnswerRecords.replay(c, task, cached);
    if (!task.isRepair()) { // a repair round is more work on a task already counted
      Progress.taskDone(record.pass());
    }
    return CallLlmFn.Done.of(task, record);
  }

  /**
   * Appends {@code record} (a billed answer) and flushes it; false when it could not be written,
   * which closes the run's gate ({@code JOURNAL_FAILED}). Written into the reserve (the disk is
   * full) it is journaled, and the gate closes too, so nothing more is sent.
   */
  boolean append(StateRecord record) {
    try {
      writer.append(StateRecordJson.toJson(record));
    } catch (IOException failed) {
      gate.count(CallGate.Tally.NOT_JOURNALED);
      String why = writer.failureDescription();
      gate.root()
          .close(
              CallGate.Kind.JOURNAL_FAILED,
              why != null ? why : JournalWriter.describe(c.journal().dir(), failed));
      return false;
    }
    gate.count(CallGate.Tally.JOURNALED);
    if (writer.failure() != null) {
      gate.root().close(CallGate.Kind.JOURNAL_FAILED, writer.failureDescription());
    }
    cache.put(record);
    return true;
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
