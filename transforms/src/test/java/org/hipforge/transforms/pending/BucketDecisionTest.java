package org.hipforge.transforms.pending;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.Records;
import org.junit.jupiter.api.Test;

class BucketDecisionTest {
  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "0123456789abcdef".repeat(4);

  private static List<BucketBatch> batches(
      boolean manifest, int buckets, java.util.function.Consumer<BucketBatchWriter> fill) {
    List<BucketBatch> out = new ArrayList<>();
    BucketBatchWriter w = new BucketBatchWriter(manifest, buckets, (b, batch) -> out.add(batch));
    fill.accept(w);
    w.flush();
    return out;
  }

  private static byte[] bytes(List<BucketBatch> batches) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (BucketBatch b : batches) {
      out.write(b.bytes(), 0, b.bytes().length);
    }
    return out.toByteArray();
  }

  @Test
  void aScannedLineAndTheSameLineReadByJacksonEncodeToTheSameBytes() throws Exception {
    List<StateRecord> records =
        List.of(
            Records.passed(1, "a.hip", SHA_A, 1_790_000_000_000L, "r1"),
            Records.failed(2, "dir/ü.hip", "not-hex", 5, null, "timeout"),
            StateRecord.builder().id(3).fileName("b.hip").pass(true).attempts(7).build(),
            Records.passed(4, "c.hip", SHA_B.toUpperCase(), 0, "")); // upper case: kept as text
    FlatLineScanner scanner = new FlatLineScanner();
    for (StateRecord r : records) {
      byte[] line = StateRecordJson.toJson(r).getBytes(StandardCharsets.UTF_8);
      FlatLineScanner.StateFields f = new FlatLineScanner.StateFields();
      assertThat(scanner.scanState(line, 0, line.length, f), is(true));
      byte[] fast = bytes(batches(false, 1, w -> w.add(f)));
      byte[] slow = bytes(batches(false, 1, w -> w.add(slim(line))));
      assertThat(StateRecordJson.toJson(r), fast, is(slow));
    }
    for (ManifestEntry e :
        List.of(
            new ManifestEntry(9, "k/9.hip", 123, SHA_B),
            new ManifestEntry(10, "x.hip", -1, null),
            new ManifestEntry(11, "y.hip", 0, "abc"))) {
      byte[] line = ManifestJson.toJson(e).getBytes(StandardCharsets.UTF_8);
      FlatLineScanner.ManifestFields f = new FlatLineScanner.ManifestFields();
      assertThat(scanner.scanManifest(line, 0, line.length, f), is(true));
      assertThat(
          bytes(batches(true, 1, w -> w.add(f))), is(bytes(batches(true, 1, w -> w.add(e)))));
    }
  }

  /** The Jackson path's slim parse of a line. */
  private static StateRecord slim(byte[] line) {
    try {
      return StateRecordJson.parseSlim(new String(line, StandardCharsets.UTF_8));
    } catch (MalformedLineException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void pendingAreNewStaleRenamedAndFailedEntriesWhateverTheBatchOrder() throws Exception {
    List<ManifestEntry> manifest =
        List.of(
            new ManifestEntry(0, "done.hip", 1, SHA_A), new ManifestEntry(1, "new.hip", 1, SHA_A),
            new ManifestEntry(2, "changed.hip", 1, SHA_B),
                new ManifestEntry(3, "failed.hip", 1, SHA_A),
            new ManifestEntry(4, "renamed.hip", 1, SHA_A),
                new ManifestEntry(5, "no-hash.hip", 1, null));
    List<StateRecord> state =
        List.of(
            Records.passed(0, "done.hip", SHA_A, 10, "r"),
                Records.failed(0, "done.hip", SHA_A, 9, "r", "timeout"),
            Records.passed(2, "changed.hip", SHA_A, 10, "r"),
                Records.passed(3, "failed.hip", SHA_A, 10, "r"),
            Records.failed(3, "failed.hip", SHA_A, 11, "r", "timeout"),
                Records.passed(4, "old.hip", SHA_A, 10, "r"),
            Records.passed(5, "no-hash.hip", SHA_B, 10, "r"),
                Records.passed(99, "gone.hip", SHA_A, 10, "r"));
    List<BucketBatch> all = new ArrayList<>(batches(true, 1, w -> manifest.forEach(w::add)));
    for (StateRecord r : state) { // one batch per record, so the order can be shuffled
      all.addAll(batches(false, 1, w -> w.add(r)));
    }
    Random random = new Random(5);
    for (int round = 0; round < 20; round++) {
      Collections.shuffle(all, random);
      BucketDecision d = new BucketDecision();
      for (BucketBatch b : all) {
        d.add(b);
      }
      List<ManifestEntry> pending = new ArrayList<>();
      BucketDecision.Counts counts = d.decide(pending::add);
      assertThat(
          pending,
          containsInAnyOrder(manifest.get(1), manifest.get(2), manifest.get(3), manifest.get(4)));
      assertThat(
          Arrays.asList(counts.fresh, counts.stale, counts.failed, counts.done),
          is(Arrays.asList(1L, 2L, 1L, 2L)));
    }
  }

  /** Random records with many ties: the decision must match folding with StateRecord.latest. */
  @Test
  void latestWinsExactlyAsStateRecordLatestOrdersThem() throws Exception {
    Random random = new Random(9);
    String[] runs = {null, "", "a", "b", "ü"};
    for (int round = 0; round < 300; round++) {
      List<ManifestEntry> manifest = new ArrayList<>();
      List<StateRecord> state = new ArrayList<>();
      for (int id = 0; id < 20; id++) {
        manifest.add(
            new ManifestEntry(id, "k" + id + ".hip", id, random.nextBoolean() ? SHA_A : SHA_B));
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          StateRecord.Builder b =
              StateRecord.builder()
                  .id(id)
                  .fileName(random.nextInt(5) == 0 ? "other.hip" : "k" + id + ".hip")
                  .pass(random.nextBoolean())
                  .sourceSha256(random.nextBoolean() ? SHA_A : SHA_B)
                  .finishedAtMillis(random.nextInt(2))
                  .runId(runs[random.nextInt(runs.length)])
                  .attempts(random.nextInt(2));
          state.add(b.build());
        }
      }
      Map<Long, StateRecord> latest = new HashMap<>();
      for (StateRecord r : state) {
        latest.merge(r.id(), r, StateRecord::latest);
      }
      List<ManifestEntry> expected = new ArrayList<>();
      for (ManifestEntry e : manifest) {
        StateRecord l = latest.get(e.id());
        boolean stale =
            l != null
                && (!l.fileName().equals(e.fileName()) || !l.sourceSha256().equals(e.sha256()));
        if (l == null || stale || !l.pass()) {
          expected.add(e);
        }
      }
      BucketDecision d = new BucketDecision();
      for (BucketBatch b : batches(false, 1, w -> state.forEach(w::add))) {
        d.add(b);
      }
      for (BucketBatch b : batches(true, 1, w -> manifest.forEach(w::add))) {
        d.add(b);
      }
      List<ManifestEntry> pending = new ArrayList<>();
      d.decide(pending::add);
      assertThat(pending, containsInAnyOrder(expected.toArray()));
    }
  }

  @Test
  void aWriterSpreadsIdsOverBucketsAndEmitsFullBatchesEarly() {
    List<Integer> buckets = new ArrayList<>();
    List<BucketBatch> out = new ArrayList<>();
    BucketBatchWriter w =
        new BucketBatchWriter(
            true,
            4,
            (b, batch) -> {
              buckets.add(b);
              out.add(batch);
            });
    for (int id = 0; id < 10_000; id++) {
      w.add(new ManifestEntry(id, "dir/k" + id + ".hip", id, SHA_A));
      if (id == 4_999) {
        assertThat(out.isEmpty(), is(false)); // batches leave before the file is finished
      }
    }
    w.flush();
    assertThat(out.stream().mapToInt(BucketBatch::count).sum(), is(10_000));
    assertThat(
        out.stream().allMatch(b -> b.bytes().length <= BucketBatchWriter.BATCH_BYTES + 200),
        is(true));
    assertThat(new java.util.TreeSet<>(buckets), is(new java.util.TreeSet<>(List.of(0, 1, 2, 3))));
  }
}
