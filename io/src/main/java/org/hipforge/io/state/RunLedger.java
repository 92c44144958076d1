package org.hipforge.io.state;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.TokenMath;

/**
 * What one run paid for, read from its journal files: every answer the provider billed is one
 * journal line (also those later rejected by extraction or the compiler), so the sum of their
 * tokens is the run's bill, whichever worker, attempt or engine wrote them.
 *
 * <p>Why not the job's metrics: a failed attempt's metrics are lost when Flink restarts the job,
 * and a cluster client's own counters see no call at all; the journal sees every one. Reads {@link
 * WorkLayout#journalDir}{@code (step, runId)/*.jsonl} with {@link StateLineFeed} (bytes first,
 * Jackson only for lines the scanner leaves alone); torn or unreadable lines are counted, never
 * fatal.
 *
 * <p>Answers bought through a provider's Batch API ({@code --mode=batch}) are journaled in files
 * named {@value #BATCH_PREFIX}{@code *.jsonl} of the same directory; their tokens are also summed
 * apart ({@link #batchInputTokens}) and priced at the provider's {@code batch_discount}.
 *
 * <pre>{@code
 * RunLedger paid = RunLedger.read(layout, WorkLayout.Step.DESCRIBE, runId);
 * out.println(paid.summary(provider)); // 400 answers journaled, tokens in/out 52000/81000, cost $0.0564
 * }</pre>
 */
public final class RunLedger {
  /** Journal lines read as answers. */
  public final long answers;

  public final long inputTokens;
  public final long outputTokens;

  /** Lines that are not answers (torn by a crash, or damaged). */
  public final long unreadableLines;

  /** Of {@link #answers}, those bought through a Batch API; of the tokens, theirs. */
  public final long batchAnswers;

  public final long batchInputTokens;
  public final long batchOutputTokens;

  /**
   * The name prefix of journal files that hold Batch API answers (see {@code
   * JournalWriter.open(dir, prefix)}).
   */
  public static final String BATCH_PREFIX = "batch-";

  private RunLedger(long[] sums, long unreadableLines) {
    this.answers = sums[0];
    this.inputTokens = sums[1];
    this.outputTokens = sums[2];
    this.batchAnswers = sums[3];
    this.batchInputTokens = sums[4];
    this.batchOutputTokens = sums[5];
    this.unreadableLines = unreadableLines;
  }

  /** Reads run {@code runId}'s journals of {@code step}; an absent directory is an empty ledger. */
  public static RunLedger read(WorkLayout layout, WorkLayout.Step step, String runId)
      throws IOException {
    return readGlob(layout.runJournalGlob(step, runId));
  }

  /** Reads every journal file matching {@code glob}. */
  public static RunLedger readGlob(String glob) throws IOException {
    long[] sums = new long[6]; // answers, input tokens, output tokens; the same of batch answers
    StateLineFeed feed = new StateLineFeed(List.of(glob), StateLineFeed.LastLine.READ);
    feed.refresh(
        new StateLineFeed.Lines() {
          @Override
          public void fields(FlatLineScanner.StateFields f, int file, long offset) {
            add(f.inputTokens, f.outputTokens, file);
          }

          @Override
          public void record(StateRecord r, int file, long offset) {
            add(r.inputTokens(), r.outputTokens(), file);
          }

          private void add(long in, long out, int file) {
            sums[0]++;
            sums[1] = TokenMath.add(sums[1], in); // saturating: a usage of 1e30 must not wrap
            sums[2] = TokenMath.add(sums[2], out);
            String name = feed.file(file).getFilename();
            if (name != null && name.startsWith(BATCH_PREFIX)) {
              sums[3]++;
              sums[4] = TokenMath.add(sums[4], in);
              sums[5] = TokenMath.add(sums[5], out);
            }
          }
        });
    return new RunLedger(sums, feed.malformedLines() + feed.tornLines());
  }

  /**
   * Follows run {@code runId}'s journals of {@code step} while the run goes on: each {@link
   * Tail#refresh} reads only the lines written since the last one (whole lines only), so a client
   * can count a cluster's answers as the workers journal them.
   */
  public static Tail tail(WorkLayout layout, WorkLayout.Step step, String runId) {
    return new Tail(layout.runJournalGlob(step, runId));
  }

  /** A run's journal followed as it grows: answers, failed answers and tokens so far. */
  public static final class Tail {
    private final StateLineFeed feed;
    private long answers;
    private long failed;
    private long inputTokens;
    private long outputTokens;

    private Tail(String glob) {
      this.feed = new StateLineFeed(List.of(glob), StateLineFeed.LastLine.WAIT);
    }

    /** Reads the new lines; returns {answers, failed, input tokens, output tokens} so far. */
    public synchronized long[] refresh() throws IOException {
      feed.refresh(
          new StateLineFeed.Lines() {
            @Override
            public void fields(FlatLineScanner.StateFields f, int file, long offset) {
              add(f.pass, f.inputTokens, f.outputTokens);
            }

            @Override
            public void record(StateRecord r, int file, long offset) {
              add(r.pass(), r.inputTokens(), r.outputTokens());
            }
          });
      return new long[] {answers, failed, inputTokens, outputTokens};
    }

    private void add(boolean pass, long in, long out) {
      answers++;
      if (!pass) {
        failed++;
      }
      inputTokens = TokenMath.add(inputTokens, in);
      outputTokens = TokenMath.add(outputTokens, out);
    }
  }

  /**
   * The estimated cost at the provider's configured prices, batch tokens at {@code batch_discount}
   * times them; 0 when none are configured.
   */
  public double costUsd(ProviderConfig p) {
    return cost(p, inputTokens - batchInputTokens, outputTokens - batchOutputTokens)
        + batchCost(p, batchInputTokens, batchOutputTokens);
  }

  /**
   * The estimated cost of tokens bought through a Batch API: {@code batch_discount} times {@link
   * #cost}.
   */
  public static double batchCost(ProviderConfig p, long inputTokens, long outputTokens) {
    return cost(p, inputTokens, outputTokens) * p.batchDiscount();
  }

  /** The estimated cost of some tokens at the provider's configured prices (one home for it). */
  public static double cost(ProviderConfig p, long inputTokens, long outputTokens) {
    return inputTokens / 1e6 * p.inputPricePerMTok() + outputTokens / 1e6 * p.outputPricePerMTok();
  }

  /** True when the provider's config has prices, so a cost can be shown. */
  public static boolean priced(ProviderConfig p) {
    return p.inputPricePerMTok() > 0 || p.outputPricePerMTok() > 0;
  }

  /** e.g. {@code 400 answers journaled, tokens in/out 52000/81000, estimated cost $0.0564}. */
  public String summary(ProviderConfig p) {
    String s =
        String.format(
            Locale.ROOT,
            "%d answers journaled, tokens in/out %d/%d",
            answers,
            inputTokens,
            outputTokens);
    if (batchAnswers > 0) {
      s +=
          String.format(
              Locale.ROOT,
              " (%d through the Batch API, tokens in/out %d/%d)",
              batchAnswers,
              batchInputTokens,
              batchOutputTokens);
    }
    if (priced(p)) {
      s += String.format(Locale.ROOT, ", estimated cost $%.4f", costUsd(p));
      if (batchAnswers > 0) {
        s +=
            String.format(
                Locale.ROOT,
                " (batch tokens at %.0f%% of the synchronous price)",
                100 * p.batchDiscount());
      }
    }
    if (unreadableLines > 0) {
      s += ", " + unreadableLines + " unreadable journal lines";
    }
    return s;
  }
}
