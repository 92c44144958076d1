package org.hipforge.transforms.pending;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.util.CoderUtils;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BucketBatchCoderTest {
  private static final String SHA = "0123456789abcdef".repeat(4);

  /** One bucket's batch holding everything the writer is given. */
  private static BucketBatch batch(
      boolean manifest, java.util.function.Consumer<BucketBatchWriter> fill) {
    List<BucketBatch> out = new ArrayList<>();
    BucketBatchWriter w = new BucketBatchWriter(manifest, 1, (b, batch) -> out.add(batch));
    fill.accept(w);
    w.flush();
    assertThat(out.size(), is(1));
    return out.get(0);
  }

  private static String hex(Coder<BatchOrDeadLetter> coder, BatchOrDeadLetter e) throws Exception {
    return HexFormat.of().formatHex(CoderUtils.encodeToByteArray(coder, e));
  }

  /**
   * The bytes the anti-join shuffled before the batch format and its coders moved onto Beam's
   * {@code VarInt}: state and manifest batches (SHA-256 hex as 32 bytes, other text as text,
   * zig-zag numbers, a null run id), and both kinds of element the source reads.
   */
  static Stream<Arguments> goldenBytes() {
    BucketBatch state =
        batch(
            false,
            w -> {
              w.add(
                  StateRecord.builder()
                      .id(5)
                      .fileName("ü.hip")
                      .pass(true)
                      .sourceSha256(SHA)
                      .finishedAtMillis(1_790_000_000_000L)
                      .attempts(2)
                      .runId("r1")
                      .build());
              w.add(
                  StateRecord.builder()
                      .id(300)
                      .fileName("x.hip")
                      .failure("timeout", "t")
                      .sourceSha256("NOT-HEX")
                      .finishedAtMillis(-3)
                      .attempts(0)
                      .build());
              w.add(StateRecord.builder().id(6).fileName("y.hip").pass(true).build());
            });
    BucketBatch manifest =
        batch(
            true,
            w -> {
              w.add(new ManifestEntry(5, "ü.hip", 123, SHA));
              w.add(new ManifestEntry(70000, "y.hip", -1, null));
              w.add(new ManifestEntry(2, "z.hip", 0, "abc"));
            });
    return Stream.of(
        Arguments.of(
            "a state batch",
            BatchOrDeadLetter.ofBatch(0, state),
            "0000000355050180b083c598680407c3bc2e686970010123456789abcdef0123456789abcdef01234567"
                + "89abcdef0123456789abcdef037231ac0200050006782e68697002084e4f542d48455800060100000679"
                + "2e6869700000"),
        Arguments.of(
            "a manifest batch",
            BatchOrDeadLetter.ofBatch(127, manifest),
            "007f01034305f60107c3bc2e686970010123456789abcdef0123456789abcdef0123456789abcdef0123"
                + "456789abcdeff0a2040106792e686970000200067a2e6869700204616263"),
        Arguments.of(
            "a dead letter",
            BatchOrDeadLetter.ofDeadLetter(
                new MalformedLine("state/ü.jsonl", 300, "bad json", true)),
            "010f73746174652fc3bc2e6a736f6e6cac0209626164206a736f6e01"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenBytes")
  void eachElementIsTheBytesItAlwaysWas(String name, BatchOrDeadLetter e, String hex)
      throws Exception {
    assertThat(hex(BatchOrDeadLetterCoder.of(), e), is(hex));
    BatchOrDeadLetter back =
        CoderUtils.decodeFromByteArray(
            BatchOrDeadLetterCoder.of(),
            CoderUtils.encodeToByteArray(BatchOrDeadLetterCoder.of(), e));
    assertThat(hex(BatchOrDeadLetterCoder.of(), back), is(hex));
  }

  @Test
  void aBatchRoundTripsThroughItsSingleBlockEncoding() throws Exception {
    List<BucketBatch> batches = new ArrayList<>();
    BucketBatchWriter writer = new BucketBatchWriter(false, 1, (b, batch) -> batches.add(batch));
    for (int i = 0; i < 1000; i++) {
      writer.add(Records.passed(i, "dir/k" + i + ".hip", SHA, 1_790_000_000_000L + i, "run-" + i));
    }
    writer.flush();
    assertThat(batches.size() > 1, is(true));
    assertThat(batches.stream().mapToInt(BucketBatch::count).sum(), is(1000));
    for (BucketBatch batch : batches) {
      BucketBatch decoded =
          CoderUtils.decodeFromByteArray(
              BucketBatchCoder.of(), CoderUtils.encodeToByteArray(BucketBatchCoder.of(), batch));
      assertThat(decoded.manifest(), is(false));
      assertThat(decoded.count(), is(batch.count()));
      assertThat(decoded.bytes(), is(batch.bytes()));
    }
  }
}
