package org.hipforge.pipeline;

import java.util.Objects;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.CallLlm;
import org.hipforge.transforms.RecordFailures;
import org.hipforge.transforms.WriteDeadLetters;
import org.hipforge.transforms.WriteState;

/**
 * What the LLM part of a describe or generate pipeline needs, the same for both: the work directory
 * and step, the run, the provider and its prompt templates, calls in flight and this worker's rate
 * share, the state shards. The one home of how a step calls ({@link #callLlm}), records its
 * failures and writes its state; a batch round ({@link Round}) changes where prompts go and how the
 * round's shards are named. Made by {@link CommandSupport#calls}.
 */
public record CallSpec(
    WorkLayout layout,
    WorkLayout.Step step,
    String runId,
    ProviderConfig provider,
    PromptSet prompts,
    int maxInFlight,
    double rateShare,
    int numShards) {

  /**
   * Batch mode's round of a run: prompts not answered yet are collected into {@code collectDir}
   * instead of sent ({@link CallLlm#withCollect}), and the state shards are named {@code
   * part<shardSuffix>-*} so the rounds of one run do not overwrite each other's.
   */
  public record Round(String collectDir, String shardSuffix) {
    /** A synchronous run: every prompt is sent, the shards are {@code part-*}. */
    public static final Round SYNC = new Round(null, "");

    public Round {
      Objects.requireNonNull(shardSuffix, "shardSuffix");
    }
  }

  /**
   * The step's call, journaled (the journal is also the response cache); in a batch {@code round}
   * collecting instead of sending when {@code collect} (a repair round sent at once passes false).
   */
  CallLlm callLlm(Round round, boolean collect) {
    CallLlm call =
        CallLlm.to(provider, step)
            .withJournal(
                layout.journalDir(step, runId),
                layout.journalGlob(step),
                layout.journalReserveDir(step))
            .withRunId(runId)
            .withConcurrency(maxInFlight, rateShare);
    return collect && round.collectDir() != null ? call.withCollect(round.collectDir()) : call;
  }

  /** The failures of the run as state records. */
  RecordFailures recordFailures() {
    return RecordFailures.asRun(runId, provider.name(), provider.model());
  }

  /** The state shards of the run's {@code round} ({@code part<shardSuffix>-*}). */
  WriteState writeState(Round round) {
    return WriteState.to(layout.shardPrefix(step, runId) + round.shardSuffix())
        .withShards(numShards);
  }

  /** The run's dead letters: manifest or state lines that could not be read. */
  WriteDeadLetters writeDeadLetters() {
    return WriteDeadLetters.to(layout.deadLetterDir(step, runId));
  }
}
