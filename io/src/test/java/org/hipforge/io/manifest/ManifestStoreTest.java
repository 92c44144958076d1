package org.hipforge.io.manifest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.record.ManifestEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestStoreTest {

  @TempDir Path dir;

  private static String sha(char c) {
    return String.valueOf(c).repeat(64);
  }

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private static List<String> listNames(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  // ---- manifest.jsonl

  @Test
  void writtenManifestReadsBackEqualInOrder() throws Exception {
    List<ManifestEntry> entries =
        List.of(
            new ManifestEntry(0, "a.hip", 10, sha('a')),
            new ManifestEntry(1, "sub/b.cpp", 20, sha('b')),
            new ManifestEntry(5, "ünï/c d.hip", 0, null));
    Path file = dir.resolve("manifest.jsonl");
    ManifestStore.write(file, entries);
    assertThat(ManifestStore.read(file), is(entries));
    assertThat(Files.readAllLines(file).size(), is(3));
  }

  @Test
  void emptyManifestRoundTrips() throws Exception {
    Path file = dir.resolve("manifest.jsonl");
    ManifestStore.write(file, List.of());
    assertThat(Files.size(file), is(0L));
    assertThat(ManifestStore.read(file), is(empty()));
  }

  @Test
  void writeCreatesMissingParentDirectories() throws Exception {
    Path file = dir.resolve("work/nested/manifest.jsonl");
    ManifestStore.write(file, List.of(new ManifestEntry(0, "a.hip", 1, sha('a'))));
    assertThat(ManifestStore.read(file).size(), is(1));
  }

  @Test
  void writeReplacesAnExistingManifestAndLeavesNoTempFile() throws Exception {
    Path file = dir.resolve("manifest.jsonl");
    List<ManifestEntry> big = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      big.add(new ManifestEntry(i, "f" + i + ".hip", i, sha('a')));
    }
    ManifestStore.write(file, big);
    List<ManifestEntry> small = List.of(new ManifestEntry(0, "only.hip", 3, sha('b')));
    ManifestStore.write(file, small);
    assertThat(ManifestStore.read(file), is(small));
    assertThat(listNames(dir), contains("manifest.jsonl"));
  }

  @Test
  void failedWriteLeavesTheOldManifestAndNoTempFile() throws Exception {
    Path file = dir.resolve("manifest.jsonl");
    List<ManifestEntry> old = List.of(new ManifestEntry(0, "a.hip", 1, sha('a')));
    ManifestStore.write(file, old);
    List<ManifestEntry> withNull = new ArrayList<>();
    withNull.add(new ManifestEntry(0, "b.hip", 1, sha('b')));
    withNull.add(null);
    assertThrows(NullPointerException.class, () -> ManifestStore.write(file, withNull));
    assertThat(ManifestStore.read(file), is(old));
    assertThat(listNames(dir), contains("manifest.jsonl"));
  }

  @Test
  void blankLinesAndCrlfEndingsAreTolerated() throws Exception {
    Path file =
        write(
            "manifest.jsonl",
            "{\"id\":0,\"file_name\":\"a.hip\",\"bytes\":1}\r\n\r\n   \n{\"id\":1,\"file_name\":\"b.hip\",\"bytes\":2}\n");
    List<ManifestEntry> read = ManifestStore.read(file);
    assertThat(read.size(), is(2));
    assertThat(read.get(1).fileName(), is("b.hip"));
  }

  @Test
  void malformedLineStopsTheReadNamingFileAndLine() throws Exception {
    Path file =
        write(
            "manifest.jsonl",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n\n{\"id\":1,\"file_name\":\"b.h\n");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.read(file));
    assertThat(e.getMessage(), containsString(file + ":3: malformed manifest line"));
  }

  @Test
  void unsafeFileNameStopsTheReadNamingFileAndLine() throws Exception {
    Path file =
        write(
            "manifest.jsonl",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"../../etc/passwd\"}\n");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.read(file));
    assertThat(e.getMessage(), containsString(file + ":2: malformed manifest line"));
    assertThat(e.getMessage(), containsString("'..'"));
  }

  @Test
  void duplicateIdStopsTheReadNamingFileLineAndId() throws Exception {
    Path file =
        write(
            "manifest.jsonl",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"b.hip\"}\n"
                + "{\"id\":\"1\",\"file_name\":\"c.hip\"}\n");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.read(file));
    assertThat(e.getMessage(), is(file + ":3: duplicate id 1"));
  }

  @Test
  void duplicateFileNameStopsTheReadNamingFileLineAndName() throws Exception {
    Path file =
        write(
            "manifest.jsonl",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"a.hip\"}\n");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.read(file));
    assertThat(e.getMessage(), is(file + ":2: duplicate file_name 'a.hip'"));
  }

  @Test
  void missingManifestFileIsAnIOException() {
    assertThrows(IOException.class, () -> ManifestStore.read(dir.resolve("nope.jsonl")));
  }

  // ---- the older manifest.json array

  @Test
  void legacyArrayOfIdAndFileNameIsImported() throws Exception {
    Path file =
        write(
            "manifest.json",
            "[\n  {\"id\": 0, \"file_name\": \"a.hip\"},\n  {\"id\": \"1\", \"file_name\": \"sub/b.hip\", "
                + "\"extra\": {\"k\": [1]}},\n  {\"file_name\": \"c.hip\", \"id\": 7, \"bytes\": 12, "
                + "\"sha256\": \""
                + sha('c')
                + "\"}\n]\n");
    List<ManifestEntry> read = ManifestStore.readLegacyArray(file);
    assertThat(
        read,
        contains(
            new ManifestEntry(0, "a.hip", -1, null),
            new ManifestEntry(1, "sub/b.hip", -1, null),
            new ManifestEntry(7, "c.hip", 12, sha('c'))));
    assertThat(read.get(0).sha256(), is(nullValue()));
  }

  @Test
  void emptyLegacyArrayGivesNoEntries() throws Exception {
    assertThat(ManifestStore.readLegacyArray(write("manifest.json", "[]")), is(empty()));
  }

  @Test
  void legacyFileThatIsNotAnArrayIsRefusedNamingTheFile() throws Exception {
    Path file = write("manifest.json", "{\"0\": \"a.hip\"}");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), containsString(file + ": expected a JSON array"));
    Path empty = write("empty.json", "");
    IOException e2 = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(empty));
    assertThat(e2.getMessage(), containsString(empty + ": expected a JSON array"));
  }

  @Test
  void legacyElementThatIsNotAnObjectIsRefusedWithItsIndex() throws Exception {
    Path file = write("manifest.json", "[{\"id\":0,\"file_name\":\"a.hip\"}, \"b.hip\"]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), is(file + ": element 1 is not a JSON object"));
  }

  @Test
  void legacyElementWithoutFileNameIsRefusedWithItsIndex() throws Exception {
    Path file =
        write(
            "manifest.json",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_name\":\"b.hip\"},{\"id\":2}]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), is(file + ": element 2: missing \"file_name\""));
  }

  @Test
  void legacyElementWithUnsafeNameOrBadIdIsRefusedWithItsIndex() throws Exception {
    Path abs = write("abs.json", "[{\"id\":0,\"file_name\":\"/etc/passwd\"}]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(abs));
    assertThat(
        e.getMessage(), containsString(abs + ": element 0: file_name '/etc/passwd' refused"));
    Path neg = write("neg.json", "[{\"id\":-4,\"file_name\":\"a.hip\"}]");
    IOException e2 = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(neg));
    assertThat(e2.getMessage(), containsString(neg + ": element 0: id must be >= 0"));
  }

  @Test
  void truncatedLegacyArrayIsRefusedNamingTheFile() throws Exception {
    Path file = write("manifest.json", "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_na");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), containsString(file + ": not valid JSON: Unexpected end-of-input"));
  }

  @Test
  void legacyArrayWithGarbageBetweenElementsIsRefusedNamingTheFile() throws Exception {
    Path file = write("manifest.json", "[{\"id\":0,\"file_name\":\"a.hip\"} garbage]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), containsString(file + ": not valid JSON: "));
  }

  @Test
  void legacyDuplicateIdIsRefusedNamingTheElement() throws Exception {
    Path file =
        write(
            "manifest.json",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":0,\"file_name\":\"b.hip\"}]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), is(file + ": element 1: duplicate id 0"));
  }

  @Test
  void legacyDuplicateFileNameIsRefusedNamingTheElement() throws Exception {
    Path file =
        write(
            "manifest.json",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_name\":\"a.hip\"}]");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readLegacyArray(file));
    assertThat(e.getMessage(), is(file + ": element 1: duplicate file_name 'a.hip'"));
  }

  @Test
  void theSourceRootIsRecordedAbsoluteAndReadBackAndAnOldManifestHasNone() throws IOException {
    Path file = dir.resolve("manifest.source.json");
    assertThat(ManifestStore.readSourceRoot(file), nullValue());

    ManifestStore.writeSourceRoot(file, dir.resolve("src/../sources"));

    assertThat(
        ManifestStore.readSourceRoot(file), is(dir.resolve("sources").toAbsolutePath().toString()));
    assertThat(listNames(dir), contains("manifest.source.json")); // no temp file left
  }

  @Test
  void aSourceRootFileThatIsNotOneNamesItself() throws IOException {
    Path file = write("manifest.source.json", "{\"source_root\": 3}");
    IOException e = assertThrows(IOException.class, () -> ManifestStore.readSourceRoot(file));
    assertThat(e.getMessage(), containsString(file + ": source_root must be a non-empty string"));
    write("manifest.source.json", "[1]");
    assertThat(
        assertThrows(IOException.class, () -> ManifestStore.readSourceRoot(file)).getMessage(),
        containsString("expected a JSON object"));
  }
}
