package org.hipforge.transforms.pending;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadStateTest {
  @TempDir Path work;

  @Test
  void readsShardsAndJournalsAndDeadLettersBadLinesWithFileAndLine(TestPipeline p)
      throws Exception {
    WorkLayout layout = new WorkLayout(work.toString());
    StateRecord a = Records.passed(1, "a.hip", "s1", 1000, "r1");
    StateRecord b = Records.failed(2, "b.hip", "s2", 1000, "r1", "timeout");
    Records.writeLines(
        work.resolve("state/describe/r1/part-00000-of-00001.jsonl"), List.of(a, b), null);
    // The journal repeats a (harmless) and ends with a torn line from a crash mid-write.
    Records.writeLines(
        work.resolve("state/describe/journal/r2/w1.jsonl"),
        List.of(a, Records.passed(2, "b.hip", "s2", 2000, "r2")),
        "{\"id\":3,\"file_na");
    Files.writeString(
        work.resolve("state/describe/journal/r2/w2.jsonl"),
        "{\"id\":4,\"file_name\":\"d.hip\",\"pass\":true}\nnot json at all\n");

    ReadState.Result state =
        p.apply(
            ReadState.fromGlobs(
                List.of(
                    layout.shardGlob(WorkLayout.Step.DESCRIBE),
                    layout.journalGlob(WorkLayout.Step.DESCRIBE))));

    PAssert.that(state.output().apply(Count.globally())).containsInAnyOrder(5L);
    PAssert.that(state.failures())
        .satisfies(
            lines -> {
              List<MalformedLine> all = Records.all(lines);
              assertThat(all.size(), is(2));
              for (MalformedLine m : all) {
                if (m.torn()) {
                  assertThat(m.file(), endsWith("w1.jsonl"));
                  assertThat(m.line(), is(3L));
                  assertThat(m.reason(), containsString("torn last line"));
                } else {
                  assertThat(m.file(), endsWith("w2.jsonl"));
                  assertThat(m.line(), is(2L));
                  assertThat(m.reason(), containsString("invalid JSON"));
                }
              }
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aWorkDirWithNoStateYetReadsAsEmpty(TestPipeline p) {
    WorkLayout layout = new WorkLayout(work.toString());
    ReadState.Result state =
        p.apply(ReadState.fromGlobs(List.of(layout.shardGlob(WorkLayout.Step.DESCRIBE))));
    PAssert.that(state.output()).empty();
    PAssert.that(state.failures()).empty();
    p.run().waitUntilFinish();
  }
}
