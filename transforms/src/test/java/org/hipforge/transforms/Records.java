package org.hipforge.transforms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/** Small builders for test records and files. */
public final class Records {
  private Records() {}

  public static StateRecord passed(long id, String file, String sha, long at, String run) {
    return StateRecord.builder()
        .id(id)
        .fileName(file)
        .pass(true)
        .instruction("do " + file)
        .sourceSha256(sha)
        .finishedAtMillis(at)
        .runId(run)
        .attempts(1)
        .build();
  }

  public static StateRecord failed(
      long id, String file, String sha, long at, String run, String category) {
    return StateRecord.builder()
        .id(id)
        .fileName(file)
        .failure(category, "because")
        .sourceSha256(sha)
        .finishedAtMillis(at)
        .runId(run)
        .attempts(1)
        .build();
  }

  public static ManifestEntry entry(long id, String file, String sha) {
    return new ManifestEntry(id, file, 10, sha);
  }

  /** The elements of {@code elements} (a PAssert's iterable) as a list. */
  public static <T> List<T> all(Iterable<T> elements) {
    List<T> all = new ArrayList<>();
    elements.forEach(all::add);
    return all;
  }

  public static void writeLines(Path file, List<StateRecord> records, String tail)
      throws IOException {
    Files.createDirectories(file.getParent());
    StringBuilder b = new StringBuilder();
    for (StateRecord r : records) {
      b.append(StateRecordJson.toJson(r)).append('\n');
    }
    if (tail != null) {
      b.append(tail);
    }
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }
}
