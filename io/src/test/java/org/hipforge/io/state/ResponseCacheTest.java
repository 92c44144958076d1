package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.Hex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponseCacheTest {
  @TempDir Path work;
  private final AtomicLong now = new AtomicLong(1_000_000);

  @AfterEach
  void forget() {
    ResponseCache.clearLoaded();
  }

  private WorkLayout layout() {
    return new WorkLayout(work.toString());
  }

  private String glob() {
    return layout().journalGlob(WorkLayout.Step.GENERATE);
  }

  private ResponseCache cache() {
    return new ResponseCache(glob(), now::get);
  }

  private Path journal(String run, String worker) throws Exception {
    Path dir = work.resolve("state/generate/journal/" + run);
    Files.createDirectories(dir);
    return dir.resolve(worker + ".jsonl");
  }

  private static String hash(int i) {
    return Hex.sha256("prompt " + i);
  }

  private static StateRecord answer(long id, String promptSha256, boolean pass) {
    return StateRecord.builder()
        .id(id)
        .fileName("k" + id + ".hip")
        .pass(pass)
        .instruction("instruction " + id)
        .response("```hip\n__global__ void k" + id + "() {}\n```")
        .promptSha256(promptSha256)
        .finishedAtMillis(1_700_000_000_000L + id)
        .runId("run")
        .build();
  }

  private static String line(StateRecord r) {
    return StateRecordJson.toJson(r) + "\n";
  }

  private static void append(Path file, String text) throws Exception {
    append(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void append(Path file, byte[] bytes) throws Exception {
    Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void aHitIsTheAnswerReadBackFromItsJournalLine() throws Exception {
    Path a = journal("run-1", "w1");
    Path b = journal("run-2", "w2");
    for (int i = 0; i < 300; i++) {
      append(i % 2 == 0 ? a : b, line(answer(i, hash(i), true)));
    }
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.size(), is(300));
    for (int i : new int[] {0, 1, 2, 151, 298, 299}) {
      StateRecord r = cache.get(hash(i));
      assertThat(r, is(answer(i, hash(i), true)));
      assertThat(r.response(), containsString("void k" + i + "()"));
    }
    assertThat(cache.get(hash(300)), nullValue());
    assertThat(cache.malformedLines(), is(0L));
  }

  @Test
  void aHashSharingTheFirstEightBytesWithAnAnswerIsNotAHit() throws Exception {
    String journaled = "0123456789abcdef" + "0".repeat(48);
    String sameKey = "0123456789abcdef" + "1".repeat(48);
    assertThat(ResponseCache.key(journaled), is(ResponseCache.key(sameKey)));
    Path f = journal("run-1", "w1");
    append(f, line(answer(1, journaled, true)));
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.get(sameKey), nullValue());
    assertThat(cache.get(journaled).id(), is(1L));
    // Once both are journaled, each finds its own line among the slots sharing the key.
    append(f, line(answer(2, sameKey, true)));
    cache.refresh();
    assertThat(cache.get(sameKey).id(), is(2L));
    assertThat(cache.get(journaled).id(), is(1L));
  }

  @Test
  void aHalfWrittenLastLineIsNotConsumedAndIsSeenOnceItIsComplete() throws Exception {
    Path f = journal("run-1", "w1");
    String second = line(answer(2, hash(2), true));
    append(f, line(answer(1, hash(1), true)) + second.substring(0, 40));
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.get(hash(1)).id(), is(1L));
    assertThat(cache.get(hash(2)), nullValue());
    assertThat(cache.malformedLines(), is(0L)); // not torn yet: it may still be being written
    append(f, second.substring(40));
    cache.refresh();
    assertThat(cache.get(hash(2)).id(), is(2L));
    assertThat(cache.size(), is(2)); // the first line was not read again
    assertThat(cache.malformedLines(), is(0L));
  }

  @Test
  void filesAndLinesJournaledAfterTheFirstLoadAreSeenAfterARefresh() throws Exception {
    Path f = journal("run-1", "w1");
    append(f, line(answer(1, hash(1), true)));
    ResponseCache first = ResponseCache.forGlob(glob());
    assertThat(first.get(hash(1)).id(), is(1L));
    // Another worker journals into a new file, and this one grows.
    append(journal("run-1", "w2"), line(answer(2, hash(2), true)));
    append(journal("run-2", "w3"), line(answer(3, hash(3), true)));
    append(f, line(answer(4, hash(4), true)));
    assertThat(first.get(hash(2)), nullValue());
    ResponseCache again = ResponseCache.forGlob(glob()); // what a new DoFn instance does in @Setup
    assertThat(again, sameInstance(first));
    for (int i = 1; i <= 4; i++) {
      assertThat(again.get(hash(i)).id(), is((long) i));
    }
    assertThat(again.size(), is(4));
  }

  @Test
  void malformedLinesAreSkippedAndCountedAndTheLinesAfterThemIndexed() throws Exception {
    Path f = journal("run-1", "w1");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(line(answer(1, hash(1), true)).getBytes(StandardCharsets.UTF_8));
    bytes.write("not json at all\n".getBytes(StandardCharsets.UTF_8));
    bytes.write("   \n".getBytes(StandardCharsets.UTF_8)); // blank: skipped, not counted
    bytes.write(
        new byte[] {'{', '"', 'i', 'd', '"', ':', '1', ',', (byte) 0xC3, '}', '\n'}); // not UTF-8
    bytes.write("{\"id\": 7, \"pass\": true}\n".getBytes(StandardCharsets.UTF_8)); // no file_name
    bytes.write(line(answer(2, hash(2), true)).getBytes(StandardCharsets.UTF_8));
    append(f, bytes.toByteArray());
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.malformedLines(), is(3L));
    assertThat(cache.firstProblem(), containsString("w1.jsonl:2: "));
    assertThat(cache.get(hash(1)).id(), is(1L));
    assertThat(cache.get(hash(2)).id(), is(2L));
    cache.refresh(); // nothing new: nothing counted twice
    assertThat(cache.malformedLines(), is(3L));
  }

  @Test
  void everyJournaledAnswerWithAPromptHashIsAnEntryAndAUsableOneWinsOverAVerdict()
      throws Exception {
    Path f = journal("run-1", "w1");
    // A pass:false journal line is a paid but unusable answer (refused, truncated, ...): its
    // verdict is replayed, never paid for again.
    append(f, line(answer(1, hash(1), false)));
    append(f, line(answer(2, null, true)));
    append(f, line(answer(3, hash(3), true)));
    append(f, line(answer(4, hash(3), false)));
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.size(), is(3));
    assertThat(cache.get(hash(1)).pass(), is(false));
    assertThat(cache.get(hash(3)).id(), is(3L));
    assertThat(cache.get(hash(3)).pass(), is(true));
  }

  @Test
  void aLineTheByteScannerLeavesIsIndexedThroughJackson() throws Exception {
    Path f = journal("run-1", "w1");
    String json = StateRecordJson.toJson(answer(5, hash(5), true));
    // A nested value and an escaped prompt hash: the byte scanner hands both lines to Jackson.
    append(f, json.substring(0, json.length() - 1) + ", \"extra\": {\"a\": [1, 2]}}\n");
    String six = StateRecordJson.toJson(answer(6, hash(6), true));
    String escapedFirst = "\\u00" + Integer.toHexString(hash(6).charAt(0));
    append(
        f,
        six.replace("\"" + hash(6) + "\"", "\"" + escapedFirst + hash(6).substring(1) + "\"")
            + "\n");
    ResponseCache cache = cache();
    cache.refresh();
    assertThat(cache.malformedLines(), is(0L));
    assertThat(cache.get(hash(5)).id(), is(5L));
    assertThat(cache.get(hash(6)).id(), is(6L));
  }

  @Test
  void anAnswerPutByThisJvmIsAHitAtOnceAndHeldOnlyUntilItsLineIsIndexed() throws Exception {
    ResponseCache cache = cache();
    cache.refresh();
    StateRecord r = answer(1, hash(1), true);
    try (JournalWriter w =
        JournalWriter.open(work.resolve("state/generate/journal/run-1").toString())) {
      w.append(StateRecordJson.toJson(r));
      cache.put(r);
      assertThat(cache.get(hash(1)), is(r));
      assertThat(cache.heldAnswers(), is(1));
      cache.refresh();
      assertThat(cache.heldAnswers(), is(0));
      assertThat(cache.get(hash(1)), is(r)); // now read from the journal
      // A refresh can index the line before its put: the put is then dropped by the next refresh.
      StateRecord s = answer(2, hash(2), true);
      w.append(StateRecordJson.toJson(s));
      cache.refresh();
      cache.put(s);
      cache.refresh();
      assertThat(cache.heldAnswers(), is(0));
      assertThat(cache.get(hash(2)), is(s));
    }
  }

  @Test
  void refreshIfOlderThanReadsAgainOnlyOnceTheIntervalHasPassed() throws Exception {
    Path f = journal("run-1", "w1");
    ResponseCache cache = cache();
    assertThat(cache.refreshIfOlderThan(2_000), is(true)); // never refreshed
    append(f, line(answer(1, hash(1), true)));
    now.addAndGet(1_999);
    assertThat(cache.refreshIfOlderThan(2_000), is(false));
    assertThat(cache.get(hash(1)), nullValue());
    now.addAndGet(1);
    assertThat(cache.refreshIfOlderThan(2_000), is(true));
    assertThat(cache.get(hash(1)), notNullValue());
  }

  @Test
  void anEmptyCacheReadsNothingButRemembersWhatIsPut() throws Exception {
    ResponseCache cache = ResponseCache.empty();
    cache.refresh();
    assertThat(cache.get(hash(1)), nullValue());
    cache.put(answer(1, hash(1), true));
    assertThat(cache.get(hash(1)).id(), is(1L));
  }
}
