package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StatusReportTest {

  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path work;

  private WorkLayout layout;

  @BeforeEach
  void setUp() {
    layout = new WorkLayout(work.toString());
  }

  private static String sha(long id) {
    return String.format("%064x", id + 1);
  }

  private static String name(long id) {
    return "k/" + id + ".hip";
  }

  private static StateRecord.Builder rec(long id, long t, String runId) {
    return StateRecord.builder()
        .id(id)
        .fileName(name(id))
        .sourceSha256(sha(id))
        .finishedAtMillis(T0 + t)
        .runId(runId)
        .attempts(1)
        .instruction("a long instruction");
  }

  private static String pass(long id, long t, String runId, long in, long out) {
    return StateRecordJson.toJson(
        rec(id, t, runId).pass(true).inputTokens(in).outputTokens(out).build());
  }

  private static String fail(long id, long t, String runId, String category) {
    return StateRecordJson.toJson(rec(id, t, runId).failure(category, "details").build());
  }

  private void writeManifest(int n) throws IOException {
    List<ManifestEntry> entries = new ArrayList<>();
    for (long id = 0; id < n; id++) {
      entries.add(new ManifestEntry(id, name(id), 100 + id, sha(id)));
    }
    ManifestStore.write(work.resolve("manifest.jsonl"), entries);
  }

  private Path writeLines(String rel, String content) throws IOException {
    Path p = work.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void everyCounterOfAMixedWorkDirIsRight() throws Exception {
    writeManifest(10);
    // 0 passed; 1, 3 timeout; 2 empty_answer; 4 never tried; 5 stale (source changed);
    // 6 passed, duplicated in shard and journal; 7 pass then a later failure (server_error);
    // 8 failure then a later pass; 9 stale (record for another file_name); 99 not in the manifest.
    writeLines(
        "state/describe/run-1/part-00000-of-00002.jsonl",
        lines(
            pass(0, 100, "run-1", 10, 20),
            fail(1, 100, "run-1", "timeout"),
            StateRecordJson.toJson(rec(5, 100, "run-1").sourceSha256(sha(555)).pass(true).build()),
            pass(6, 100, "run-1", 1, 2),
            "this line is garbage",
            pass(7, 100, "run-1", 1000, 1000)));
    writeLines(
        "state/describe/run-1/part-00001-of-00002.jsonl",
        lines(
            fail(2, 100, "run-1", "empty_answer"),
            fail(3, 100, "run-1", "timeout"),
            StateRecordJson.toJson(rec(9, 100, "run-1").fileName("renamed.hip").pass(true).build()),
            pass(99, 100, "run-1", 5000, 5000)));
    writeLines(
        "state/describe/run-2/part-00000-of-00001.jsonl", lines(pass(8, 300, "run-2", 100, 200)));
    String torn = pass(4, 400, "run-2", 7, 7);
    writeLines(
        "state/describe/journal/run-2/worker-a.jsonl",
        lines(
                pass(6, 100, "run-1", 1, 2),
                fail(7, 200, "run-2", "server_error"),
                fail(8, 200, "run-2", "timeout"))
            + torn.substring(0, torn.length() - 10));
    // Not state files of the describe step: must not count.
    writeLines("state/describe/journal/run-2/notes.txt", "not jsonl\n");
    writeLines(
        "state/generate/run-g/part-00000-of-00001.jsonl", lines(fail(0, 999, "run-g", "compile")));

    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);

    assertThat(s.step, is(WorkLayout.Step.DESCRIBE));
    assertThat(s.manifestSize, is(10L));
    assertThat(s.passed, is(3L)); // 0, 6, 8
    assertThat(s.failed, is(4L)); // 1, 2, 3, 7
    assertThat(
        s.failedByCategory, is(Map.of("timeout", 2L, "empty_answer", 1L, "server_error", 1L)));
    assertThat(s.neverTried, is(1L)); // 4 (its only record is torn)
    assertThat(s.stale, is(2L)); // 5, 9
    assertThat(s.pending(), is(s.neverTried + s.stale + s.failed));
    assertThat(s.pending(), is(7L));
    assertThat(s.passed + s.pending(), is(s.manifestSize));
    assertThat(s.malformedLines, is(1L));
    assertThat(s.tornLines, is(1L));
    assertThat(s.stateFiles, is(4L));
    assertThat(s.stateLines, is(6L + 4L + 1L + 4L));
    assertThat(s.inputTokens, is(10L + 1L + 100L));
    assertThat(s.outputTokens, is(20L + 2L + 200L));
    assertThat(s.compiled, is(0L));

    String table = s.table();
    assertThat(table, containsString("describe passed"));
    assertThat(table, containsString("timeout"));
    assertThat(table, containsString("next run will work on"));
  }

  @Test
  void latestWinsWhateverTheOrderOfFilesAndLines() throws Exception {
    writeManifest(2);
    // Later records first in the files: the merge must still pick them.
    writeLines(
        "state/describe/journal/run-a/w.jsonl",
        lines(fail(0, 500, "run-b", "timeout"), pass(1, 500, "run-b", 3, 4)));
    writeLines(
        "state/describe/run-a/part-00000-of-00001.jsonl",
        lines(
            pass(0, 100, "run-a", 1, 1),
            fail(1, 100, "run-a", "timeout"),
            pass(0, 499, "run-a", 1, 1),
            fail(1, 499, "run-a", "auth")));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);
    assertThat(s.passed, is(1L));
    assertThat(s.failed, is(1L));
    assertThat(s.failedByCategory, is(Map.of("timeout", 1L)));
    assertThat(s.inputTokens, is(3L));
  }

  @Test
  void sameInstantIsDecidedByRunIdThenAttempts() throws Exception {
    writeManifest(2);
    writeLines(
        "state/describe/run-x/part-00000-of-00001.jsonl",
        lines(
            StateRecordJson.toJson(rec(0, 100, "run-b").failure("timeout", "x").build()),
            StateRecordJson.toJson(rec(0, 100, "run-a").pass(true).build()),
            StateRecordJson.toJson(
                rec(1, 100, "run-a").attempts(3).failure("timeout", "x").build()),
            StateRecordJson.toJson(rec(1, 100, "run-a").attempts(2).pass(true).build())));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);
    assertThat(s.failed, is(2L));
    assertThat(s.passed, is(0L));
  }

  /** 0: an empty work directory (no manifest at all), which has nothing pending. */
  @ParameterizedTest
  @ValueSource(ints = {0, 5})
  void manifestWithoutStateIsAllNeverTried(int tasks) throws Exception {
    if (tasks > 0) {
      writeManifest(tasks);
    }
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);
    assertThat(s.manifestSize, is((long) tasks));
    assertThat(s.neverTried, is((long) tasks));
    assertThat(s.pending(), is((long) tasks));
    assertThat(s.passed, is(0L));
    assertThat(s.stateFiles, is(0L));
  }

  @Test
  void generateStepCountsCompiledPassesFromItsOwnShards() throws Exception {
    writeManifest(3);
    writeLines(
        "state/generate/run-g/part-00000-of-00001.jsonl",
        lines(
            StateRecordJson.toJson(rec(0, 1, "run-g").pass(true).compiled(true).build()),
            StateRecordJson.toJson(
                rec(1, 1, "run-g").failure("compile_error", "x").compiled(false).build())));
    writeLines(
        "state/describe/run-d/part-00000-of-00001.jsonl",
        lines(pass(0, 1, "run-d", 1, 1), pass(1, 1, "run-d", 1, 1), pass(2, 1, "run-d", 1, 1)));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.GENERATE);
    assertThat(s.ready, is(3L));
    assertThat(s.passed, is(1L));
    assertThat(s.compiled, is(1L));
    assertThat(s.failedByCategory, is(Map.of("compile_error", 1L)));
    assertThat(s.neverTried, is(1L));
    assertThat(s.pending(), is(2L));
  }

  /**
   * The case: 28 kernels, 2 described with pass. Generate works on 2; status must say 2.
   */
  @Test
  void generateWorksOnDescribedTasksNotOnTheWholeManifest() throws Exception {
    writeManifest(28);
    writeLines(
        "state/describe/run-d/part-00000-of-00001.jsonl",
        lines(
            pass(0, 1, "run-d", 1, 1),
            pass(1, 1, "run-d", 1, 1),
            fail(2, 1, "run-d", "timeout"),
            StateRecordJson.toJson(rec(3, 1, "run-d").instruction("  ").pass(true).build())));
    Files.createDirectories(work.resolve("state/generate"));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.GENERATE);
    assertThat(s.manifestSize, is(28L));
    assertThat(s.ready, is(2L));
    assertThat(s.notReady, is(2L)); // a failed describe, a blank instruction
    assertThat(s.neverTried, is(2L));
    assertThat(s.pending(), is(2L));
    assertThat(s.table(), containsString("next run will work on"));
  }

  @Test
  void aGenerationMadeFromAnOlderInstructionIsStale() throws Exception {
    writeManifest(2);
    writeLines(
        "state/describe/run-d/part-00000-of-00001.jsonl",
        lines(
            StateRecordJson.toJson(
                rec(0, 1, "run-d").instruction("old \\ text").pass(true).build()),
            StateRecordJson.toJson(rec(1, 1, "run-d").instruction("same").pass(true).build()),
            StateRecordJson.toJson(
                rec(0, 5, "run-e").instruction("new text \u00e9").pass(true).build())));
    writeLines(
        "state/generate/run-g/part-00000-of-00001.jsonl",
        lines(
            StateRecordJson.toJson(
                rec(0, 2, "run-g").instruction("old \\ text").pass(true).compiled(true).build()),
            StateRecordJson.toJson(
                rec(1, 2, "run-g").instruction("same").pass(true).compiled(true).build())));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.GENERATE);
    assertThat(s.stale, is(1L));
    assertThat(s.passed, is(1L));
    assertThat(s.pending(), is(1L));
  }

  @Test
  void passedRecordsMadeWithAnotherPromptVersionAreCountedApartOnEveryReadingPath()
      throws Exception {
    writeManifest(7);
    String a = "aaaaaaaaaaaa";
    writeLines(
        "state/describe/run-1/part-00000-of-00001.jsonl",
        lines(
            pass(0, 100, "run-1", 1, 1),
            pass(1, 100, "run-1", 1, 1),
            StateRecordJson.toJson(rec(2, 100, "run-1").pass(true).promptVersion(a).build()),
            StateRecordJson.toJson(rec(3, 100, "run-1").pass(true).promptVersion(a).build()),
            StateRecordJson.toJson(
                rec(5, 100, "run-1").failure("timeout", "x").promptVersion(a).build())));
    // An escape in prompt_version sends the line to the Jackson path; a later record of id 6 wins.
    writeLines(
        "state/describe/journal/run-2/w.jsonl",
        lines(
            StateRecordJson.toJson(rec(4, 200, "run-2").pass(true).build())
                .replace("\"run_id\"", "\"prompt_version\":\"\\u0062bbbbbbbbbbb\",\"run_id\""),
            StateRecordJson.toJson(rec(6, 200, "run-2").pass(true).promptVersion(a).build()),
            StateRecordJson.toJson(rec(6, 300, "run-2").pass(true).build())));
    for (long parallelBytes : new long[] {0, StateIndex.PARALLEL_BYTES}) {
      StatusReport s =
          StatusReport.describe(
              layout,
              StateIndex.read(
                  List.of(
                      layout.shardGlob(WorkLayout.Step.DESCRIBE),
                      layout.journalGlob(WorkLayout.Step.DESCRIBE)),
                  false,
                  parallelBytes));
      assertThat(s.passed, is(6L));
      assertThat(s.passedWithOtherPrompt(), is(3L)); // 2, 3, 4 against the built-in templates
      assertThat(s.table(), containsString("  made with another prompt"));
      s.currentPromptVersion = a;
      assertThat(s.passedWithOtherPrompt(), is(4L)); // 0, 1, 4, 6
      s.currentPromptVersion = "bbbbbbbbbbbb";
      assertThat(s.passedWithOtherPrompt(), is(5L));
    }
  }

  @Test
  void aWorkDirWithOnlyTheBuiltInPromptsPrintsNoPromptLine() throws Exception {
    writeManifest(2);
    writeLines(
        "state/describe/run-1/part-00000-of-00001.jsonl", lines(pass(0, 100, "run-1", 1, 1)));
    StatusReport s = StatusReport.compute(layout, WorkLayout.Step.DESCRIBE);
    assertThat(s.passedWithOtherPrompt(), is(0L));
    assertThat(s.table().contains("another prompt"), is(false));
  }
}
