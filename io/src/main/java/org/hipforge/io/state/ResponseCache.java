package org.hipforge.io.state;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.hipforge.io.record.StateRecord;

/**
 * Answers already paid for, by prompt hash: loaded once per JVM from the journals, and filled as
 * new answers are journaled, so a retried bundle, a restarted job or a rerun after {@code kill -9}
 * never pays for the same prompt twice.
 *
 * <p>It holds every journaled answer of the step in memory (about the size of the journals): fine
 * for hundreds of thousands of tasks per worker; larger runs should rely on the anti-join.
 */
public final class ResponseCache {
  private static final ConcurrentHashMap<String, ResponseCache> BY_GLOB = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, StateRecord> byPrompt = new ConcurrentHashMap<>();
  private long malformedLines;

  private ResponseCache() {}

  /** The JVM's cache of the journals matching {@code glob}, loaded on first use. */
  public static ResponseCache forGlob(String glob) throws IOException {
    ResponseCache cache = BY_GLOB.get(glob);
    if (cache != null) {
      return cache;
    }
    synchronized (BY_GLOB) {
      cache = BY_GLOB.get(glob);
      if (cache == null) {
        cache = new ResponseCache();
        cache.load(glob);
        BY_GLOB.put(glob, cache);
      }
      return cache;
    }
  }

  /** An empty cache that reads nothing (tests, or {@code --responseCache=none}). */
  public static ResponseCache empty() {
    return new ResponseCache();
  }

  /** Drops every loaded cache (tests that run many pipelines in one JVM over new directories). */
  public static void clearLoaded() {
    BY_GLOB.clear();
  }

  private void load(String glob) throws IOException {
    StateFiles.readAll(List.of(glob), new StateFileReader.Sink() {
      @Override
      public void record(StateRecord r) {
        put(r);
      }

      @Override
      public void malformed(String file, long line, String reason, boolean torn) {
        malformedLines++;
      }
    });
  }

  /** Remembers a successful answer under its prompt hash (others are ignored). */
  public void put(StateRecord r) {
    if (r.pass() && r.promptSha256() != null) {
      byPrompt.merge(r.promptSha256(), r, StateRecord::latest);
    }
  }

  /** The journaled answer to this prompt, or null. */
  public StateRecord get(String promptSha256) {
    return byPrompt.get(promptSha256);
  }

  public int size() {
    return byPrompt.size();
  }
}
