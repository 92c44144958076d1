package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.io.state.StateFiles;
import org.hipforge.io.state.StateIndex;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.pending.FindPending;
import org.hipforge.transforms.pending.PendingGenerations;
import org.hipforge.transforms.pending.PendingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test: on randomized work directories, {@code status}'s "next run will
 * work on", the commands' "N tasks to do" and the pipelines' pending output name the same tasks,
 * for both steps, on the DirectRunner and on embedded Flink; and all of them match the record rule
 * ({@link PendingRule}) applied to every record parsed by Jackson.
 */
class PendingAgreementTest {
  private static final long T0 = 1_700_000_000_000L;

  /** What the pipelines emitted, by "runner/seed/branch"; DoFns run in this JVM on both engines. */
  private static final Map<String, Set<Long>> SEEN = new ConcurrentHashMap<>();

  @TempDir Path tmp;

  @Test
  void statusCommandsAndPipelinesAgreeOnRandomWorkDirsOnBothEngines() throws Exception {
    for (int seed = 1; seed <= 3; seed++) {
      Path work = tmp.resolve("w" + seed);
      Random rnd = new Random(seed * 7919L);
      List<ManifestEntry> manifest = writeRandomWorkDir(work, rnd);
      WorkLayout layout = new WorkLayout(work.toString());
      Set<Long> ids = new TreeSet<>();
      for (ManifestEntry e : manifest) {
        if (rnd.nextInt(3) == 0) {
          ids.add(e.id());
        }
      }

      // The reference: the record rule on every record Jackson reads.
      Map<Long, StateRecord> describeLatest =
          latest(
              layout.shardGlob(WorkLayout.Step.DESCRIBE),
              layout.journalGlob(WorkLayout.Step.DESCRIBE));
      Map<Long, StateRecord> generateLatest = latest(layout.shardGlob(WorkLayout.Step.GENERATE));
      Set<Long> describeExpected = new TreeSet<>();
      for (ManifestEntry e : manifest) {
        if (PendingRule.describe(e, describeLatest.get(e.id())).pending()) {
          describeExpected.add(e.id());
        }
      }
      Set<Long> generateExpected = new TreeSet<>();
      Set<Long> generateIdsExpected = new TreeSet<>();
      for (StateRecord d : describeLatest.values()) {
        if (PendingRule.generate(d, null, generateLatest.get(d.id())).pending()) {
          generateExpected.add(d.id());
        }
        if (PendingRule.generate(d, ids, generateLatest.get(d.id())).pending()) {
          generateIdsExpected.add(d.id());
        }
      }
      String where = "seed " + seed;
      assertThat(
          where + ": a work dir with something to do", describeExpected.size(), greaterThan(0));
      assertThat(
          where + ": a work dir with generations to do", generateExpected.size(), greaterThan(0));

      // status, as printed
      TestCorpus.Captured status = new TestCorpus.Captured();
      StatusCommand.run(TestCorpus.options("--workDir=" + work), status.out);
      List<Long> nextRun = numbersAfter(status.text(), "next run will work on");
      List<Long> malformed = numbersAfter(status.text(), "malformed state lines");
      List<Long> torn = numbersAfter(status.text(), "torn last lines \\(crash\\)");
      assertThat(
          where + "\n" + status.text(),
          nextRun,
          is(List.of((long) describeExpected.size(), (long) generateExpected.size())));

      // the commands' "N tasks to do"
      assertThat(
          where,
          DescribeCommand.plan(layout, StateIndex.describe(layout, false)).pending(),
          is((long) describeExpected.size()));
      long manifestSize = StatusReport.manifestSize(layout);
      StateIndex described = StateIndex.describe(layout, true);
      StateIndex generated = StateIndex.generate(layout);
      assertThat(
          where,
          GenerateCommand.plan(manifestSize, described, generated, null).pending(),
          is((long) generateExpected.size()));
      assertThat(
          where,
          GenerateCommand.plan(manifestSize, described, generated, ids).pending(),
          is((long) generateIdsExpected.size()));

      // the pipelines, on both engines
      for (String runner : List.of("DirectRunner", "FlinkRunner")) {
        String key = runner + "/" + seed + "/";
        DemoOptions o =
            runner.equals("DirectRunner")
                ? TestCorpus.options("--runner=DirectRunner")
                : TestCorpus.options(
                    "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2");
        Pipeline p = Pipeline.create(o);
        PendingResult<ManifestEntry> describe =
            p.apply("FindPending", FindPending.in(layout, WorkLayout.Step.DESCRIBE));
        describe
            .pending()
            .apply(
                "CollectDescribe",
                ParDo.of(new Collect<ManifestEntry>(key + "describe", ManifestEntry::id)));
        describe
            .malformed()
            .apply(
                "CollectDescribeMalformed",
                ParDo.of(
                    new Collect<MalformedLine>(
                        key + "describe-malformed", PendingAgreementTest::malformedKey)));
        List<String> describeGlobs =
            List.of(
                layout.shardGlob(WorkLayout.Step.DESCRIBE),
                layout.journalGlob(WorkLayout.Step.DESCRIBE));
        List<String> generateGlobs = List.of(layout.shardGlob(WorkLayout.Step.GENERATE));
        PendingResult<StateRecord> all =
            p.apply("PendingGenerations", PendingGenerations.of(describeGlobs, generateGlobs));
        all.pending()
            .apply(
                "CollectGenerate",
                ParDo.of(new Collect<StateRecord>(key + "generate", StateRecord::id)));
        all.malformed()
            .apply(
                "CollectGenerateMalformed",
                ParDo.of(
                    new Collect<MalformedLine>(
                        key + "generate-malformed", PendingAgreementTest::malformedKey)));
        p.apply(
                "PendingGenerationsOfIds",
                PendingGenerations.of(describeGlobs, generateGlobs).withIds(ids))
            .pending()
            .apply(
                "CollectGenerateIds",
                ParDo.of(new Collect<StateRecord>(key + "generate-ids", StateRecord::id)));
        PipelineResult.State state = p.run().waitUntilFinish();
        assertThat(where + " " + runner, state, is(PipelineResult.State.DONE));
        assertThat(
            where + " " + runner + " describe", seen(key + "describe"), is(describeExpected));
        assertThat(
            where + " " + runner + " generate", seen(key + "generate"), is(generateExpected));
        assertThat(
            where + " " + runner + " generate --ids",
            seen(key + "generate-ids"),
            is(generateIdsExpected));
        // Unreadable lines: the pipeline's dead letters are status's malformed + torn lines.
        assertThat(
            where + " " + runner,
            (long) seen(key + "describe-malformed").size(),
            is(malformed.get(0) + torn.get(0)));
        assertThat(
            where + " " + runner,
            (long) seen(key + "generate-malformed").size(),
            is(malformed.get(0) + torn.get(0) + malformed.get(1) + torn.get(1)));
      }
    }
  }

  private static Set<Long> seen(String key) {
    return new TreeSet<>(SEEN.getOrDefault(key, Set.of()));
  }

  private static List<Long> numbersAfter(String text, String label) {
    List<Long> out = new ArrayList<>();
    Matcher m = Pattern.compile(label + "\\s+(\\d+)").matcher(text);
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
    }
    return out;
  }

  private static Map<Long, StateRecord> latest(String... globs) throws Exception {
    Map<Long, StateRecord> latest = new HashMap<>();
    StateFiles.readAll(
        List.of(globs),
        new StateFileReader.Sink() {
          @Override
          public void record(StateRecord r) {
            latest.merge(r.id(), r, PendingRule::latest);
          }

          @Override
          public void malformed(String file, long line, String reason, boolean torn) {}
        });
    return latest;
  }

  /**
   * A work directory with stale sources, renamed files, duplicates across shards and journals, torn
   * last lines, malformed lines, ties on time, failed records, ids in state but not in the
   * manifest, and tasks described again after they were generated.
   */
  private static List<ManifestEntry> writeRandomWorkDir(Path work, Random rnd) throws Exception {
    int n = 60 + rnd.nextInt(40);
    List<ManifestEntry> manifest = new ArrayList<>();
    for (long id = 0; id < n; id++) {
      manifest.add(
          new ManifestEntry(id, "k/" + id + ".hip", 100, rnd.nextInt(12) == 0 ? null : sha(id, 1)));
    }
    ManifestStore.write(work.resolve("manifest.jsonl"), manifest);
    String[] instructions = {
      "write a kernel", "write a faster kernel", "", "  ", "tab\t\"q\" \\ é", null
    };
    Map<String, StateRecord> byKey = new HashMap<>();
    List<List<String>> describeFiles = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      describeFiles.add(new ArrayList<>());
    }
    List<StateRecord> described = new ArrayList<>();
    for (int i = 0; i < n * 2; i++) {
      long id = rnd.nextInt(n + 10);
      long t = T0 + rnd.nextInt(5);
      String run = "run-" + rnd.nextInt(3);
      int attempts = 1 + rnd.nextInt(2);
      boolean pass = rnd.nextInt(3) > 0;
      String key = id + "/" + t + "/" + run + "/" + attempts + "/" + pass;
      StateRecord r =
          byKey.computeIfAbsent(
              key,
              k -> {
                StateRecord.Builder b =
                    StateRecord.builder()
                        .id(id)
                        .fileName(rnd.nextInt(25) == 0 ? "k/renamed.hip" : "k/" + id + ".hip")
                        .sourceSha256(
                            rnd.nextInt(10) == 0 ? null : sha(id, rnd.nextInt(6) == 0 ? 0 : 1))
                        .finishedAtMillis(t)
                        .runId(run)
                        .attempts(attempts)
                        .instruction(instructions[rnd.nextInt(instructions.length)]);
                return (pass
                        ? b.pass(true)
                        : b.failure(rnd.nextBoolean() ? "timeout" : "empty_answer", "x"))
                    .build();
              });
      described.add(r);
      String line = StateRecordJson.toJson(r);
      describeFiles.get(rnd.nextInt(describeFiles.size())).add(line);
      if (rnd.nextInt(8) == 0) { // the same record again, in another file
        describeFiles.get(rnd.nextInt(describeFiles.size())).add(line);
      }
      if (rnd.nextInt(40) == 0) {
        describeFiles.get(rnd.nextInt(describeFiles.size())).add("{\"id\": 1, \"file_name\": ");
      }
    }
    for (int f = 0; f < describeFiles.size(); f++) {
      String rel =
          f < 2
              ? "state/describe/run-a/part-0000" + f + "-of-00002.jsonl"
              : "state/describe/journal/run-" + f + "/worker-" + f + ".jsonl";
      String text = String.join("\n", describeFiles.get(f)) + "\n";
      if (rnd.nextBoolean()) {
        text += "{\"id\":2,\"file_name\":\"k/2.hip\",\"pass\":tr"; // a torn last line
      }
      Path p = work.resolve(rel);
      Files.createDirectories(p.getParent());
      Files.writeString(p, text, StandardCharsets.UTF_8);
    }
    // Generations: from some describe record of the task (not always the latest: described again
    // since), some failed, some from another instruction.
    // Records of one id with equal keys (finished_at, run_id, attempts, pass) are the same record,
    // as in real state: the order of equals is left open, and engines may merge in any order.
    List<String> gen = new ArrayList<>();
    Map<String, StateRecord> genByKey = new HashMap<>();
    for (StateRecord d : described) {
      if (rnd.nextInt(3) == 0) {
        continue;
      }
      boolean pass = rnd.nextInt(4) > 0;
      String key = d.id() + "/" + rnd.nextInt(5) + "/" + rnd.nextInt(2) + "/" + pass;
      StateRecord g =
          genByKey.computeIfAbsent(
              key,
              k -> {
                String[] parts = k.split("/");
                StateRecord.Builder b =
                    d.toBuilder()
                        .finishedAtMillis(T0 + 2 + Long.parseLong(parts[1]))
                        .runId("gen-" + parts[2])
                        .attempts(1)
                        .errorMsg(null)
                        .pass(true)
                        .compiled(rnd.nextBoolean());
                if (!pass) {
                  b.failure("compile_error", "x").compiled(false);
                }
                if (rnd.nextInt(6) == 0) {
                  b.instruction("an older instruction");
                }
                return b.build();
              });
      gen.add(StateRecordJson.toJson(g));
    }
    Path shard = work.resolve("state/generate/run-g/part-00000-of-00001.jsonl");
    Files.createDirectories(shard.getParent());
    Files.writeString(shard, String.join("\n", gen) + "\n{\"id\":3,\"pa", StandardCharsets.UTF_8);
    return manifest;
  }

  private static String sha(long id, int version) {
    return String.format("%064x", id * 31 + version + 1);
  }

  /**
   * Adds a number per element (an id, or a dead letter's file and line hashed) to {@code
   * SEEN.get(key)}.
   */
  private static final class Collect<T> extends DoFn<T, Void> {
    private final String key;
    private final SerializableFunction<T, Long> number;

    Collect(String key, SerializableFunction<T, Long> number) {
      this.key = key;
      this.number = number;
    }

    @ProcessElement
    public void process(@Element T e) {
      SEEN.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(number.apply(e));
    }
  }

  private static long malformedKey(MalformedLine m) {
    return (long) m.toString().hashCode() << 20 ^ m.toString().length();
  }
}
