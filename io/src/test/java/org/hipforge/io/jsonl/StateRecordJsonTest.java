package org.hipforge.io.jsonl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StateRecordJsonTest {

  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "b".repeat(64);
  private static final String SHA_C = "c".repeat(64);
  private static final long T = Instant.parse("2025-03-04T05:06:07.089Z").toEpochMilli();

  static StateRecord fullDescribe() {
    return StateRecord.builder()
        .id(42)
        .fileName("kernels/reduce.hip")
        .pass(true)
        .instruction("Write a HIP kernel that sums an array.")
        .sourceSha256(SHA_A)
        .provider("openai")
        .model("gpt-4o-mini")
        .inputTokens(1234)
        .outputTokens(567)
        .latencyMs(8901)
        .attempts(2)
        .finishedAtMillis(T)
        .runId("run-20250304-050607")
        .promptSha256(SHA_B)
        .cached(true)
        .build();
  }

  static StateRecord fullGenerate() {
    return StateRecord.builder()
        .id(7)
        .fileName("a/b/c.hip")
        .failure("compile_error", "hipcc exited 1")
        .instruction("Describe me")
        .sourceSha256(SHA_A)
        .provider("anthropic")
        .model("claude-sonnet")
        .inputTokens(10)
        .outputTokens(20)
        .latencyMs(30)
        .attempts(1)
        .finishedAtMillis(T + 1)
        .runId("gen-1")
        .promptSha256(SHA_B)
        .codeSha256(SHA_C)
        .compiled(false)
        .compileError("c.hip:3:1: error: expected ';'\n1 error generated.")
        .outputPath("out/hip/a/b/c.hip")
        .toolchain("hipcc 5.2.3 gfx90a")
        .offloadArch("gfx90a,gfx942")
        .response("Here you go:\n```hip\n__global__ void k() {}\n```\n")
        .build();
  }

  private static String malformedReason(String line) {
    MalformedLineException e =
        assertThrows(MalformedLineException.class, () -> StateRecordJson.parse(line));
    return e.getMessage();
  }

  // ---- round trips

  @Test
  void fullDescribeRecordSurvivesTheRoundTrip() throws Exception {
    StateRecord r = fullDescribe();
    String json = StateRecordJson.toJson(r);
    StateRecord back = StateRecordJson.parse(json);
    assertThat(back, is(r));
    assertThat(back.cached(), is(true));
    assertThat(back.compiled(), is(nullValue()));
    assertThat(back.finishedAtMillis(), is(T));
    assertThat(json, containsString("\"finished_at\":\"2025-03-04T05:06:07.089Z\""));
  }

  @Test
  void fullGenerateRecordSurvivesTheRoundTripWithEveryField() throws Exception {
    StateRecord r = fullGenerate();
    StateRecord back = StateRecordJson.parse(StateRecordJson.toJson(r));
    assertThat(back, is(r));
    assertThat(back.pass(), is(false));
    assertThat(back.errorMsg(), is("compile_error: hipcc exited 1"));
    assertThat(back.errorCategory(), is("compile_error"));
    assertThat(back.compiled(), is(false));
    assertThat(back.codeSha256(), is(SHA_C));
    assertThat(back.response(), is(r.response()));
    assertThat(back.compileError(), is(r.compileError()));
    assertThat(back.outputPath(), is("out/hip/a/b/c.hip"));
    assertThat(back.toolchain(), is("hipcc 5.2.3 gfx90a"));
    assertThat(back.offloadArch(), is("gfx90a,gfx942"));
  }

  @Test
  void promptVersionSurvivesTheRoundTripAndIsAbsentForTheBuiltInTemplates() throws Exception {
    StateRecord r = fullDescribe().toBuilder().promptVersion("0123456789ab").build();
    String json = StateRecordJson.toJson(r);
    assertThat(json, containsString("\"prompt_version\":\"0123456789ab\""));
    assertThat(StateRecordJson.parse(json), is(r));
    assertThat(StateRecordJson.parseSlim(json).promptVersion(), is("0123456789ab"));
    assertThat(StateRecordJson.toJson(fullDescribe()), not(containsString("prompt_version")));
  }

  @Test
  void sourceEncodingAndSizeSurviveTheRoundTripAndAreAbsentWhenUnknown() throws Exception {
    StateRecord r = fullDescribe().toBuilder().sourceEncoding("latin-1").sourceBytes(5120).build();
    String json = StateRecordJson.toJson(r);
    assertThat(json, containsString("\"source_encoding\":\"latin-1\""));
    assertThat(json, containsString("\"source_bytes\":5120"));
    assertThat(StateRecordJson.parse(json), is(r));
    assertThat(StateRecordJson.toJson(fullDescribe()), not(containsString("source_encoding")));
    assertThat(StateRecordJson.toJson(fullDescribe()), not(containsString("source_bytes")));
    assertThat(
        StateRecordJson.parse(StateRecordJson.toJson(fullDescribe())).sourceEncoding(),
        is((String) null));
  }

  @Test
  void compiledTrueSurvivesTheRoundTrip() throws Exception {
    StateRecord r = fullGenerate().toBuilder().pass(true).errorMsg(null).compiled(true).build();
    assertThat(StateRecordJson.parse(StateRecordJson.toJson(r)), is(r));
  }

  @Test
  void minimalRecordSurvivesTheRoundTripAndOmitsUnsetOptionalKeys() throws Exception {
    StateRecord r = StateRecord.builder().id(0).fileName("x.hip").pass(false).build();
    String json = StateRecordJson.toJson(r);
    assertThat(StateRecordJson.parse(json), is(r));
    for (String absent :
        new String[] {
          "instruction", "error_msg", "cached", "compiled", "response", "code_sha256", "run_id"
        }) {
      assertThat(json, not(containsString("\"" + absent + "\"")));
    }
  }

  @Test
  void unicodeAndNewlinesInsideInstructionSurviveOnExactlyOneLine() throws Exception {
    String instruction =
        "Line one\nline two\r\nTabs\tand \"quotes\" and \\ backslash\n"
            + "Ünïcödé 核函数 emoji \uD83D\uDE80 and U+2028[\u2028] and NUL[\u0000]";
    StateRecord r = fullDescribe().toBuilder().instruction(instruction).build();
    String json = StateRecordJson.toJson(r);
    assertThat(json.indexOf('\n'), is(-1));
    assertThat(json.indexOf('\r'), is(-1));
    assertThat(json.lines().count(), is(1L));
    StateRecord back = StateRecordJson.parse(json);
    assertThat(back.instruction(), is(instruction));
    assertThat(back, is(r));
  }

  // ---- older Python scripts

  @Test
  void pythonLineWithStringIdEpochSecondsAndMissingOptionalFieldsParses() throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\": \"12\", \"file_name\": \"vec_add.hip\", \"pass\": true, "
                + "\"instruction\": \"Add two vectors.\", \"finished_at\": 1700000000.25}");
    assertThat(r.id(), is(12L));
    assertThat(r.fileName(), is("vec_add.hip"));
    assertThat(r.pass(), is(true));
    assertThat(r.instruction(), is("Add two vectors."));
    assertThat(r.finishedAtMillis(), is(1_700_000_000_250L));
    assertThat(r.runId(), is(nullValue()));
    assertThat(r.sourceSha256(), is(nullValue()));
    assertThat(r.attempts(), is(0));
    assertThat(r.inputTokens(), is(0L));
    assertThat(r.compiled(), is(nullValue()));
  }

  @ParameterizedTest
  @CsvSource({"1700000000, 1700000000000", "1700000000123, 1700000000123"})
  void pythonIntegerEpochSecondsAndEpochMillisAreToldApartBySize(long written, long millis)
      throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":false,\"finished_at\":" + written + "}");
    assertThat(r.finishedAtMillis(), is(millis));
  }

  @Test
  void pythonNaiveIsoFinishedAtIsReadAsUtc() throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\":\"3\",\"file_name\":\"a.hip\",\"pass\":true,"
                + "\"finished_at\":\"2024-03-01T12:34:56.789123\"}");
    long expected =
        LocalDateTime.parse("2024-03-01T12:34:56.789").toInstant(ZoneOffset.UTC).toEpochMilli();
    assertThat(r.finishedAtMillis(), is(expected));
  }

  @Test
  void isoFinishedAtWithAnOffsetIsConvertedToUtc() throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\":3,\"file_name\":\"a.hip\",\"pass\":true,\"finished_at\":\"2024-03-01T14:00:00+02:00\"}");
    assertThat(r.finishedAtMillis(), is(Instant.parse("2024-03-01T12:00:00Z").toEpochMilli()));
  }

  @Test
  void unknownExtraKeysOfAnyShapeAreIgnored() throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\":5,\"extra\":{\"nested\":[1,2,{\"x\":null}]},\"file_name\":\"a.hip\","
                + "\"list\":[\"pass\",false],\"pass\":true,\"score\":0.9,\"flag\":null,"
                + "\"instruction\":\"ok\",\"python_version\":\"3.11\"}");
    assertThat(r.id(), is(5L));
    assertThat(r.pass(), is(true));
    assertThat(r.instruction(), is("ok"));
  }

  @Test
  void nullOptionalFieldsReadAsUnset() throws Exception {
    StateRecord r =
        StateRecordJson.parse(
            "{\"id\":5,\"file_name\":\"a.hip\",\"pass\":false,\"error_msg\":null,\"instruction\":null,"
                + "\"input_tokens\":null,\"finished_at\":null,\"compiled\":null}");
    assertThat(r.errorMsg(), is(nullValue()));
    assertThat(r.instruction(), is(nullValue()));
    assertThat(r.inputTokens(), is(0L));
    assertThat(r.finishedAtMillis(), is(0L));
    assertThat(r.compiled(), is(nullValue()));
    assertThat(r.errorCategory(), is("unknown"));
  }

  // ---- malformed lines name their problem

  static Stream<Arguments> malformedLines() {
    String ok = "\"file_name\":\"a.hip\",\"pass\":true";
    return Stream.of(
        Arguments.of("empty", "", "empty line"),
        Arguments.of("blank", "   \t ", "empty line"),
        Arguments.of("plain text", "hello world", "invalid JSON"),
        Arguments.of("a JSON array", "[1,2,3]", "not a JSON object"),
        Arguments.of("a JSON string", "\"id\"", "not a JSON object"),
        Arguments.of("truncated object", "{\"id\":1,\"file_name\":\"a.hip\",\"pa", "end-of-input"),
        Arguments.of("truncated after a value", "{\"id\":1," + ok, "end-of-input"),
        Arguments.of("missing id", "{" + ok + "}", "missing \"id\""),
        Arguments.of("missing file_name", "{\"id\":1,\"pass\":true}", "missing \"file_name\""),
        Arguments.of("missing pass", "{\"id\":1,\"file_name\":\"a.hip\"}", "missing \"pass\""),
        Arguments.of(
            "pass as string",
            "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":\"true\"}",
            "pass must be true or false"),
        Arguments.of(
            "pass as number",
            "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":1}",
            "pass must be true or false"),
        Arguments.of(
            "file_name as number",
            "{\"id\":1,\"file_name\":5,\"pass\":true}",
            "\"file_name\" must be a string"),
        Arguments.of("file_name null", "{\"id\":1,\"file_name\":null,\"pass\":true}", "refused"),
        Arguments.of(
            "instruction as object",
            "{\"id\":1," + ok + ",\"instruction\":{}}",
            "\"instruction\" must be a string"),
        Arguments.of(
            "tokens as string",
            "{\"id\":1," + ok + ",\"input_tokens\":\"many\"}",
            "\"input_tokens\" must be a number"),
        Arguments.of(
            "attempts as bool",
            "{\"id\":1," + ok + ",\"attempts\":true}",
            "\"attempts\" must be a number"),
        Arguments.of("id as float", "{\"id\":1.5," + ok + "}", "id must be a non-negative integer"),
        Arguments.of(
            "id as word",
            "{\"id\":\"twelve\"," + ok + "}",
            "id must be a non-negative integer, was 'twelve'"),
        Arguments.of("id as bool", "{\"id\":true," + ok + "}", "id must be a non-negative integer"),
        Arguments.of("negative id", "{\"id\":-3," + ok + "}", "id must be >= 0, was -3"),
        Arguments.of("negative string id", "{\"id\":\"-3\"," + ok + "}", "was '-3'"),
        Arguments.of(
            "finished_at as bool",
            "{\"id\":1," + ok + ",\"finished_at\":true}",
            "finished_at must be an ISO-8601 string"),
        Arguments.of(
            "finished_at as prose",
            "{\"id\":1," + ok + ",\"finished_at\":\"yesterday\"}",
            "finished_at: not an ISO-8601 time: 'yesterday'"),
        Arguments.of(
            "file_name with ..",
            "{\"id\":1,\"file_name\":\"../../etc/passwd\",\"pass\":true}",
            "file_name '../../etc/passwd' refused: it climbs out of its root with '..'"),
        Arguments.of(
            "absolute file_name",
            "{\"id\":1,\"file_name\":\"/etc/passwd\",\"pass\":true}",
            "file_name '/etc/passwd' refused: it is absolute"),
        Arguments.of(
            "second object on the line",
            "{\"id\":1," + ok + "}{\"id\":2}",
            "trailing characters after the JSON object"),
        Arguments.of(
            "trailing number",
            "{\"id\":1," + ok + "} 7",
            "trailing characters after the JSON object"),
        Arguments.of("trailing word", "{\"id\":1," + ok + "} garbage", "garbage"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedLines")
  void malformedLineIsRefusedWithItsProblemNamed(String what, String line, String reasonPart) {
    assertThat(malformedReason(line), containsString(reasonPart));
  }

  @Test
  void invalidJsonReasonStartsWithInvalidJson() {
    assertThat(malformedReason("{\"id\":1 \"file_name\":\"a.hip\"}"), startsWith("invalid JSON: "));
  }

  @Test
  void refusedFileNameIsCheckedEvenWhenOtherFieldsAreFine() {
    assertThat(
        malformedReason(
            StateRecordJson.toJson(fullDescribe())
                .replace("kernels/reduce.hip", "kernels/../../reduce.hip")),
        allOf(containsString("refused"), containsString("'..'")));
  }

  @Test
  void aPaidUnusableAnswerKeepsItsCategoryFinishReasonEstimateFlagAndCacheTokens()
      throws Exception {
    StateRecord r =
        StateRecord.builder()
            .id(7)
            .fileName("k.hip")
            .failure("truncated", "cut at max_tokens 1024")
            .inputTokens(4012)
            .outputTokens(1024)
            .finishReason("max_tokens")
            .tokensEstimated(true)
            .cacheCreationInputTokens(1000)
            .cacheReadInputTokens(3000)
            .promptSha256("ab")
            .finishedAtMillis(T)
            .runId("r")
            .build();
    String json = StateRecordJson.toJson(r);
    assertThat(
        json,
        allOf(
            containsString("\"finish_reason\":\"max_tokens\""),
            containsString("\"tokens_estimated\":true"),
            containsString("\"cache_creation_input_tokens\":1000"),
            containsString("\"cache_read_input_tokens\":3000")));
    StateRecord back = StateRecordJson.parse(json);
    assertThat(back, is(r));
    assertThat(back.errorCategory(), is("truncated"));
    assertThat(
        "the scan for pending decisions reads it too",
        StateRecordJson.parseSlim(json).pass(),
        is(false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // an older record, written before the fields existed
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"instruction\":\"x\",\"input_tokens\":5,"
            + "\"output_tokens\":6}",
        // odd values: read leniently, like the byte scanner reads unknown keys
        "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"finish_reason\":7,"
            + "\"tokens_estimated\":\"yes\",\"cache_read_input_tokens\":\"9\"}"
      })
  void theNewFieldsReadAsUnsetFromOlderLinesAndOddValuesAndAreOmittedWhenUnset(String line)
      throws Exception {
    StateRecord back = StateRecordJson.parse(line);
    assertThat(back.finishReason(), is(nullValue()));
    assertThat(back.tokensEstimated(), is(false));
    assertThat(back.cacheReadInputTokens(), is(0L));
    assertThat(
        StateRecordJson.toJson(back),
        allOf(
            not(containsString("finish_reason")),
            not(containsString("tokens_estimated")),
            not(containsString("cache_"))));
  }

  @Test
  void hugeTokenCountsSaturateInsteadOfMakingTheLineUnreadable() throws Exception {
    StateRecord back =
        StateRecordJson.parse(
            "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,"
                + "\"input_tokens\":1e30,\"output_tokens\":99999999999999999999999}");
    assertThat(back.inputTokens(), is(Long.MAX_VALUE));
    assertThat(back.outputTokens(), is(Long.MAX_VALUE));
  }

  @Test
  void fidelityIsWrittenAsFlatCountsWithItsScoreAndSurvivesTheRoundTrip() throws Exception {
    StateRecord r = fullGenerate().toBuilder().fidelity(new Fidelity(2, 3, 2, 1, 2, 2)).build();
    String json = StateRecordJson.toJson(r);
    assertThat(
        json,
        allOf(
            containsString("\"fidelity_kernels_source\":2"),
            containsString("\"fidelity_kernels_generated\":3"),
            containsString("\"fidelity_params_matched\":1"),
            containsString("\"fidelity_score\":" + r.fidelity().score())));
    assertFlatGroupReadsBack(json, r, "fidelity");
  }

  /**
   * {@code json}, written from {@code r}, reads back as {@code r} on the byte scanner's fast path,
   * and a record without the {@code group} writes none of its keys.
   */
  private static void assertFlatGroupReadsBack(String json, StateRecord r, String group)
      throws Exception {
    assertThat(StateRecordJson.parse(json), is(r));
    assertThat(
        "flat keys keep the line on the byte scanner's fast path",
        scans(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        is(true));
    assertThat(StateRecordJson.toJson(fullGenerate()), not(containsString(group)));
  }

  @Test
  void roundVerdictsAreWrittenFlatWithTheirRoundCountAndBothReadersAgreeOnTheRounds()
      throws Exception {
    StateRecord r =
        fullGenerate().toBuilder()
            .roundVerdicts(java.util.List.of("compile_error", "compiled"))
            .build();
    String json = StateRecordJson.toJson(r);
    assertThat(
        json,
        allOf(
            containsString("\"rounds\":1"),
            containsString("\"round_verdicts\":\"compile_error,compiled\"")));
    StateRecord back = StateRecordJson.parse(json);
    assertThat(back, is(r));
    assertThat(back.roundVerdicts(), is(java.util.List.of("compile_error", "compiled")));
    assertThat(back.rounds(), is(1));
    byte[] line = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    FlatLineScanner.StateFields f = new FlatLineScanner.StateFields();
    assertThat(
        "flat: the byte scanner reads the line",
        new FlatLineScanner().scanState(line, 0, line.length, f),
        is(true));
    assertThat(f.rounds, is(1));
    assertThat(StateRecordJson.toJson(fullGenerate()), not(containsString("round")));
    assertThat(
        StateRecordJson.parse(StateRecordJson.toJson(fullGenerate())).rounds(), is(nullValue()));
    // Read leniently: an odd value is no repair loop, not a refused line.
    assertThat(
        StateRecordJson.parse(
                "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,\"round_verdicts\":3}")
            .roundVerdicts(),
        is(nullValue()));
  }

  @Test
  void closingARoundAppendsTheRecordsOwnVerdict() {
    StateRecord failed =
        fullGenerate().toBuilder().failure("compile_error", "x").compiled(false).build();
    StateRecord once = failed.closeRound();
    assertThat(once.roundVerdicts(), is(java.util.List.of("compile_error")));
    assertThat(once.rounds(), is(0));
    StateRecord compiled =
        once.toBuilder().pass(true).errorMsg(null).compiled(true).build().closeRound();
    assertThat(compiled.roundVerdicts(), is(java.util.List.of("compile_error", "compiled")));
    assertThat(compiled.rounds(), is(1));
    assertThat(
        fullGenerate().toBuilder().pass(true).compiled(null).build().verdict(), is("passed"));
  }

  private static boolean scans(byte[] line) {
    return new FlatLineScanner().scanState(line, 0, line.length, new FlatLineScanner.StateFields());
  }

  @Test
  void aPartialOrInconsistentFidelityReadsAsNoneInsteadOfRefusingTheLine() throws Exception {
    String head = "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,";
    assertThat(
        StateRecordJson.parse(head + "\"fidelity_kernels_source\":1}").fidelity(), is(nullValue()));
    assertThat(
        StateRecordJson.parse(
                head
                    + "\"fidelity_kernels_source\":1,\"fidelity_kernels_generated\":1,"
                    + "\"fidelity_names_matched\":5,\"fidelity_params_matched\":0,\"fidelity_shared_matched\":0,"
                    + "\"fidelity_bounds_matched\":0}")
            .fidelity(),
        is(nullValue()));
  }

  @Test
  void kernelResourcesAreWrittenAsFlatExtremesPlusOneCompactTextAndSurviveTheRoundTrip()
      throws Exception {
    java.util.List<org.hipforge.io.record.KernelResources> ks =
        org.hipforge.io.record.KernelResources.parseList(
            "gfx90a tile vgprs=3 sgprs=6 agprs=0 lds=4096 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=8; "
                + "gfx90a _Z5spillPfPKf vgprs=24 sgprs=15 agprs=2 lds=0 scratch=2064 vgpr_spills=5 sgpr_spills=1 occupancy=6; "
                + "gfx1030 tile vgprs=3 sgprs=6 agprs=0 lds=4096 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=16");
    StateRecord r =
        fullGenerate().toBuilder().pass(true).errorMsg(null).compiled(true).resources(ks).build();
    String json = StateRecordJson.toJson(r);

    assertThat(
        json,
        allOf(
            containsString("\"resources_vgprs_max\":24"),
            containsString("\"resources_sgprs_max\":15"),
            containsString("\"resources_agprs_max\":2"),
            containsString("\"resources_lds_bytes_max\":4096"),
            containsString("\"resources_scratch_bytes_max\":2064"),
            containsString("\"resources_vgpr_spills_max\":5"),
            containsString("\"resources_sgpr_spills_max\":1"),
            containsString("\"resources_occupancy_min\":6"),
            containsString("\"resources_kernels\":\"gfx90a tile vgprs=3 ")));
    assertThat(StateRecordJson.parse(json).resources(), is(ks));
    assertFlatGroupReadsBack(json, r, "resources");
  }

  @Test
  void unreadableKernelResourcesReadAsNoneInsteadOfRefusingTheLine() throws Exception {
    String head = "{\"id\":1,\"file_name\":\"a.hip\",\"pass\":true,";
    assertThat(
        StateRecordJson.parse(head + "\"resources_kernels\":\"gfx90a bad name vgprs=x\"}")
            .resources()
            .isEmpty(),
        is(true));
    assertThat(
        StateRecordJson.parse(head + "\"resources_kernels\":[1,2]}").resources().isEmpty(),
        is(true));
  }
}
