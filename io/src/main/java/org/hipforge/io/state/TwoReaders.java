package org.hipforge.io.state;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hipforge.io.util.DaemonThreads;

/**
 * Reads a {@link StateLineFeed}'s new parts on this thread and one more: the biggest files first,
 * each to whichever reader has less so far, each reader into its own {@link StateLineFeed.Lines}
 * (the caller merges them).
 */
final class TwoReaders {
  private TwoReaders() {}

  /** Whether a second thread pays: two files or more, {@code minBytes} in all, two cores. */
  static boolean worthIt(List<StateLineFeed.Part> parts, long minBytes) {
    long total = 0;
    for (StateLineFeed.Part p : parts) {
      total += p.bytes;
    }
    return parts.size() >= 2
        && total >= minBytes
        && Runtime.getRuntime().availableProcessors() >= 2;
  }

  /**
   * Reads {@code parts} into {@code a} (this thread) and {@code b} (another), counted in {@code
   * feed}.
   */
  static void read(
      StateLineFeed feed,
      List<StateLineFeed.Part> parts,
      StateLineFeed.Lines a,
      StateLineFeed.Lines b)
      throws IOException {
    List<StateLineFeed.Part> sorted = new ArrayList<>(parts);
    sorted.sort((x, y) -> Long.compare(y.bytes, x.bytes));
    List<StateLineFeed.Part> first = new ArrayList<>();
    List<StateLineFeed.Part> second = new ArrayList<>();
    long firstBytes = 0;
    long secondBytes = 0;
    for (StateLineFeed.Part p : sorted) {
      if (firstBytes <= secondBytes) {
        first.add(p);
        firstBytes += p.bytes;
      } else {
        second.add(p);
        secondBytes += p.bytes;
      }
    }
    StateLineFeed.Tally countedA = new StateLineFeed.Tally();
    StateLineFeed.Tally countedB = new StateLineFeed.Tally();
    ExecutorService pool =
        Executors.newSingleThreadExecutor(DaemonThreads.named("state-index-reader"));
    try {
      Future<?> other =
          pool.submit(
              () -> {
                feed.read(second, b, countedB);
                return null;
              });
      feed.read(first, a, countedA);
      await(other);
    } finally {
      pool.shutdownNow();
    }
    feed.count(countedA);
    feed.count(countedB);
  }

  private static void await(Future<?> other) throws IOException {
    try {
      other.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IOException(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading state", e);
    }
  }
}
