package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.batch.BatchApi;
import org.hipforge.io.llm.batch.BatchStatus;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.WorkLayout;

/**
 * {@code hipforge batches --workDir=W [--cancel]}: the provider batches of the work directory, as
 * the ledger ({@link BatchLedger}) has them, with the live state of those not finished asked from
 * the provider; {@code --cancel} asks the provider to cancel those still running.
 *
 * <p>Writes nothing: the next describe/generate run (either mode) polls a cancelled batch to its
 * end and journals the answers it finished before the cancel (they are billed); its other tasks
 * stay pending. Takes no lock, like {@code status}.
 */
final class BatchesCommand {
  private BatchesCommand() {}

  static void run(BatchesOptions o, PrintStream out) throws IOException {
    if (o.getWorkDir() == null) {
      throw new UsageException("needs --workDir=DIR (the dataset's work directory)");
    }
    WorkLayout layout = new WorkLayout(o.getWorkDir());
    boolean cancel = Boolean.TRUE.equals(o.getCancel());
    Map<String, BatchApi> apis = new HashMap<>();
    int cancelled = 0;
    int listed = 0;
    try {
      for (WorkLayout.Step step : WorkLayout.Step.values()) {
        BatchLedger ledger = BatchLedger.read(layout, step);
        List<BatchLedger.Entry> entries = ledger.entries();
        if (entries.isEmpty()) {
          continue;
        }
        out.printf("== %s (%s)%n", step.dir(), ledger.dir());
        out.printf(
            "%-28s %-36s %-10s %8s  %s%n", "batch", "provider id", "provider", "requests", "state");
        for (BatchLedger.Entry e : entries) {
          listed++;
          String state = describe(e);
          if (e.phase == BatchLedger.Phase.CREATED) {
            BatchApi api = api(o, e, apis, cancel);
            if (api != null) {
              BatchStatus s = api.status(e.batchId);
              state = live(s);
              if (cancel && !s.state().terminal() && s.state() != BatchStatus.State.CANCELLING) {
                api.cancel(e.batchId);
                cancelled++;
                state += "; cancel requested";
              }
            }
          }
          out.printf(
              "%-28s %-36s %-10s %8d  %s%n",
              e.key,
              e.batchId == null ? "-" : e.batchId,
              e.provider == null ? "-" : e.provider,
              e.requests,
              state);
        }
      }
    } finally {
      for (BatchApi a : apis.values()) {
        a.close();
      }
    }
    if (listed == 0) {
      out.println(
          "batches: none in " + layout.root() + " (describe/generate --mode=batch create them)");
      return;
    }
    if (cancel) {
      out.printf(
          "batches: cancel requested for %d running batches; the next describe/generate run journals "
              + "the answers they finished before it (billed) and leaves the rest pending%n",
          cancelled);
    }
  }

  /** What the ledger alone says about a batch. */
  private static String describe(BatchLedger.Entry e) {
    switch (e.phase) {
      case INTENT:
        return "prepared, not sent (the next run sends it)";
      case UPLOADED:
        return "input uploaded, not created (the next run creates it)";
      case CREATED:
        return "created " + e.createdAt + ", not finished (the next run polls it)";
      case ENDED:
      default:
        return String.format(
            Locale.ROOT,
            "%s at %s: succeeded %d, errored %d, expired/canceled %d; answers " + "journaled %d",
            e.endState == null ? "ended" : e.endState.toLowerCase(Locale.ROOT),
            e.endedAt,
            e.succeeded,
            e.errored,
            e.expiredOrCanceled,
            e.journaled);
    }
  }

  private static String live(BatchStatus s) {
    return String.format(
        Locale.ROOT,
        "%s (provider): succeeded %d, errored %d, expired/canceled %d, processing %d "
            + "of %d; created %s",
        s.state().name().toLowerCase(Locale.ROOT),
        s.succeeded(),
        s.errored(),
        s.expiredOrCanceled(),
        s.processing(),
        s.total(),
        s.createdAt());
  }

  /**
   * The Batch API of the provider a batch was made with, from {@code --config}; null (the ledger
   * alone is shown) when there is no config file, unless {@code --cancel} needs it.
   */
  private static BatchApi api(
      BatchesOptions o, BatchLedger.Entry e, Map<String, BatchApi> apis, boolean cancel) {
    String name = e.provider == null ? o.getModelName() : e.provider;
    if (apis.containsKey(name)) {
      return apis.get(name);
    }
    BatchApi api = null;
    if (Files.isRegularFile(Paths.get(o.getConfig()))) {
      o.setModelName(name);
      ProviderConfig provider = CommandSupport.loadProvider(o);
      api = BatchApi.forProvider(provider);
    } else if (cancel) {
      throw new UsageException(
          "--cancel needs the provider config the batches were made with (--config=FILE; "
              + o.getConfig()
              + " does not exist)");
    }
    apis.put(name, api);
    return api;
  }
}
