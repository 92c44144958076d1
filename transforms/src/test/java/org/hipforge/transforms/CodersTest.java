package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.FailureCoder;
import org.hipforge.transforms.coders.GeneratedCodeCoder;
import org.hipforge.transforms.coders.LlmTaskCoder;
import org.hipforge.transforms.coders.MalformedLineCoder;
import org.hipforge.transforms.coders.ManifestEntryCoder;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CodersTest {
  private static StateRecord full() {
    return StateRecord.builder()
        .id(123456789L)
        .fileName("dir/ü.hip")
        .pass(false)
        .instruction("do ✓")
        .errorMsg("compile_error: x")
        .sourceSha256("ab")
        .provider("p")
        .model("m")
        .inputTokens(-1)
        .outputTokens(7)
        .latencyMs(0)
        .attempts(3)
        .finishedAtMillis(-5)
        .runId("r")
        .promptSha256("ps")
        .cached(true)
        .codeSha256("cs")
        .compiled(false)
        .compileError("e")
        .outputPath("out/hip/x")
        .toolchain("HIP")
        .offloadArch("gfx90a")
        .response("```hip```")
        .finishReason("length")
        .tokensEstimated(true)
        .cacheCreationInputTokens(3)
        .cacheReadInputTokens(4)
        .sourceEncoding("latin-1")
        .sourceBytes(4096)
        .fidelity(new org.hipforge.io.record.Fidelity(3, 2, 2, 1, 2, 0))
        .resources(
            org.hipforge.io.record.KernelResources.parseList(
                "gfx90a _Z1kPf vgprs=24 sgprs=15 agprs=2 lds=4096 scratch=2064 vgpr_spills=5 sgpr_spills=1 occupancy=6; "
                    + "gfx1030:xnack+ tile vgprs=3 sgprs=6 agprs=0 lds=0 scratch=0 vgpr_spills=0 sgpr_spills=0 occupancy=16"))
        .roundVerdicts(List.of("compile_error", "no_code", "compile_error"))
        .build();
  }

  private static final StateRecord NO_CODE =
      StateRecord.builder()
          .id(7)
          .fileName("a/b.hip")
          .sourceSha256("sha")
          .failure("no_code", "no fenced block ✓")
          .finishedAtMillis(123)
          .attempts(2)
          .instruction("write it")
          .build();

  @Test
  void failuresAndGeneratedCodeSurviveTheirCompactCoders() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(
        FailureCoder.of(),
        Failure.of(
            StateRecord.builder()
                .id(0)
                .fileName("x")
                .failure("not_found", "gone")
                .finishedAtMillis(-5)
                .build(),
            "read_sources"));
    CoderProperties.coderDecodeEncodeEqual(
        FailureCoder.of(),
        Failure.of(
            full().toBuilder().failure("truncated", "cut at max_tokens").build(), "call_llm"));
    CoderProperties.coderDecodeEncodeEqual(
        GeneratedCodeCoder.of(), new GeneratedCode(full(), "__global__ void k() {}\n"));
    CoderProperties.coderDecodeEncodeEqual(
        GeneratedCodeCoder.of(),
        new GeneratedCode(StateRecord.builder().id(0).fileName("a.hip").pass(true).build(), ""));
    CoderProperties.coderDeterministic(
        FailureCoder.of(),
        Failure.of(NO_CODE, "validate_hip"),
        Failure.of(NO_CODE, "validate_hip"));
  }

  /** A repair round's task with every component set, negatives where a count can be -1. */
  private static final LlmTask REPAIR_TASK =
      new LlmTask(
          300,
          "dir/ü.hip",
          "sha",
          new ChatRequest("sys", "fix ✓", 900),
          "ps",
          "write it",
          "v2",
          "latin-1",
          -1,
          "compile_error,no_code",
          -1,
          42);

  /** Every component of {@code t}: LlmTask's equals compares only its id, file and prompt hash. */
  private static List<Object> components(LlmTask t) throws Exception {
    List<Object> values = new ArrayList<>();
    for (RecordComponent c : LlmTask.class.getRecordComponents()) {
      values.add(c.getAccessor().invoke(t));
    }
    return values;
  }

  @Test
  void aTaskSurvivesItsCompactCoderWithEveryComponent() throws Exception {
    LlmTask bare = new LlmTask(0, null, null, new ChatRequest("", ""), "ps", null, null);
    for (LlmTask t : List.of(REPAIR_TASK, bare)) {
      LlmTask back =
          CoderUtils.decodeFromByteArray(
              LlmTaskCoder.of(), CoderUtils.encodeToByteArray(LlmTaskCoder.of(), t));
      assertThat(components(back), is(components(t)));
    }
    CoderProperties.coderDeterministic(LlmTaskCoder.of(), REPAIR_TASK, REPAIR_TASK);
  }

  private static Arguments golden(String name, Coder<?> coder, Object value, String hex) {
    return Arguments.of(name, coder, value, hex);
  }

  /**
   * The bytes each coder wrote before they shared one var-int codec (Beam's {@code VarInt}): every
   * record, failure and manifest entry in flight crosses a runner in these bytes.
   */
  static Stream<Arguments> goldenBytes() {
    StateRecord negatives =
        StateRecord.builder()
            .id(2)
            .fileName("n.hip")
            .pass(true)
            .attempts(-1)
            .inputTokens(-7)
            .cacheCreationInputTokens(-1)
            .sourceBytes(-1)
            .finishedAtMillis(Long.MIN_VALUE)
            .build();
    return Stream.of(
        golden(
            "every state field",
            StateRecordCoder.of(),
            full(),
            "f6959aef3a0b6469722fc3bc2e68697007646f20e29c93"
                + "11636f6d70696c655f6572726f723a20780361620270026d00080103fffffffffffffffb02720370730003637302650a6f7574"
                + "2f6869702f78044849500a606060686970606060076c656e6774680304086c6174696e2d318020076766783930610302020102"
                + "000207676678393061075f5a316b5066180f02802090100501060f676678313033303a786e61636b2b0574696c650306000000"
                + "00001024636f6d70696c655f6572726f722c6e6f5f636f64652c636f6d70696c655f6572726f72"),
        golden(
            "a bare state record",
            StateRecordCoder.of(),
            StateRecord.builder().id(0).fileName("a.hip").pass(true).build(),
            "010006612e68697000000000000101010000000000000000000000000000000000000000000000"),
        golden(
            "negative numbers",
            StateRecordCoder.of(),
            negatives,
            "0102066e2e6869700000000000faffffffffffffffff0101"
                + "01ffffffff0f8000000000000000000000000000000000ffffffffffffffffff010000ffffffffffffffffff0100"),
        golden(
            "a manifest entry of unknown size",
            ManifestEntryCoder.of(),
            new ManifestEntry(9, "a/b.hip", -1, null),
            "0908612f622e6869700000"),
        golden(
            "a manifest entry",
            ManifestEntryCoder.of(),
            new ManifestEntry(300, "dir/ü.hip", 4096, "0123456789abcdef".repeat(4)),
            "ac020b6469722fc3bc2e68697081"
                + "2041303132333435363738396162636465663031323334353637383961626364656630313233343536373839616263"
                + "64656630313233343536373839616263646566"),
        golden(
            "a failure",
            FailureCoder.of(),
            Failure.of(NO_CODE, "extract_code"),
            "0d657874726163745f636f64650007"
                + "08612f622e6869700977726974652069741d6e6f5f636f64653a206e6f2066656e63656420626c6f636b20e29c930473686100"
                + "0001010102000000000000007b0000000000000000000000000000"),
        golden(
            "generated code",
            GeneratedCodeCoder.of(),
            new GeneratedCode(
                StateRecord.builder().id(1).fileName("k.hip").pass(true).build(),
                "__global__ void k() {}\n"),
            "0101066b2e686970000000000001010100"
                + "00000000000000000000000000000000000000000000185f5f676c6f62616c5f5f20766f6964206b2829207b7d0a"),
        golden(
            "a repair round's task",
            LlmTaskCoder.of(),
            REPAIR_TASK,
            "ac020b6469722fc3bc2e68697004736861047379730866697820e29c938407037073097772697465206974"
                + "037632086c6174696e2d31ffffffffffffffffff0116636f6d70696c655f6572726f722c6e6f5f636f6465"
                + "ffffffffffffffffff012a"),
        golden(
            "a torn line",
            MalformedLineCoder.of(),
            new MalformedLine("state/ü.jsonl", 300, "bad json", true),
            "0f73746174652fc3bc2e6a736f6e6cac0209626164206a736f6e01"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenBytes")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void eachCoderWritesTheBytesItAlwaysWrote(String name, Coder coder, Object value, String hex)
      throws Exception {
    assertThat(HexFormat.of().formatHex(CoderUtils.encodeToByteArray(coder, value)), is(hex));
    CoderProperties.coderDecodeEncodeEqual(coder, value);
  }
}
