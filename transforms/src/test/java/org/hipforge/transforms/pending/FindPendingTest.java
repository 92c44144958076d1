package org.hipforge.transforms.pending;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class FindPendingTest {
  @TempDir Path work;

  private PendingResult<ManifestEntry> findPending(
      TestPipeline p, int buckets, ManifestEntry... entries) throws Exception {
    StringBuilder m = new StringBuilder();
    for (ManifestEntry e : entries) {
      m.append(ManifestJson.toJson(e)).append('\n');
    }
    Files.writeString(work.resolve("manifest.jsonl"), m.toString());
    WorkLayout layout = new WorkLayout(work.toString());
    return p.apply(FindPending.in(layout, WorkLayout.Step.DESCRIBE).withBuckets(buckets));
  }

  @Test
  void pendingAreNewStaleRenamedAndFailedTasksNeverPassedOnes(TestPipeline p) throws Exception {
    ManifestEntry done = Records.entry(0, "done.hip", "s0");
    ManifestEntry fresh = Records.entry(1, "new.hip", "s1");
    ManifestEntry changed = Records.entry(2, "changed.hip", "s2-new");
    ManifestEntry failed = Records.entry(3, "failed.hip", "s3");
    ManifestEntry renamed = Records.entry(4, "renamed.hip", "s4");
    Records.writeLines(
        work.resolve("state/describe/r1/part-00000-of-00001.jsonl"),
        List.of(
            Records.passed(0, "done.hip", "s0", 1, "r1"),
            Records.failed(0, "done.hip", "s0", 0, "r1", "timeout"), // an older failure
            Records.passed(2, "changed.hip", "s2-old", 1, "r1"),
            Records.passed(3, "failed.hip", "s3", 1, "r1"),
            Records.passed(4, "old-name.hip", "s4", 1, "r1"),
            Records.passed(99, "gone.hip", "s99", 1, "r1")),
        null);
    // The journal repeats a record (harmless), has a later failure that wins, and a torn end.
    Records.writeLines(
        work.resolve("state/describe/journal/r2/w.jsonl"),
        List.of(
            Records.passed(0, "done.hip", "s0", 1, "r1"),
            Records.failed(3, "failed.hip", "s3", 2, "r2", "timeout")),
        "{\"id\":1,\"fi");

    PendingResult<ManifestEntry> result = findPending(p, 3, done, fresh, changed, failed, renamed);

    PAssert.that(result.pending()).containsInAnyOrder(fresh, changed, failed, renamed);
    PAssert.that(result.malformed())
        .satisfies(
            lines -> {
              List<MalformedLine> all = Records.all(lines);
              assertThat(all.size(), is(1));
              assertThat(all.get(0).torn(), is(true));
              assertThat(all.get(0).file(), containsString("w.jsonl"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void theFirstRunWithNoStateFindsEveryTaskPendingWhateverTheBucketCount(TestPipeline p)
      throws Exception {
    List<ManifestEntry> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(Records.entry(i, "k" + i + ".hip", "s" + i));
    }
    PendingResult<ManifestEntry> result = findPending(p, 7, all.toArray(new ManifestEntry[0]));
    PAssert.that(result.pending()).containsInAnyOrder(all);
    PAssert.that(result.malformed()).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void unreadableStateLinesAreDeadLettersNamedByFileAndLineAndTheRestIsStillRead(TestPipeline p)
      throws Exception {
    ManifestEntry a = Records.entry(0, "a.hip", "s0");
    ManifestEntry b = Records.entry(1, "b.hip", "s1");
    ManifestEntry c = Records.entry(2, "c.hip", "s2");
    Path shard = work.resolve("state/describe/r1/part-00000-of-00001.jsonl");
    Files.createDirectories(shard.getParent());
    java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
    content.write(
        (StateRecordJson.toJson(Records.passed(0, "a.hip", "s0", 1, "r1")) + "\n").getBytes(UTF_8));
    content.write("this is not json\n".getBytes(UTF_8));
    content.write(
        "{\"id\":1,\"file_name\":\"b.hip\",\"pass\":true,\"instruction\":\"".getBytes(UTF_8));
    content.write(new byte[] {(byte) 0xC3, (byte) 0x28}); // not UTF-8
    content.write("\"}\n".getBytes(UTF_8));
    content.write(
        (StateRecordJson.toJson(Records.passed(2, "c.hip", "s2", 1, "r1")) + "\n").getBytes(UTF_8));
    Files.write(shard, content.toByteArray());

    PendingResult<ManifestEntry> result = findPending(p, 2, a, b, c);

    PAssert.that(result.pending()).containsInAnyOrder(b);
    PAssert.that(result.malformed())
        .satisfies(
            lines -> {
              List<String> where = new ArrayList<>();
              lines.forEach(
                  m ->
                      where.add(
                          m.file().replaceAll(".*/", "")
                              + ":"
                              + m.line()
                              + ":"
                              + m.torn()
                              + ":"
                              + m.reason().replaceAll(":.*", "")));
              assertThat(
                  where,
                  containsInAnyOrder(
                      "part-00000-of-00001.jsonl:2:false:invalid JSON",
                      "part-00000-of-00001.jsonl:3:false:not valid UTF-8"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aMalformedManifestLineStopsTheRunNamingFileAndLine(TestPipeline p) throws Exception {
    findPending(p, 2, Records.entry(0, "a.hip", "s0"));
    Files.writeString(
        work.resolve("manifest.jsonl"),
        ManifestJson.toJson(Records.entry(0, "a.hip", "s0"))
            + "\n{\"id\":1,\"file_name\":\"../x\"}\n");
    Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
    assertThat(
        rootMessage(e), allOf(containsString("manifest.jsonl:2"), containsString("climbs out")));
  }

  @Test
  void aMissingManifestIsAClearError(TestPipeline p) throws Exception {
    findPending(p, 2, Records.entry(0, "a.hip", "s0"));
    Files.delete(work.resolve("manifest.jsonl"));
    Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
    assertThat(rootMessage(e), containsString("manifest.jsonl not found"));
  }

  private static String rootMessage(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getMessage()).append(" | ");
    }
    return all.toString();
  }
}
