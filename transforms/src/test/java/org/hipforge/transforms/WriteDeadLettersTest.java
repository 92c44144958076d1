package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class WriteDeadLettersTest {
  @TempDir Path dir;

  @Test
  void everyUnreadableLineIsAppendedWithFileLineReasonAndTornFlag(TestPipeline p) throws Exception {
    Path out = dir.resolve("dead-letters");
    p.apply(
            Create.of(
                    new MalformedLine(
                        "state/describe/r1/part-00000-of-00001.jsonl", 7, "missing \"id\"", false),
                    new MalformedLine(
                        "state/describe/journal/r2/w.jsonl", 12, "truncated JSON object", true))
                .withCoder(SerializableCoder.of(MalformedLine.class)))
        .apply(WriteDeadLetters.to(out.toString()));
    p.run().waitUntilFinish();

    List<String> seen = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        for (String line : Files.readAllLines(f)) {
          JsonNode n = json.readTree(line);
          seen.add(
              n.get("file").asText()
                  + ":"
                  + n.get("line").asLong()
                  + " "
                  + n.get("reason").asText()
                  + " torn="
                  + n.get("torn").asBoolean());
        }
      }
    }
    assertThat(
        seen,
        containsInAnyOrder(
            "state/describe/r1/part-00000-of-00001.jsonl:7 missing \"id\" torn=false",
            "state/describe/journal/r2/w.jsonl:12 truncated JSON object torn=true"));
  }

  @Test
  void nothingToReportWritesNoFile(TestPipeline p) throws Exception {
    Path out = dir.resolve("dead-letters");
    p.apply(Create.empty(SerializableCoder.of(MalformedLine.class)))
        .apply(WriteDeadLetters.to(out.toString()));
    p.run().waitUntilFinish();
    if (Files.exists(out)) {
      try (Stream<Path> files = Files.walk(out)) {
        assertThat(
            files
                .filter(Files::isRegularFile)
                .filter(
                    f -> {
                      try {
                        return Files.size(f) > 0;
                      } catch (java.io.IOException e) {
                        return true;
                      }
                    })
                .count(),
            is(0L));
      }
    }
  }
}
