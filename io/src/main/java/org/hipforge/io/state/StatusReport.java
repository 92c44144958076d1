package org.hipforge.io.state;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.util.TokenMath;

/**
 * Totals of one step's state, decided by {@link PendingRule} on a {@link StateIndex}: exactly what
 * the step's next run will work on.
 *
 * <p>Describe: every manifest entry (streamed, never held) against its latest describe record.
 * Generate: every latest describe record (generate's universe; it does not read the manifest)
 * against its latest generate record: ready (passed, with an instruction, selected), then never
 * tried, stale, failed or passed. Memory is the indexes', a few primitive fields per id.
 */
public final class StatusReport {
  public final WorkLayout.Step step;
  public long manifestSize;
  public long passed;
  public long failed;
  public final Map<String, Long> failedByCategory = new TreeMap<>();
  public long neverTried;
  public long stale;
  public long malformedLines;
  public long tornLines;
  public long stateLines;
  public long stateFiles;
  public long inputTokens;
  public long outputTokens;
  public long compiled;

  /** Generate: described tasks that --ids leaves out. */
  public long notInScope;

  /** Generate: selected described tasks generate can work from (passed, with an instruction). */
  public long ready;

  /** Generate: selected described tasks without a passed describe record or an instruction. */
  public long notReady;

  /**
   * Generate: current generations that compiled, by the repair round that compiled them (index 0:
   * the first answer; records without {@code round_verdicts} count as round 0).
   */
  private long[] compiledAtRound = new long[1];

  /**
   * Generate: the most repair rounds a current generation had; -1 when none had the repair loop.
   */
  public int maxRounds = -1;

  /**
   * Generate: failed tasks whose repair rounds are used up (a compile_error or no_code after at
   * least one repair round). They count in {@link #pending()}, but a rerun with the same {@code
   * --repairRounds} replays their rounds from the journal without a request; a higher one goes on.
   */
  public long repairsUsedUp;

  /** The first few malformed state lines, named by file and line. */
  public List<String> malformedExamples = List.of();

  /**
   * The prompt version the step's next run asks with ({@code PromptSet}; null: the built-in
   * templates): passed records made with another one are counted apart. Set by the command.
   */
  public String currentPromptVersion;

  // Passed tasks by their record's prompt-version number in versionIndex (0: built-in templates).
  private long[] passedByPromptVersion = new long[1];
  private StateIndex versionIndex;

  private StatusReport(WorkLayout.Step step) {
    this.step = step;
  }

  /** Tasks the next run of this step will work on: never tried, stale, or failed. */
  public long pending() {
    return neverTried + stale + failed;
  }

  /** Reads the manifest and every shard and journal of {@code step} (both steps' for generate). */
  public static StatusReport compute(WorkLayout layout, WorkLayout.Step step) throws IOException {
    if (step == WorkLayout.Step.DESCRIBE) {
      return describe(layout, StateIndex.describe(layout, false));
    }
    return generate(
        manifestSize(layout), StateIndex.describe(layout, true), StateIndex.generate(layout), null);
  }

  /**
   * The describe totals: the manifest streamed against the describe index (on two threads when it
   * is big, each counting its half).
   */
  public static StatusReport describe(WorkLayout layout, StateIndex described) throws IOException {
    List<StatusReport> parts = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    StatusReport s = new StatusReport(WorkLayout.Step.DESCRIBE);
    if (manifestExists(layout)) {
      s.manifestSize =
          ManifestScan.forEachInParallel(
              layout.manifest(),
              () -> {
                StatusReport part = new StatusReport(WorkLayout.Step.DESCRIBE);
                parts.add(part);
                return e -> part.countDescribe(described, e);
              });
    }
    for (StatusReport part : parts) {
      s.add(part);
    }
    s.counts(described);
    return s;
  }

  private void countDescribe(StateIndex described, ManifestScan.Entry e) {
    int slot = described.slotOf(e.id);
    switch (described.describe(e, slot)) {
      case NEW:
        neverTried++;
        break;
      case STALE:
        stale++;
        break;
      case FAILED:
        failed++;
        failedByCategory.merge(described.errorCategory(slot), 1L, Long::sum);
        break;
      default:
        passed++;
        countPromptVersion(described, slot);
        inputTokens = TokenMath.add(inputTokens, described.inputTokens(slot));
        outputTokens = TokenMath.add(outputTokens, described.outputTokens(slot));
        if (Boolean.TRUE.equals(described.compiled(slot))) {
          compiled++;
        }
    }
  }

  private void add(StatusReport o) {
    passed += o.passed;
    failed += o.failed;
    neverTried += o.neverTried;
    stale += o.stale;
    inputTokens = TokenMath.add(inputTokens, o.inputTokens);
    outputTokens = TokenMath.add(outputTokens, o.outputTokens);
    compiled += o.compiled;
    o.failedByCategory.forEach((k, v) -> failedByCategory.merge(k, v, Long::sum));
    for (int v = 0; v < o.passedByPromptVersion.length; v++) {
      if (o.passedByPromptVersion[v] != 0) {
        countPromptVersion(o.versionIndex, v, o.passedByPromptVersion[v]);
      }
    }
  }

  private void countPromptVersion(StateIndex index, int slot) {
    countPromptVersion(index, index.promptVersionNumber(slot), 1);
  }

  private void countPromptVersion(StateIndex index, int number, long n) {
    versionIndex = index; // one index per report: parts count on the one they share
    if (number >= passedByPromptVersion.length) {
      passedByPromptVersion =
          java.util.Arrays.copyOf(
              passedByPromptVersion, Math.max(number + 1, passedByPromptVersion.length * 2));
    }
    passedByPromptVersion[number] += n;
  }

  /**
   * Passed tasks whose record was made with another prompt version than {@link
   * #currentPromptVersion}.
   */
  public long passedWithOtherPrompt() {
    long other = 0;
    for (int v = 0; v < passedByPromptVersion.length; v++) {
      if (passedByPromptVersion[v] == 0) {
        continue;
      }
      String name = versionIndex.promptVersionName(v);
      if (!java.util.Objects.equals(name, currentPromptVersion)) {
        other += passedByPromptVersion[v];
      }
    }
    return other;
  }

  /**
   * The generate totals: each latest describe record ({@code ids} null: all selected) against the
   * generate index; both indexes must keep instructions. {@code manifestSize} is only shown.
   */
  public static StatusReport generate(
      long manifestSize, StateIndex described, StateIndex generated, Set<Long> ids) {
    StatusReport s = new StatusReport(WorkLayout.Step.GENERATE);
    s.manifestSize = manifestSize;
    for (int d = 0; d < described.size(); d++) {
      long id = described.id(d);
      boolean selected = ids == null || ids.contains(id);
      PendingRule.Outcome o = StateIndex.generate(described, d, selected, generated);
      switch (o) {
        case NOT_READY:
          if (selected) {
            s.notReady++;
          } else {
            s.notInScope++;
          }
          break;
        case NEW:
          s.neverTried++;
          break;
        case STALE:
          s.stale++;
          break;
        case FAILED:
          s.failed++;
          int f = generated.slotOf(id);
          s.failedByCategory.merge(generated.errorCategory(f), 1L, Long::sum);
          s.maxRounds = Math.max(s.maxRounds, generated.rounds(f));
          if (generated.rounds(f) >= 1 && ErrorCategory.repairable(generated.errorCategory(f))) {
            s.repairsUsedUp++;
          }
          break;
        default:
          int g = generated.slotOf(id);
          s.maxRounds = Math.max(s.maxRounds, generated.rounds(g));
          s.passed++;
          s.countPromptVersion(generated, g);
          s.inputTokens = TokenMath.add(s.inputTokens, generated.inputTokens(g));
          s.outputTokens = TokenMath.add(s.outputTokens, generated.outputTokens(g));
          if (Boolean.TRUE.equals(generated.compiled(g))) {
            s.compiled++;
            s.countCompiledAt(Math.max(0, generated.rounds(g)));
          }
      }
    }
    s.ready = s.neverTried + s.stale + s.failed + s.passed;
    s.counts(generated);
    return s;
  }

  private void countCompiledAt(int round) {
    if (round >= compiledAtRound.length) {
      compiledAtRound = java.util.Arrays.copyOf(compiledAtRound, round + 1);
    }
    compiledAtRound[round]++;
  }

  /**
   * Generate: current generations that compiled within {@code round} repair rounds (0: with the
   * first answer): the compile yield per round is this over {@link #tried()}. The one rule, used by
   * {@code status} and by the table every generate run prints.
   */
  public long compiledWithin(int round) {
    long n = 0;
    for (int r = 0; r <= round && r < compiledAtRound.length; r++) {
      n += compiledAtRound[r];
    }
    return n;
  }

  /** Generate: tasks with a current generation, passed or failed (the yield's denominator). */
  public long tried() {
    return passed + failed;
  }

  private void counts(StateIndex index) {
    StateLineFeed read = index.feed();
    malformedLines = read.malformedLines();
    tornLines = read.tornLines();
    stateLines = read.lines();
    stateFiles = read.files();
    malformedExamples = read.malformedExamples();
  }

  /** The number of manifest entries, read strictly and streamed ({@link ManifestScan}). */
  public static long manifestSize(WorkLayout layout) throws IOException {
    return forEachManifestEntry(layout, e -> {});
  }

  /** Streams the manifest strictly ({@link ManifestScan}); a missing manifest has no entries. */
  private static long forEachManifestEntry(WorkLayout layout, ManifestScan.Visitor v)
      throws IOException {
    return manifestExists(layout) ? ManifestScan.forEach(layout.manifest(), v) : 0;
  }

  private static boolean manifestExists(WorkLayout layout) throws IOException {
    List<MatchResult> m = FileSystems.match(List.of(layout.manifest()), EmptyMatchTreatment.ALLOW);
    return m.get(0).status() == MatchResult.Status.OK && !m.get(0).metadata().isEmpty();
  }

  /** The table people read at the end of a run and from {@code hipforge status}. */
  public String table() {
    boolean generate = step == WorkLayout.Step.GENERATE;
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-28s %10d%n", "manifest tasks", manifestSize));
    if (generate) {
      b.append(String.format("%-28s %10d%n", "ready (described, instructed)", ready));
    }
    b.append(String.format("%-28s %10d%n", step.dir() + " passed", passed));
    if (generate) {
      b.append(String.format("%-28s %10d%n", "  of which compiled", compiled));
    }
    long otherPrompt = passedWithOtherPrompt();
    if (otherPrompt > 0) {
      // Only when there are some: the tables of runs with one prompt version stay as they were.
      b.append(String.format("%-28s %10d%n", "  made with another prompt", otherPrompt));
    }
    if (generate && maxRounds >= 1) {
      // Only with the repair loop: the tables of runs without one stay as they were.
      b.append(String.format("%-28s %10d%n", "compile yield by round", tried()));
      for (int r = 0; r <= maxRounds; r++) {
        long n = compiledWithin(r);
        b.append(
            String.format(
                "  %-26s %10d %6.1f %%%n",
                r == 0 ? "first answer" : "after repair round " + r,
                n,
                tried() == 0 ? 0.0 : 100.0 * n / tried()));
      }
    }
    b.append(String.format("%-28s %10d%n", step.dir() + " failed", failed));
    for (Map.Entry<String, Long> e : failedByCategory.entrySet()) {
      b.append(String.format("  %-26s %10d%n", e.getKey(), e.getValue()));
    }
    b.append(String.format("%-28s %10d%n", "pending (never tried)", neverTried));
    b.append(
        String.format(
            "%-28s %10d%n",
            generate ? "stale (instruction/source)" : "stale (source changed)", stale));
    if (generate) {
      b.append(String.format("%-28s %10d%n", "not ready (describe failed)", notReady));
      if (notInScope > 0) {
        b.append(String.format("%-28s %10d%n", "not selected by --ids", notInScope));
      }
    }
    b.append(String.format("%-28s %10d%n", "next run will work on", pending()));
    if (generate && repairsUsedUp > 0) {
      // Said apart: with the same --repairRounds their rounds come back from the journal, unpaid.
      b.append(String.format("  %-26s %10d%n", "of which repairs used up", repairsUsedUp));
    }
    b.append(String.format("%-28s %10d%n", "malformed state lines", malformedLines));
    if (!malformedExamples.isEmpty() && malformedLines > 0) {
      b.append("  e.g. ").append(malformedExamples.get(0)).append(System.lineSeparator());
    }
    b.append(String.format("%-28s %10d%n", "torn last lines (crash)", tornLines));
    b.append(
        String.format("%-28s %10d / %d%n", "tokens in / out (passed)", inputTokens, outputTokens));
    return b.toString();
  }
}
