package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.JournalFailedException;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderRejectedKeyException;
import org.hipforge.io.llm.ProviderStopException;
import org.hipforge.io.state.JournalWriter;
import org.hipforge.io.state.RunLedger;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Progress;
import org.hipforge.transforms.CallLlm;

/** What the LLM commands share: loading the provider, running a pipeline, reporting. */
final class CommandSupport {
  private CommandSupport() {}

  static ProviderConfig loadProvider(ProviderOptions o) {
    ProviderConfig provider;
    try {
      provider = ProviderConfig.load(Paths.get(o.getConfig()), o.getModelName());
    } catch (IOException e) {
      throw new UsageException(e.getMessage());
    }
    try {
      provider.resolveApiKey(); // fail now, before any work, when the key variable is missing
    } catch (IllegalStateException e) {
      throw new UsageException(e.getMessage());
    }
    return provider;
  }

  static WorkLayout requireManifest(HipforgeOptions o) throws IOException {
    return requireManifest(o.getWorkDir());
  }

  static WorkLayout requireManifest(String workDir) throws IOException {
    if (workDir == null) {
      throw new UsageException("needs --workDir=DIR (the dataset's work directory)");
    }
    WorkLayout layout = new WorkLayout(workDir);
    if (!Files.exists(WorkLayout.localPath(layout.manifest()))) {
      throw new UsageException(
          "no manifest at "
              + layout.manifest()
              + ": run 'hipforge manifest "
              + "--sourceDir=DIR --workDir="
              + workDir
              + "' first");
    }
    // The strict read (a malformed line or a duplicate stops, named) is each command's one
    // streamed pass over the manifest (ManifestScan), not a list of every entry held here.
    return layout;
  }

  /**
   * This worker JVM's share of the provider's rpm/tpm. Explicit with --rateShare; otherwise 1 on
   * one machine (embedded Flink or the DirectRunner run every worker in this JVM) and 1/N on a
   * Flink cluster of N TaskManagers (asked from its REST API), so together they stay under the
   * provider's limit.
   */
  static double rateShare(LlmOptions o, PrintStream out) {
    double share = o.getRateShare() == null ? 0 : o.getRateShare();
    if (share < 0 || share > 1) {
      throw new UsageException("--rateShare must be in (0, 1], or 0 for automatic, was " + share);
    }
    if (share > 0) {
      return share;
    }
    String master = FlinkRest.clusterOf(o);
    if (master == null) {
      return 1.0;
    }
    int taskManagers;
    try {
      taskManagers = FlinkRest.overview(master).taskManagers();
    } catch (IOException e) {
      taskManagers = -1;
    }
    if (taskManagers < 1) {
      out.println(
          "rate limits: could not ask "
              + master
              + " how many TaskManagers it has; each "
              + "worker JVM takes the whole rpm/tpm budget (set --rateShare=1/N to split it)");
      return 1.0;
    }
    out.printf(
        "rate limits: %d TaskManagers, each takes 1/%d of the provider's rpm/tpm%n",
        taskManagers, taskManagers);
    return 1.0 / taskManagers;
  }

  /**
   * The job's name: {@code hipforge-<command>-<run-id>}, so the cluster's UI and REST API tell runs
   * apart.
   */
  static String jobName(String command, String runId) {
    return "hipforge-" + command + "-" + runId;
  }

  /**
   * Ends a run that has nothing to do: the status table (unless {@code --quiet}), its run manifest
   * done.
   */
  static StatusReport nothingToDo(
      LlmOptions o, StatusReport report, RunManifest manifest, PrintStream out) {
    if (!Boolean.TRUE.equals(o.getQuiet())) {
      out.print(report.table());
    }
    manifest.end("done", Main.OK, null);
    return report;
  }

  /** One line naming edited templates and their version; nothing for the built-in ones. */
  static void announcePrompts(String step, String promptDir, String version, PrintStream out) {
    if (promptDir != null && !promptDir.isBlank()) {
      out.printf(
          "%s: prompts from %s (%s)%n",
          step,
          promptDir,
          version == null ? "the same as the built-in ones" : "prompt_version " + version);
    }
  }

  /**
   * Starts the progress line: from this JVM's counters on one machine; on a Flink cluster, where
   * this JVM makes no call, from the job's metrics ({@link ClusterProgress}).
   */
  static void startProgress(
      PipelineOptions o,
      String step,
      long total,
      PrintStream out,
      ProviderConfig p,
      WorkLayout layout,
      String runId) {
    String master = FlinkRest.clusterOf(o);
    if (master != null) {
      // The counters of this JVM see no call: the job's Beam counters, summed by Flink's REST API.
      out.println(
          step
              + ": running on the Flink cluster at "
              + master
              + " as job "
              + o.getJobName()
              + " (web UI: http://"
              + master
              + "); progress from the run's journal and the job's counters");
      ClusterProgress remote =
          new ClusterProgress(
              master,
              step,
              o.getJobName(),
              total,
              p,
              RunLedger.tail(
                  layout,
                  step.equals("describe") ? WorkLayout.Step.DESCRIBE : WorkLayout.Step.GENERATE,
                  runId));
      Progress.startRemote(step, total, out, remote);
      return;
    }
    Progress.start(step, total, out);
    Progress.prices(p.inputPricePerMTok(), p.outputPricePerMTok());
    Progress.inFlightFrom(
        () -> CallGate.runs().stream().mapToLong(CallGate::requestsOnTheWire).sum());
  }

  /**
   * Proves, before any request, that run {@code runId}'s journal directory takes lines (creates it,
   * writes, forces and deletes a probe); a usage error naming the path and the reason if not. Also
   * removes journal reserves a killed run left behind (the command holds the work directory).
   */
  static void preflightJournal(WorkLayout layout, WorkLayout.Step step, String runId) {
    String dir = layout.journalDir(step, runId);
    try {
      JournalWriter.probe(dir);
      JournalWriter.removeStaleReserves(layout.journalReserveDir(step));
    } catch (IOException e) {
      throw new UsageException(
          "cannot write the journal, so no request was sent: "
              + e.getMessage()
              + " (the work directory must be writable, with free space)");
    }
  }

  /**
   * The calls of run {@code runId} of {@code step}, once its journal is proven to take lines
   * ({@link #preflightJournal}), with this worker's {@link #rateShare} and the flags of {@code o}.
   */
  static CallSpec calls(
      LlmOptions o,
      PrintStream out,
      WorkLayout layout,
      WorkLayout.Step step,
      String runId,
      ProviderConfig provider,
      PromptSet prompts) {
    preflightJournal(layout, step, runId);
    return new CallSpec(
        layout,
        step,
        runId,
        provider,
        prompts,
        o.getMaxInFlight(),
        rateShare(o, out),
        o.getNumShards());
  }

  /**
   * Runs a pipeline that calls the LLM as run {@code runId} of {@code step}, with the stops of
   * DESIGN.md "The ledger's invariants": a fresh {@link CallGate} for the run; a signal drains the
   * calls in flight and prints what was done, journaled and left ({@code pendingAfter} counts what
   * is left); a failed journal write ends the command with {@link JournalStop} (exit 1) once the
   * calls in flight had their chance to reach the journal.
   */
  @SuppressWarnings("try") // the scope is held, not read: closing it ends the stop window
  static PipelineResult runCalls(
      Pipeline p,
      String command,
      WorkLayout layout,
      WorkLayout.Step step,
      String runId,
      ProviderConfig provider,
      Callable<Long> pendingAfter,
      PrintStream out) {
    CallGate gate = CallGate.startRun(runId);
    // Once retries stop, no call in flight takes longer than one attempt (the provider's timeout).
    Duration drain = Duration.ofSeconds(provider.timeoutS() + 5);
    StopSignals.Report report =
        (kind, drained) ->
            stopSummary(command, layout, step, runId, provider, gate, pendingAfter.call(), drained);
    try (StopSignals.Scope scope = StopSignals.during(command, drain, report)) {
      PipelineResult result;
      try {
        result = runToEnd(p, out);
      } catch (RuntimeException e) {
        throw journalStopOr(gate, drain, e);
      }
      RuntimeException stop = journalStopOr(gate, drain, null);
      if (stop != null) {
        throw stop;
      }
      return result;
    } finally {
      CallGate.endRun(runId);
    }
  }

  /** A {@link JournalStop} when the run's journal failed (here or on a worker), else {@code e}. */
  private static RuntimeException journalStopOr(CallGate gate, Duration drain, RuntimeException e) {
    CallGate.Stop s = gate.stop();
    if (s != null && s.kind() == CallGate.Kind.JOURNAL_FAILED) {
      try {
        gate.awaitIdle(drain); // other workers' calls in flight still try to reach the journal
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      return new JournalStop(CallLlm.journalFailure(s.reason(), gate));
    }
    Throwable remote = e == null ? null : find(e, JournalFailedException.class);
    return remote != null ? new JournalStop(remote.getMessage()) : e;
  }

  /** What a stop prints once the calls in flight are drained. */
  static String stopSummary(
      String command,
      WorkLayout layout,
      WorkLayout.Step step,
      String runId,
      ProviderConfig provider,
      CallGate gate,
      long pendingAfter,
      boolean drained)
      throws IOException {
    RunLedger paid = RunLedger.read(layout, step, runId);
    String s =
        String.format(
            Locale.ROOT,
            "%s: stopped: %d tasks done in this run (%s); %d tasks left pending; "
                + "%d answers paid for but not journaled",
            command,
            Progress.done(),
            paid.summary(provider),
            pendingAfter,
            gate.total(CallGate.Tally.NOT_JOURNALED));
    if (!drained) {
      s +=
          "; calls still in flight at the deadline were dropped (paid for, asked again by the next run)";
    }
    return s;
  }

  /**
   * Runs the pipeline to the end; a rejected key, a spent quota or a wrong endpoint surface as one
   * clear message.
   */
  static PipelineResult runToEnd(Pipeline p, PrintStream out) {
    try {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      return result;
    } catch (RuntimeException e) {
      Throwable auth = find(e, ProviderRejectedKeyException.class);
      if (auth != null) {
        throw new AuthStop(auth.getMessage());
      }
      Throwable stop = find(e, ProviderStopException.class);
      if (stop != null) {
        throw new ProviderStop(stop.getMessage(), stopExitCode(stop.getMessage()));
      }
      throw e;
    } finally {
      Progress.stop();
      // A signal's stop is draining: it prints the summary and exits; no normal finish here.
      StopSignals.waitIfStopping();
    }
  }

  /**
   * The exit code of a provider stop, named by its message's label (quota 4, endpoint 5, wait 6).
   */
  static int stopExitCode(String message) {
    if (message.startsWith("quota:")) {
      return Main.QUOTA;
    }
    if (message.startsWith("endpoint:")) {
      return Main.ENDPOINT;
    }
    return message.startsWith("wait:") ? Main.WAIT : Main.FAILED;
  }

  static Throwable find(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return c;
      }
      if (c.getMessage() != null && c.getMessage().contains(type.getSimpleName())) {
        return new RuntimeException(
            c.getMessage()
                .substring(
                    c.getMessage().indexOf(type.getSimpleName()) + type.getSimpleName().length())
                .replaceFirst("^:\\s*", ""));
      }
    }
    return null;
  }

  /**
   * A journal write failed: the run stopped sending; exit 1 with the path, free space and counts.
   */
  static final class JournalStop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JournalStop(String message) {
      super(message);
    }
  }

  /**
   * The run stopped because the provider cannot answer any task (quota, endpoint): its exit code.
   */
  static final class ProviderStop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int exitCode;

    ProviderStop(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** The run stopped because the provider rejected the key. */
  static final class AuthStop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AuthStop(String message) {
      super(message);
    }
  }
}
