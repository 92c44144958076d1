package org.hipforge.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hipforge.io.llm.CallGate;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.batch.BatchApiException;
import org.hipforge.io.llm.batch.BatchStatus;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.io.state.RunLedger;

/**
 * What a {@link BatchSettler} says: its status line per poll and the stop a Batch API failure is.
 */
final class BatchMessages {
  private BatchMessages() {}

  /**
   * One poll's status line: batch ids and states, request counts, age and ETA, answers journaled
   * and, when the provider is priced, the batch cost so far.
   */
  static String statusLine(
      String label,
      List<BatchLedger.Entry> open,
      Map<String, BatchStatus> now,
      long journaled,
      ProviderConfig provider,
      long batchIn,
      long batchOut) {
    Map<String, Integer> states = new TreeMap<>();
    long total = 0;
    long done = 0;
    long ok = 0;
    long errored = 0;
    long expired = 0;
    Instant oldest = null;
    List<String> ids = new ArrayList<>();
    for (BatchLedger.Entry e : open) {
      BatchStatus s = now.get(e.key);
      states.merge(s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
      total += Math.max(s.total(), e.requests);
      ok += s.succeeded();
      errored += s.errored();
      expired += s.expiredOrCanceled();
      done += s.succeeded() + s.errored() + s.expiredOrCanceled();
      Instant c = s.createdAt() != null ? s.createdAt() : e.createdAt;
      if (c != null && (oldest == null || c.isBefore(oldest))) {
        oldest = c;
      }
      if (ids.size() < 3) {
        ids.add(e.batchId);
      }
    }
    long ageS =
        oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).getSeconds());
    String eta =
        done > 0 && total > done && ageS > 0
            ? formatSeconds((long) ((total - done) * (double) ageS / done))
            : done >= total ? "0s" : "unknown";
    String s =
        String.format(
            Locale.ROOT,
            "%s: batches %s%s %s; requests %d: succeeded %d, errored %d, "
                + "expired/canceled %d, processing %d; age %s, ETA %s; answers journaled %d",
            label,
            ids,
            open.size() > ids.size() ? " +" + (open.size() - ids.size()) : "",
            states,
            total,
            ok,
            errored,
            expired,
            Math.max(0, total - done),
            formatSeconds(ageS),
            eta,
            journaled);
    if (RunLedger.priced(provider)) {
      s +=
          String.format(
              Locale.ROOT,
              ", batch cost so far $%.4f",
              RunLedger.batchCost(provider, batchIn, batchOut));
    }
    return s;
  }

  private static String formatSeconds(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }

  /**
   * A Batch API failure as the run's stop: the exit codes of the synchronous stops (auth 3, quota
   * 4, endpoint 5).
   */
  static RuntimeException stop(
      BatchApiException ex, String doing, Path ledgerDir, ProviderConfig provider) {
    String tail =
        " while "
            + doing
            + "; the ledger "
            + ledgerDir
            + " keeps every batch, run the same command "
            + "again to resume (nothing is created or paid twice)";
    CallGate.Kind kind = ex.getCause().category().runStop(true);
    if (kind == CallGate.Kind.AUTH) {
      return new CommandSupport.AuthStop(
          "auth: provider "
              + provider.name()
              + " rejected the Batch API request: "
              + ex.getMessage()
              + ". Set a valid key in the environment variable "
              + provider.apiKeyEnv()
              + tail);
    }
    if (kind == CallGate.Kind.QUOTA) {
      return new CommandSupport.ProviderStop("quota: " + ex.getMessage() + tail, Main.QUOTA);
    }
    if (kind == CallGate.Kind.ENDPOINT) {
      return new CommandSupport.ProviderStop(
          "endpoint: provider "
              + provider.name()
              + " has no usable Batch API "
              + "at base_url "
              + provider.baseUrl()
              + ": "
              + ex.getMessage()
              + tail,
          Main.ENDPOINT);
    }
    return new IllegalStateException(ex.getMessage() + tail);
  }
}
