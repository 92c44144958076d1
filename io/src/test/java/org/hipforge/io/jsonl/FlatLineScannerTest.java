package org.hipforge.io.jsonl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.util.SourceText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner's contract: whenever it reads a line, the Jackson path reads the same values from it;
 * everything else it leaves to Jackson. Checked on our own writers' lines, on hand-made edge cases
 * and on hundreds of thousands of mutated lines.
 */
class FlatLineScannerTest {
  private static final String SHA = "0123456789abcdef".repeat(4);
  private final FlatLineScanner scanner = new FlatLineScanner();

  /** A reading of a line as text that throws when Jackson refuses the line. */
  private interface Reading {
    String read() throws MalformedLineException;
  }

  /** {@code reading}'s text, or null when Jackson refuses the line. */
  private static String orNull(Reading reading) {
    try {
      return reading.read();
    } catch (MalformedLineException e) {
      return null;
    }
  }

  /** What the Jackson path makes of a state line: the slim fields, or null when malformed. */
  private static String slowState(byte[] line) {
    String text;
    try {
      text = SourceText.strictUtf8(line);
    } catch (CharacterCodingException e) {
      return null;
    }
    return orNull(
        () -> {
          StateRecord r = StateRecordJson.parseSlim(text);
          return r.id()
              + "|"
              + r.fileName()
              + "|"
              + r.pass()
              + "|"
              + r.sourceSha256()
              + "|"
              + r.runId()
              + "|"
              + r.attempts()
              + "|"
              + r.finishedAtMillis()
              + "|"
              + r.inputTokens()
              + "|"
              + r.outputTokens()
              + "|"
              + r.compiled();
        });
  }

  /** The text fields only the full Jackson parse reads, or null when it refuses the line. */
  private static String slowText(byte[] line) {
    return orNull(
        () -> {
          StateRecord r = StateRecordJson.parse(new String(line, StandardCharsets.UTF_8));
          return r.instruction() + "|" + r.errorMsg() + "|" + r.promptSha256();
        });
  }

  /** The scanner's fields of a state line, or null when it leaves the line to Jackson. */
  private FlatLineScanner.StateFields scanned(byte[] line) {
    FlatLineScanner.StateFields f = new FlatLineScanner.StateFields();
    return scanner.scanState(line, 0, line.length, f) ? f : null;
  }

  /** What the scanner makes of it, in the same form; null when it leaves the line to Jackson. */
  private String fastState(byte[] line) {
    FlatLineScanner.StateFields f = scanned(line);
    return f == null
        ? null
        : f.id
            + "|"
            + text(line, f.fileNameFrom, f.fileNameTo)
            + "|"
            + f.pass
            + "|"
            + text(line, f.sourceSha256From, f.sourceSha256To)
            + "|"
            + text(line, f.runIdFrom, f.runIdTo)
            + "|"
            + f.attempts
            + "|"
            + f.finishedAtMillis
            + "|"
            + f.inputTokens
            + "|"
            + f.outputTokens
            + "|"
            + (f.compiled == FlatLineScanner.COMPILED_NULL
                ? null
                : f.compiled == FlatLineScanner.COMPILED_TRUE);
  }

  /** The text fields as a reader decodes them from the scanner's ranges. */
  private String fastText(byte[] line) {
    FlatLineScanner.StateFields f = scanned(line);
    return f == null
        ? null
        : decoded(line, f.instructionFrom, f.instructionTo, f.instructionHasEscape)
            + "|"
            + decoded(line, f.errorMsgFrom, f.errorMsgTo, f.errorMsgHasEscape)
            + "|"
            + text(line, f.promptSha256From, f.promptSha256To);
  }

  private static String decoded(byte[] line, int from, int to, boolean escaped) {
    return from < 0 ? null : JsonStrings.decode(line, from, to, escaped);
  }

  private static String slowManifest(byte[] line) {
    return orNull(
        () -> {
          ManifestEntry e = ManifestJson.parse(new String(line, StandardCharsets.UTF_8));
          return e.id() + "|" + e.fileName() + "|" + e.bytes() + "|" + e.sha256();
        });
  }

  private String fastManifest(byte[] line) {
    FlatLineScanner.ManifestFields f = new FlatLineScanner.ManifestFields();
    return !scanner.scanManifest(line, 0, line.length, f)
        ? null
        : f.id
            + "|"
            + text(line, f.fileNameFrom, f.fileNameTo)
            + "|"
            + f.bytes
            + "|"
            + text(line, f.sha256From, f.sha256To);
  }

  private static String text(byte[] line, int from, int to) {
    return from < 0 ? null : new String(line, from, to - from, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The contract on one line: a scanned line reads exactly as Jackson reads it. */
  private boolean agreesOnState(byte[] line) {
    String fast = fastState(line);
    if (fast != null) {
      assertThat(new String(line, StandardCharsets.ISO_8859_1), fast, is(slowState(line)));
      String full = slowText(line);
      if (full != null) { // the full parse also checks fields the scanner passes over
        assertThat(new String(line, StandardCharsets.ISO_8859_1), fastText(line), is(full));
      }
    }
    return fast != null;
  }

  private boolean agreesOnManifest(byte[] line) {
    String fast = fastManifest(line);
    if (fast != null) {
      assertThat(new String(line, StandardCharsets.ISO_8859_1), fast, is(slowManifest(line)));
    }
    return fast != null;
  }

  private static List<StateRecord> typicalRecords() {
    List<StateRecord> out = new ArrayList<>();
    StateRecord.Builder base =
        StateRecord.builder()
            .id(7)
            .fileName("dir/k7.hip")
            .sourceSha256(SHA)
            .provider("openai")
            .model("gpt-4o-mini")
            .inputTokens(812)
            .outputTokens(190)
            .latencyMs(1532)
            .attempts(2)
            .finishedAtMillis(1_790_000_000_123L)
            .runId("20261201-0800")
            .promptSha256(SHA);
    out.add(base.pass(true).instruction("Write a HIP kernel that scales an array.").build());
    out.add(base.pass(false).instruction(null).errorMsg("timeout: no answer within 120 s").build());
    out.add(
        base.pass(true)
            .instruction("Quotes \" and \\ and a\nnewline, a tab\t, unicode ✓ – “smart”, 😀")
            .errorMsg(null)
            .build());
    out.add(base.fileName("ünïcode/ядро.hip").instruction("x").build());
    out.add(base.fileName("a.hip").sourceSha256(null).runId(null).finishedAtMillis(0).build());
    out.add(
        base.sourceSha256("not-hex")
            .cached(true)
            .compiled(false)
            .compileError("error: x")
            .codeSha256(SHA)
            .outputPath("out/hip/a.hip")
            .toolchain("hipcc 5.2")
            .response("```hip\n```")
            .build());
    return out;
  }

  @Test
  void readsEveryLineOurOwnWritersProduceExactlyAsJacksonDoes() {
    for (StateRecord r : typicalRecords()) {
      byte[] line = utf8(StateRecordJson.toJson(r));
      assertThat(StateRecordJson.toJson(r), agreesOnState(line), is(true));
    }
    for (ManifestEntry e :
        List.of(
            new ManifestEntry(0, "a.hip", 10, SHA),
            new ManifestEntry(123456789012L, "deep/dir/ünï.hip", -1, null),
            new ManifestEntry(5, "x.cu", 0, "UPPERCASE-OR-ANYTHING"))) {
      assertThat(ManifestJson.toJson(e), agreesOnManifest(utf8(ManifestJson.toJson(e))), is(true));
    }
  }

  @Test
  void readsALineInTheMiddleOfABuffer() {
    byte[] line = utf8(StateRecordJson.toJson(typicalRecords().get(0)));
    byte[] buf = new byte[line.length + 20];
    System.arraycopy(line, 0, buf, 10, line.length);
    buf[9] = '\n';
    buf[10 + line.length] = '\n';
    FlatLineScanner.StateFields f = new FlatLineScanner.StateFields();
    assertThat(scanner.scanState(buf, 10, 10 + line.length, f), is(true));
    assertThat(f.id, is(7L));
    assertThat(text(buf, f.fileNameFrom, f.fileNameTo), is("dir/k7.hip"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"\\u0069d\":1,\"file_name\":\"a.hip\",\"pass\":true}", // an escaped key that spells "id"
        "{\"id\":1,\"file_name\":\"a\\/b.hip\",\"pass\":true}", // an escape in a returned field
        "{\"id\":\"1\",\"file_name\":\"a.hip\",\"pass\":true}", // id as a string (Jackson accepts)
        "{\"id\":-0,\"file_name\":\"a.hip\",\"pass\":true}",
        "{\"id\":1234567890123456789,\"file_name\":\"a.hip\",\"pass\":true}", // 19 digits
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"attempts\":1.5}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"input_tokens\":1.5}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"compiled\":\"yes\"}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"compiled\":1}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"prompt_sha256\":\"a\\u0062\"}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"instruction\":7}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":false,\"error_msg\":false}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"finished_at\":1790000000}", // epoch
        // seconds
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"finished_at\":\"2026-11-27T18:00:00Z\"}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"extra\":{\"nested\":[1,2]}}",
        "{\"id\":1,\"file_name\":\"a.hip\"}", // no pass
        "{\"id\":1,\"file_name\":\"../up.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"/abs.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"c:x.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"a//b.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"a\\\\b.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"\",\"pass\":true}",
        "{\"id\":1,\"file_name\":null,\"pass\":true}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":\"true\"}",
        "{\"id\":01,\"file_name\":\"a.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true} x",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":tru}",
        "{\"id\":1 \"file_name\":\"a.hip\",\"pass\":true}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pa",
        "[1,2]",
        "",
      })
  void leavesEverythingItDoesNotHandleExactlyToJackson(String line) {
    assertThat(fastState(utf8(line)) == null, is(true));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        " { \"id\" : 3 ,\t\"file_name\" : \"a.hip\" , \"pass\" : false , \"new_key\" : [] } ",
        "{\"id\":3,\"file_name\":\"a.hip\",\"pass\":false,\"new_key\":-1.5e-3,\"k2\":null,\"k3\":\"ü\"}",
        "{\"id\":3,\"id\":4,\"file_name\":\"a.hip\",\"pass\":false,\"pass\":true}",
        "{\"id\":3,\"file_name\":\"a.hip\",\"pass\":true,\"run_id\":null,\"attempts\":null,\"finished_at\":null}"
      })
  void acceptsWhitespaceDuplicatesAndUnknownKeysAsJacksonDoes(String line) {
    byte[] b = utf8(line);
    if (line.contains("[]")) {
      assertThat(line, fastState(b) == null, is(true)); // nested: Jackson's
      assertThat(slowState(b) != null, is(true));
    } else {
      assertThat(line, agreesOnState(b), is(true));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"instruction\":\"a\\nb\\t\\\"q\\\" \\\\ \\/ \\b\\f\\r\"}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"instruction\":\"\\u00e9 \\ud83d\\ude00 \\u0000 ✓\"}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":false,\"error_msg\":\"time\\u006fut: \\\"slow\\\"\",\"instruction\":null}",
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"compiled\":true,\"input_tokens\":null,\"output_tokens\":9}"
      })
  void decodesEscapedTextFieldsAsJacksonDoes(String line) {
    byte[] b = utf8(line);
    assertThat(line, agreesOnState(b), is(true));
    assertThat(line, slowText(b) != null, is(true));
  }

  @Test
  void rejectsInvalidUtf8LikeJavasStrictDecoder() {
    String prefix = "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"instruction\":\"";
    int[][] sequences = {
      {0xC0, 0x80},
      {0xC1, 0xBF},
      {0xE0, 0x80, 0x80},
      {0xED, 0xA0, 0x80},
      {0xF0, 0x80, 0x80, 0x80},
      {0xF4, 0x90, 0x80, 0x80},
      {0xF5, 0x80, 0x80, 0x80},
      {0xFF},
      {0x80},
      {0xC3},
      {0xE2, 0x82},
      {0xC3, 0xA9},
      {0xE2, 0x82, 0xAC},
      {0xF0, 0x9F, 0x98, 0x80},
      {0xEF, 0xBF, 0xBF},
      {0xF4, 0x8F, 0xBF, 0xBF},
    };
    for (int[] seq : sequences) {
      byte[] p = utf8(prefix);
      byte[] line = new byte[p.length + seq.length + 2];
      System.arraycopy(p, 0, line, 0, p.length);
      for (int i = 0; i < seq.length; i++) {
        line[p.length + i] = (byte) seq[i];
      }
      line[line.length - 2] = '"';
      line[line.length - 1] = '}';
      boolean valid = slowState(line) != null;
      assertThat(java.util.Arrays.toString(seq), fastState(line) != null, is(valid));
    }
  }

  /**
   * Mutations of real lines: every truncation, byte flips, inserted bytes and swapped tokens. The
   * scanner must never read a line differently from Jackson, and must read most good ones.
   */
  @Test
  void agreesWithJacksonOnHundredsOfThousandsOfMutatedLines() {
    SplittableRandom random = new SplittableRandom(7);
    byte[] alphabet = utf8("{}[]\":,\\ \t\r0123456789-+.eEtruefalsn/uabcdef\u00e9\u20ac");
    int scanned = 0;
    int total = 0;
    for (StateRecord r : typicalRecords()) {
      byte[] line = utf8(StateRecordJson.toJson(r));
      for (int cut = 0; cut <= line.length; cut++) {
        agreesOnState(java.util.Arrays.copyOf(line, cut));
      }
      for (int i = 0; i < 40_000; i++) {
        byte[] m = line.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
          int at = random.nextInt(m.length);
          switch (random.nextInt(4)) {
            case 0:
              m[at] = alphabet[random.nextInt(alphabet.length)];
              break;
            case 1:
              m[at] = (byte) random.nextInt(256);
              break;
            case 2:
              {
                byte[] n = new byte[m.length + 1];
                System.arraycopy(m, 0, n, 0, at);
                n[at] = alphabet[random.nextInt(alphabet.length)];
                System.arraycopy(m, at, n, at + 1, m.length - at);
                m = n;
                break;
              }
            default:
              {
                byte[] n = new byte[m.length - 1];
                System.arraycopy(m, 0, n, 0, at);
                System.arraycopy(m, at + 1, n, at, m.length - at - 1);
                m = n;
              }
          }
          if (m.length == 0) {
            break;
          }
        }
        total++;
        if (agreesOnState(m)) {
          scanned++;
        }
      }
    }
    // Most single edits land in long text fields and leave the line valid: those must be scanned.
    assertThat(scanned, greaterThan(total / 10));
  }

  @Test
  void agreesWithJacksonOnMutatedManifestLines() {
    SplittableRandom random = new SplittableRandom(11);
    byte[] alphabet = utf8("{}\":,\\ 0123456789-.e/abcnul\u00e9");
    byte[] line = utf8(ManifestJson.toJson(new ManifestEntry(12, "k/kernel_12.hip", 1234, SHA)));
    for (int cut = 0; cut <= line.length; cut++) {
      agreesOnManifest(java.util.Arrays.copyOf(line, cut));
    }
    for (int i = 0; i < 100_000; i++) {
      byte[] m = line.clone();
      m[random.nextInt(m.length)] =
          random.nextBoolean()
              ? alphabet[random.nextInt(alphabet.length)]
              : (byte) random.nextInt(256);
      agreesOnManifest(m);
    }
  }

  @Test
  void aManifestLinesNullOrNonStringShaAndNonIntegerBytesReadAsJacksonReadsThem() {
    for (String line :
        List.of(
            "{\"id\":1,\"file_name\":\"a.hip\",\"bytes\":\"12\",\"sha256\":null}",
            "{\"id\":1,\"file_name\":\"a.hip\",\"bytes\":true,\"sha256\":5}",
            "{\"id\":1,\"file_name\":\"a.hip\",\"bytes\":-3}",
            "{\"file_name\":\"a.hip\",\"id\":2,\"unknown\":\"x\"}")) {
      assertThat(line, agreesOnManifest(utf8(line)), is(true));
    }
  }
}
