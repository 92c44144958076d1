package org.hipforge.io.manifest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  static Stream<Arguments> refusedManifests() {
    return in(
        "manifest.jsonl",
        arguments(
            "a malformed line stops the read naming file and line",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n\n{\"id\":1,\"file_name\":\"b.h\n",
            ":3: malformed manifest line"),
        arguments(
            "an unsafe file name stops the read naming file, line and the '..'",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"../../etc/passwd\"}\n",
            ":2: malformed manifest line: file_name '../../etc/passwd' refused: it climbs out of its root with '..'"),
        arguments(
            "a duplicate id stops the read naming file, line and id",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"b.hip\"}\n"
                + "{\"id\":\"1\",\"file_name\":\"c.hip\"}\n",
            ":3: duplicate id 1"),
        arguments(
            "a duplicate file name stops the read naming file, line and name",
            "{\"id\":0,\"file_name\":\"a.hip\"}\n{\"id\":1,\"file_name\":\"a.hip\"}\n",
            ":2: duplicate file_name 'a.hip'"));
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

  static Stream<Arguments> refusedLegacyArrays() {
    return in(
        "manifest.json",
        arguments("an object is no array", "{\"0\": \"a.hip\"}", ": expected a JSON array"),
        arguments("an empty file is no array", "", ": expected a JSON array"),
        arguments(
            "an element that is no object is refused with its index",
            "[{\"id\":0,\"file_name\":\"a.hip\"}, \"b.hip\"]",
            ": element 1 is not a JSON object"),
        arguments(
            "an element without file_name is refused with its index",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_name\":\"b.hip\"},{\"id\":2}]",
            ": element 2: missing \"file_name\""),
        arguments(
            "an element with an absolute file name is refused with its index",
            "[{\"id\":0,\"file_name\":\"/etc/passwd\"}]",
            ": element 0: file_name '/etc/passwd' refused"),
        arguments(
            "an element with a negative id is refused with its index",
            "[{\"id\":-4,\"file_name\":\"a.hip\"}]",
            ": element 0: id must be >= 0"),
        arguments(
            "a truncated array is refused naming the file",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_na",
            ": not valid JSON: Unexpected end-of-input"),
        arguments(
            "garbage between elements is refused naming the file",
            "[{\"id\":0,\"file_name\":\"a.hip\"} garbage]",
            ": not valid JSON: "),
        arguments(
            "a duplicate id is refused naming the element",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":0,\"file_name\":\"b.hip\"}]",
            ": element 1: duplicate id 0"),
        arguments(
            "a duplicate file name is refused naming the element",
            "[{\"id\":0,\"file_name\":\"a.hip\"},{\"id\":1,\"file_name\":\"a.hip\"}]",
            ": element 1: duplicate file_name 'a.hip'"));
  }

  /** Rows (behaviour, content, message) of a table, with {@code fileName} put after behaviour. */
  private static Stream<Arguments> in(String fileName, Arguments... rows) {
    return Stream.of(rows).map(r -> arguments(r.get()[0], fileName, r.get()[1], r.get()[2]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"refusedManifests", "refusedLegacyArrays"})
  void aBadManifestIsRefusedWithAMessageNamingTheFile(
      String behaviour, String fileName, String content, String message) throws Exception {
    Path file = write(fileName, content);
    IOException e =
        assertThrows(
            IOException.class,
            () -> {
              if (fileName.endsWith(".jsonl")) {
                ManifestStore.read(file);
              } else {
                ManifestStore.readLegacyArray(file);
              }
            });
    assertThat(e.getMessage(), startsWith(file + message));
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
