package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class WriteStateTest {
  @TempDir Path dir;

  @Test
  void everyRecordLandsAsOneJsonLineInTheNamedShardsAndReadsBackEqual(TestPipeline p)
      throws Exception {
    List<StateRecord> records =
        List.of(
            Records.passed(1, "a.hip", "s1", 1000, "run-1"),
            Records.failed(2, "b.hip", "s2", 2000, "run-1", "compile_error"),
            Records.passed(3, "c.hip", "s3", 3000, "run-1").toBuilder()
                .compiled(true)
                .resources(
                    KernelResources.parseList(
                        "gfx90a k vgprs=8 sgprs=11 agprs=0 lds=0 scratch=0 "
                            + "vgpr_spills=0 sgpr_spills=0 occupancy=8"))
                .build());
    String prefix = dir.resolve("state/generate/run-1/part").toString();

    p.apply(Create.of(records).withCoder(StateRecordCoder.of()))
        .apply(WriteState.to(prefix).withShards(2));
    p.run().waitUntilFinish();

    List<Path> shards;
    try (Stream<Path> files = Files.list(dir.resolve("state/generate/run-1"))) {
      shards = files.sorted().toList();
    }
    assertThat(
        shards.stream().map(s -> s.getFileName().toString()).toList(),
        is(List.of("part-00000-of-00002.jsonl", "part-00001-of-00002.jsonl")));
    Set<StateRecord> back = new HashSet<>();
    for (Path s : shards) {
      for (String line : Files.readAllLines(s)) {
        back.add(StateRecordJson.parse(line));
      }
    }
    assertThat(back, is(new HashSet<>(records)));
  }

  @Test
  void shardCountAndPrefixAreChecked() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> WriteState.to(" "));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> WriteState.to("x").withShards(0));
  }
}
