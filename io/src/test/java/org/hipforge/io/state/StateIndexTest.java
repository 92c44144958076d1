package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateIndexTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path work;

  private static String sha(long id, int version) {
    return String.format("%064x", id * 31 + version + 1);
  }

  private Path write(String rel, String content) throws IOException {
    Path p = work.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private List<String> describeGlobs() {
    WorkLayout layout = new WorkLayout(work.toString());
    return List.of(
        layout.shardGlob(WorkLayout.Step.DESCRIBE), layout.journalGlob(WorkLayout.Step.DESCRIBE));
  }

  /**
   * Random state (duplicates across files, ties on time, escapes and nested values that send lines
   * to the Jackson path, malformed and torn lines): the index, read on one thread or two, holds
   * exactly the latest record of every id, and decides every manifest entry as the record rule.
   */
  @Test
  void indexAgreesWithTheRecordRuleOnRandomState() throws Exception {
    for (int seed = 1; seed <= 4; seed++) {
      Path dir = work.resolve("seed" + seed);
      Random rnd = new Random(seed);
      int n = 300;
      List<ManifestEntry> manifest = new ArrayList<>();
      for (long id = 0; id < n; id++) {
        String sha = rnd.nextInt(10) == 0 ? null : rnd.nextInt(15) == 0 ? "ABC" + id : sha(id, 1);
        manifest.add(new ManifestEntry(id, "k/" + id + ".hip", 10, sha));
      }
      ManifestStore.write(dir.resolve("manifest.jsonl"), manifest);
      Map<String, StateRecord> byKey = new HashMap<>();
      List<List<String>> files = new ArrayList<>();
      for (int f = 0; f < 6; f++) {
        files.add(new ArrayList<>());
      }
      for (int i = 0; i < 900; i++) {
        long id = rnd.nextInt(n + 20); // some ids are not in the manifest
        long t = T0 + rnd.nextInt(4);
        String run = rnd.nextInt(8) == 0 ? null : "run-" + rnd.nextInt(3);
        int attempts = 1 + rnd.nextInt(2);
        boolean pass = rnd.nextBoolean();
        String key = id + "/" + t + "/" + run + "/" + attempts + "/" + pass;
        StateRecord r = byKey.computeIfAbsent(key, k -> record(rnd, id, t, run, attempts, pass));
        String line = StateRecordJson.toJson(r);
        if (rnd.nextInt(10) == 0) { // a nested value: the Jackson path
          line = line.substring(0, line.length() - 1) + ",\"extra\":{\"a\":[1,2]}}";
        }
        files.get(rnd.nextInt(files.size())).add(line);
        if (rnd.nextInt(50) == 0) {
          files.get(rnd.nextInt(files.size())).add("{\"id\": oops}");
        }
      }
      for (int f = 0; f < files.size(); f++) {
        String text = String.join("\n", files.get(f)) + "\n";
        if (f % 2 == 0) {
          text += "{\"id\":1,\"file_name\":\"k/1.hip\",\"pa"; // torn
        }
        String rel =
            f < 3
                ? "state/describe/run-" + f + "/part-0000" + f + "-of-00003.jsonl"
                : "state/describe/journal/run-" + f + "/w.jsonl";
        Files.createDirectories(dir.resolve(rel).getParent());
        Files.writeString(dir.resolve(rel), text, StandardCharsets.UTF_8);
      }
      // Generations: made from one of the task's describe records (or another instruction).
      List<String> genLines = new ArrayList<>();
      for (StateRecord r : byKey.values()) {
        if (rnd.nextInt(3) > 0) {
          StateRecord g =
              record(
                  rnd,
                  r.id(),
                  T0 + 10 + rnd.nextInt(3),
                  "gen-" + rnd.nextInt(2),
                  1,
                  rnd.nextBoolean());
          genLines.add(
              StateRecordJson.toJson(
                  g.toBuilder()
                      .fileName(r.fileName())
                      .sourceSha256(r.sourceSha256())
                      .instruction(rnd.nextInt(4) == 0 ? g.instruction() : r.instruction())
                      .build()));
        }
      }
      Path genShard = dir.resolve("state/generate/run-g/part-00000-of-00001.jsonl");
      Files.createDirectories(genShard.getParent());
      Files.writeString(genShard, String.join("\n", genLines) + "\n", StandardCharsets.UTF_8);
      // The reference: every record parsed by Jackson, folded by the record rule.
      WorkLayout layout = new WorkLayout(dir.toString());
      List<String> globs =
          List.of(
              layout.shardGlob(WorkLayout.Step.DESCRIBE),
              layout.journalGlob(WorkLayout.Step.DESCRIBE));
      Map<Long, StateRecord> latest = new HashMap<>();
      long[] counts = new long[3];
      StateFiles.readAll(
          globs,
          new StateFileReader.Sink() {
            @Override
            public void record(StateRecord r) {
              counts[0]++;
              latest.merge(r.id(), r, PendingRule::latest);
            }

            @Override
            public void malformed(String file, long line, String reason, boolean torn) {
              counts[0]++;
              counts[torn ? 2 : 1]++;
            }
          });
      Map<Long, StateRecord> latestGenerated = new HashMap<>();
      StateFiles.readAll(
          List.of(layout.shardGlob(WorkLayout.Step.GENERATE)),
          new StateFileReader.Sink() {
            @Override
            public void record(StateRecord r) {
              latestGenerated.merge(r.id(), r, PendingRule::latest);
            }

            @Override
            public void malformed(String file, long line, String reason, boolean torn) {}
          });
      for (long parallelBytes : new long[] {Long.MAX_VALUE, 0}) {
        StateIndex index = StateIndex.read(globs, true, parallelBytes);
        String where = "seed " + seed + ", parallelBytes " + parallelBytes;
        assertThat(where, index.size(), is(latest.size()));
        assertThat(where, index.feed().lines(), is(counts[0]));
        assertThat(where, index.feed().malformedLines(), is(counts[1]));
        assertThat(where, index.feed().tornLines(), is(counts[2]));
        try (StateIndex.Records records = index.records()) {
          for (StateRecord r : latest.values()) {
            int slot = index.slotOf(r.id());
            assertThat(where, records.read(slot), is(r));
            assertThat(where, index.pass(slot), is(r.pass()));
            assertThat(where, index.compiled(slot), is(r.compiled()));
            assertThat(where, index.errorCategory(slot), is(r.errorCategory()));
            assertThat(where, index.inputTokens(slot), is(r.inputTokens()));
          }
        }
        ManifestScan.forEach(
            layout.manifest(),
            e ->
                assertThat(
                    where + ", id " + e.id,
                    index.describe(e),
                    is(PendingRule.describe(e.toManifestEntry(), latest.get(e.id)))));
        // The generate rule on the index against the record rule on the same records.
        StateIndex generated =
            StateIndex.read(
                List.of(layout.shardGlob(WorkLayout.Step.GENERATE)), true, parallelBytes);
        for (StateRecord d : latest.values()) {
          boolean selected = d.id() % 3 != 0;
          assertThat(
              where + ", generate id " + d.id(),
              StateIndex.generate(index, index.slotOf(d.id()), selected, generated),
              is(
                  PendingRule.generate(
                      d, selected ? null : java.util.Set.of(), latestGenerated.get(d.id()))));
        }
      }
    }
  }

  /** Record {@code id} of a.hip, failed by a timeout in run r1 at T0. */
  private static StateRecord timedOutInRun1(long id) {
    return StateRecord.builder()
        .id(id)
        .fileName("a.hip")
        .finishedAtMillis(T0)
        .runId("r1")
        .attempts(1)
        .pass(false)
        .errorMsg("timeout: slow")
        .build();
  }

  private static StateRecord record(
      Random rnd, long id, long t, String run, int attempts, boolean pass) {
    String[] instructions = {
      "write a kernel", "", "  ", "tab\tand \"quotes\" \\ é", "write a kernel", null
    };
    StateRecord.Builder b =
        StateRecord.builder()
            .id(id)
            .fileName(rnd.nextInt(20) == 0 ? "k/other.hip" : "k/" + id + ".hip")
            .sourceSha256(
                rnd.nextInt(10) == 0
                    ? null
                    : rnd.nextInt(20) == 0 ? "ABC" + id : sha(id, rnd.nextInt(2)))
            .finishedAtMillis(t)
            .runId(run)
            .attempts(attempts)
            .instruction(instructions[rnd.nextInt(instructions.length)])
            .inputTokens(rnd.nextInt(100))
            .outputTokens(rnd.nextInt(100));
    if (rnd.nextBoolean()) {
      b.compiled(rnd.nextBoolean());
    }
    if (pass) {
      b.pass(true);
    } else {
      String[] categories = {"timeout", "server_error", "a b", "x\"y"};
      b.failure(categories[rnd.nextInt(categories.length)], "details: é");
    }
    return b.build();
  }

  @Test
  void refreshReadsOnlyNewFilesAndAppendedLinesAndATornLineAgain() throws Exception {
    StateRecord first = timedOutInRun1(1);
    StateRecord second =
        first.toBuilder().finishedAtMillis(T0 + 5).pass(true).errorMsg(null).build();
    String secondLine = StateRecordJson.toJson(second);
    Path journal =
        write(
            "state/describe/journal/r1/w.jsonl",
            StateRecordJson.toJson(first) + "\n" + secondLine.substring(0, 20));
    StateIndex index = StateIndex.read(describeGlobs(), false);
    assertThat(index.feed().lines(), is(2L));
    assertThat(index.feed().tornLines(), is(1L));
    assertThat(index.pass(index.slotOf(1)), is(false));
    assertThat(index.refresh(), is(0L)); // nothing new

    Files.writeString(journal, secondLine.substring(20) + "\n", StandardOpenOption.APPEND);
    write(
        "state/describe/r2/part-00000-of-00001.jsonl",
        StateRecordJson.toJson(first.toBuilder().id(2).fileName("b.hip").build()) + "\n");
    assertThat(index.refresh(), is(2L)); // the finished line and the new file's line
    assertThat(index.feed().lines(), is(3L));
    assertThat(index.feed().tornLines(), is(0L));
    assertThat(index.feed().files(), is(2));
    assertThat(index.pass(index.slotOf(1)), is(true));
    assertThat(index.slotOf(2) >= 0, is(true));
    try (StateIndex.Records records = index.records()) {
      assertThat(records.readId(1), is(second));
      assertThat(records.readId(3), is((StateRecord) null));
    }
  }

  @Test
  void aSourceHashThatIsNotLowercaseHexIsComparedExactly() throws Exception {
    ManifestStore.write(
        work.resolve("manifest.jsonl"),
        List.of(
            new ManifestEntry(0, "a.hip", 1, "ABCDEF"),
            new ManifestEntry(1, "b.hip", 1, "abcdef"),
            new ManifestEntry(2, "c.hip", 1, sha(2, 0).toUpperCase())));
    write(
        "state/describe/r/part-00000-of-00001.jsonl",
        String.join(
                "\n",
                StateRecordJson.toJson(
                    StateRecord.builder()
                        .id(0)
                        .fileName("a.hip")
                        .sourceSha256("ABCDEF")
                        .pass(true)
                        .build()),
                StateRecordJson.toJson(
                    StateRecord.builder()
                        .id(1)
                        .fileName("b.hip")
                        .sourceSha256("ABCDEF")
                        .pass(true)
                        .build()),
                StateRecordJson.toJson(
                    StateRecord.builder()
                        .id(2)
                        .fileName("c.hip")
                        .sourceSha256(sha(2, 0))
                        .pass(true)
                        .build()))
            + "\n");
    StatusReport s =
        StatusReport.compute(new WorkLayout(work.toString()), WorkLayout.Step.DESCRIBE);
    assertThat(s.passed, is(1L));
    assertThat(s.stale, is(2L));
  }

  @Test
  void aMalformedManifestLineOrADuplicateStopsNamingTheLine() throws Exception {
    assertThat(
        statusRefusal("{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\n"),
        containsString("manifest.jsonl:2"));
    assertThat(
        statusRefusal("{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":0,\"file_name\":\"b.hip\"}\n"),
        containsString("manifest.jsonl:2: duplicate id 0"));
    assertThat(
        statusRefusal(
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"b.hip\"}\n"
                + "{\"id\":2,\"file_name\":\"a.hip\"}\n"),
        containsString("manifest.jsonl:3: duplicate file_name 'a.hip'"));
  }

  /** The message of the error that stops the describe status over a manifest of {@code lines}. */
  private String statusRefusal(String lines) throws IOException {
    write("manifest.jsonl", lines);
    WorkLayout layout = new WorkLayout(work.toString());
    return assertThrows(
            IOException.class, () -> StatusReport.compute(layout, WorkLayout.Step.DESCRIBE))
        .getMessage();
  }

  @Test
  void malformedStateLinesAreNamedByFileAndLine() throws Exception {
    write("manifest.jsonl", "{\"id\":0,\"file_name\":\"a.hip\"}\n");
    write("state/describe/r/part-00000-of-00001.jsonl", "\n{not json}\n");
    StatusReport s =
        StatusReport.compute(new WorkLayout(work.toString()), WorkLayout.Step.DESCRIBE);
    assertThat(s.malformedLines, is(1L));
    assertThat(s.table(), containsString("part-00000-of-00001.jsonl:2"));
  }

  @Test
  void recordsGiveTheLatestRecordsLineAsWrittenWithKeysTheRecordTypeDoesNotCarry()
      throws Exception {
    StateRecord old = timedOutInRun1(3);
    String latest =
        "{\"id\":3,\"file_name\":\"a.hip\",\"pass\":true,\"finished_at\":\"2030-01-01T00:00:00Z\","
            + "\"run_id\":\"r2\",\"attempts\":1,\"a_new_key\":\"x,y\"}";
    write("state/describe/journal/r1/w.jsonl", StateRecordJson.toJson(old) + "\n" + latest + "\n");
    StateIndex index = StateIndex.read(describeGlobs(), false);
    try (StateIndex.Records records = index.records()) {
      assertThat(records.line(index.slotOf(3)), is(latest));
      assertThat(records.read(index.slotOf(3)).runId(), is("r2"));
    }
  }
}
