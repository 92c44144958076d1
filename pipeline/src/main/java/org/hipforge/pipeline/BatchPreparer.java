package org.hipforge.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.llm.batch.BatchApi;
import org.hipforge.io.llm.batch.BatchLine;
import org.hipforge.io.state.BatchLedger;
import org.hipforge.transforms.LlmTask;

/**
 * The prompts a round of {@link BatchRun} collected, made into batches: each prompt once (not
 * journaled, not collected twice, not failed for good in this run), cut at the provider's limits
 * (requests and bytes per batch), each batch's task file and intent written to the {@link
 * BatchLedger} before anything is uploaded. Memory: 8 bytes per collected prompt hash and one
 * batch's task lines.
 */
final class BatchPreparer {
  private final BatchRun.Job job;
  private final String label;
  private final int maxLines;

  /**
   * Prompts whose line failed in a way a resend fails again (bad_request, ...): not resent by this
   * run.
   */
  private final Set<String> finalErrors;

  private long finalSkipped;

  BatchPreparer(BatchRun.Job job, int maxLines, Set<String> finalErrors) {
    this.job = job;
    this.label = job.step().dir();
    this.maxLines = maxLines;
    this.finalErrors = finalErrors;
  }

  /**
   * Prompts left out because their line failed for good earlier in this run (they stay pending).
   */
  long finalSkipped() {
    return finalSkipped;
  }

  /**
   * Reads round {@code r}'s collected tasks, drops those whose prompt is journaled or already
   * collected, and writes them as batches of at most the provider's limits: tasks file, then
   * intent. Returns the new batches' keys.
   */
  List<String> prepare(int r, String collectDir) throws IOException {
    Set<Long> seen = new HashSet<>();
    job.cache().refresh();
    int limitLines =
        maxLines > 0 ? Math.min(maxLines, job.api().maxRequests()) : job.api().maxRequests();
    long limitBytes = job.api().maxBytes();
    List<String> keys = new ArrayList<>();
    List<String> part = new ArrayList<>();
    long partBytes = 0;
    long torn = 0;
    for (Path f : collectFiles(collectDir)) {
      try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          LlmTask task;
          try {
            task = LlmTask.fromJson(line);
          } catch (MalformedLineException e) {
            torn++; // a collector killed mid-line: that task is collected again by a later round
            continue;
          }
          if (!seen.add(promptKey(task.promptSha256()))
              || job.cache().get(task.promptSha256()) != null) {
            continue;
          }
          if (finalErrors.contains(task.promptSha256())) {
            finalSkipped++; // its line failed for good this run: it stays pending, not bought again
            // now
            continue;
          }
          long size = job.api().encodedSize(line(job.api(), task));
          if (!part.isEmpty() && (part.size() >= limitLines || partBytes + size > limitBytes)) {
            keys.add(intent(r, keys.size(), part, partBytes));
            part = new ArrayList<>();
            partBytes = 0;
          }
          part.add(task.toJson());
          partBytes += size;
        }
      }
    }
    if (!part.isEmpty()) {
      keys.add(intent(r, keys.size(), part, partBytes));
    }
    if (torn > 0) {
      job.out().printf("%s: %d unreadable collected lines skipped%n", label, torn);
    }
    return keys;
  }

  private String intent(int r, int partNo, List<String> taskLines, long bytes) throws IOException {
    String key = job.runId() + "-r" + r + "-" + partNo;
    job.ledger().writeTasks(key, taskLines);
    job.ledger().intent(key, job.provider().name(), job.runId(), taskLines.size(), bytes);
    job.out()
        .printf(
            "%s: batch %s: %d prompts (%.1f MB) prepared%n",
            label, key, taskLines.size(), bytes / 1e6);
    BatchRun.crashPoint("after-intent");
    return key;
  }

  /** The lines of the collected files in {@code dir}. */
  static long countLines(String dir) throws IOException {
    long n = 0;
    for (Path f : collectFiles(dir)) {
      try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
        n += lines.count();
      }
    }
    return n;
  }

  /** Deletes a round's collect directory (its tasks are in the ledger's task files by then). */
  static void deleteDir(String dir) throws IOException {
    for (Path f : collectFiles(dir)) {
      Files.deleteIfExists(f);
    }
    Files.deleteIfExists(Paths.get(dir));
  }

  private static List<Path> collectFiles(String dir) throws IOException {
    Path d = Paths.get(dir);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  /** The batch line of a task: its custom id and the synchronous body. */
  static BatchLine line(BatchApi api, LlmTask t) throws IOException {
    return new BatchLine(customId(t), api.body(t.request()));
  }

  /**
   * A line's custom id: the task id and the first 40 hex digits of its prompt hash ({@code
   * t17_3f1c...}, at most 61 characters of [A-Za-z0-9_], Anthropic's rule): unique within a batch,
   * which holds one line per prompt.
   */
  static String customId(LlmTask t) {
    String h = t.promptSha256();
    return "t"
        + t.id()
        + "_"
        + (h.length() > 40 ? h.substring(0, 40) : h).replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private static long promptKey(String sha) {
    if (sha.length() >= 16) {
      try {
        return Long.parseUnsignedLong(sha.substring(0, 16), 16);
      } catch (NumberFormatException notHex) {
        // fall through
      }
    }
    return sha.hashCode() * 0x9E3779B97F4A7C15L;
  }
}
