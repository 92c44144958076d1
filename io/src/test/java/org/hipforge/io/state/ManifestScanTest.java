package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestScanTest {
  @TempDir Path dir;

  private Path manifest(int n) throws IOException {
    List<ManifestEntry> entries = new ArrayList<>();
    for (long id = 0; id < n; id++) {
      entries.add(
          new ManifestEntry(
              id, "k/" + id + ".hip", id, id % 3 == 0 ? null : String.format("%064x", id)));
    }
    Path p = dir.resolve("manifest.jsonl");
    ManifestStore.write(p, entries);
    return p;
  }

  @Test
  void twoThreadsSeeEveryEntryOnceAsOneThreadDoes() throws Exception {
    Path p = manifest(5000);
    Set<ManifestEntry> one = new TreeSet<>((a, b) -> Long.compare(a.id(), b.id()));
    assertThat(ManifestScan.forEach(p.toString(), e -> one.add(e.toManifestEntry())), is(5000L));
    Set<ManifestEntry> two = new ConcurrentSkipListSet<>((a, b) -> Long.compare(a.id(), b.id()));
    assertThat(
        ManifestScan.forEachInParallel(p.toString(), () -> e -> two.add(e.toManifestEntry()), 0),
        is(5000L));
    assertThat(two, is(one));
    assertThat(new ArrayList<>(two), is(ManifestStore.read(p)));
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // a bad line in the second half is named by its line in the whole file
        "3499 | {\"id\": 3499, \"file_name\": }          | manifest.jsonl:3500: malformed manifest line",
        // a duplicate across the halves is found
        "3999 | {\"id\":3999,\"file_name\":\"k/5.hip\"} | manifest.jsonl:4000: duplicate file_name 'k/5.hip'",
      })
  void aProblemInTheSecondHalfIsNamedByItsLineInTheWholeFile(int index, String line, String message)
      throws Exception {
    Path p = manifest(4000);
    List<String> lines = new ArrayList<>(Files.readAllLines(p, StandardCharsets.UTF_8));
    lines.set(index, line);
    Files.write(p, lines, StandardCharsets.UTF_8);
    IOException e =
        assertThrows(
            IOException.class,
            () -> ManifestScan.forEachInParallel(p.toString(), () -> x -> {}, 0));
    assertThat(e.getMessage(), containsString(message));
  }
}
