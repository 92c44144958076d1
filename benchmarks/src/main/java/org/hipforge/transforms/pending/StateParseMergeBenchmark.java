package org.hipforge.transforms.pending;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hipforge.benchmarks.StateFixtures;
import org.hipforge.io.jsonl.ByteLines;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Question: how many state lines per second does one core parse and fold into the latest-wins merge
 * (the per-line work of {@code ReadState} + {@code MergeLatest})? Target ≥ 1 M lines/s.
 *
 * <p>Each op parses one batch of {@link #BATCH} realistic describe-state lines (~600 bytes each,
 * half passed with an instruction, half failed) and merges them into a map keyed by id with the
 * pipeline's own merge ({@link StateRecord#latest}, what {@code MergeLatest} folds with); {@code
 * ids} sets how many distinct ids the batch has (fewer ids = more duplicates to fold).
 *
 * <p>It lives in the anti-join's package (in the benchmarks module) so that it measures the
 * package-private per-line path of {@code FindPending} itself, without a public hook.
 *
 * <p>How to run: {@code java -jar benchmarks/target/benchmarks.jar StateParseMergeBenchmark -f 1
 * -wi 3 -i 5 -w 2s -r 2s}; the score is lines/s (ops/s × {@link #BATCH}, reported per line via
 * {@code @OperationsPerInvocation}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StateParseMergeBenchmark {
  static final int BATCH = 10_000;

  @Param({"10000", "5000"})
  int ids;

  private String[] lines;
  private byte[] file; // the same lines as one state file's bytes
  private final FlatLineScanner scanner = new FlatLineScanner();

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom random = new SplittableRandom(7);
    lines = new String[BATCH];
    for (int i = 0; i < BATCH; i++) {
      long id = i % ids;
      boolean pass = random.nextBoolean();
      StateRecord.Builder b =
          StateRecord.builder()
              .id(id)
              .fileName("k" + (id % 100) + "/kernel_" + id + ".hip")
              .pass(pass)
              .sourceSha256(String.format("%064x", id * 0x9E3779B97F4A7C15L))
              .provider("openai")
              .model("gpt-4o-mini")
              .inputTokens(900)
              .outputTokens(150)
              .latencyMs(1200)
              .attempts(1)
              .finishedAtMillis(1_790_000_000_000L + random.nextInt(1_000_000))
              .runId("20261127T180000Z-abcd")
              .promptSha256(String.format("%064x", id));
      StateFixtures.outcome(b, id, pass);
      lines[i] = StateRecordJson.toJson(b.build());
    }
    file = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Parses one line (full or slim). */
  private interface LineParser {
    StateRecord parse(String line) throws MalformedLineException;
  }

  private HashMap<Long, StateRecord> parseAndMerge(LineParser parser)
      throws MalformedLineException {
    HashMap<Long, StateRecord> merged = new HashMap<>(ids * 2);
    for (String line : lines) {
      StateRecord r = parser.parse(line);
      merged.merge(r.id(), r, StateRecord::latest);
    }
    return merged;
  }

  /** What reading state for generate does: the full record plus the merge. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public HashMap<Long, StateRecord> parseAndMerge() throws MalformedLineException {
    return parseAndMerge(StateRecordJson::parse);
  }

  /** What the anti-join path did before the byte scanner: the slim parse plus the merge. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public HashMap<Long, StateRecord> parseSlimAndMerge() throws MalformedLineException {
    return parseAndMerge(StateRecordJson::parseSlim);
  }

  /**
   * What {@code FindPending} does per state line since the byte scanner: split the lines of a
   * buffer, scan each line's bytes for the slim fields, encode them into a bucket batch, and fold
   * the batch into the latest-per-id map of {@code BucketDecision}.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public BucketDecision scanEncodeAndMerge() throws IOException {
    BucketDecision decision = new BucketDecision();
    BucketBatchWriter writer =
        new BucketBatchWriter(
            false,
            1,
            (bucket, batch) -> {
              try {
                decision.add(batch);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    FlatLineScanner.StateFields fields = new FlatLineScanner.StateFields();
    ByteLines.forEach(
        new ByteArrayInputStream(file),
        (buf, from, to, lineNo, unterminated) -> {
          if (!scanner.scanState(buf, from, to, fields)) {
            throw new IllegalStateException("line " + lineNo + " left to the slow path");
          }
          writer.add(fields);
        });
    writer.flush();
    return decision;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long parseOnly() throws MalformedLineException {
    long sum = 0;
    for (String line : lines) {
      sum += StateRecordJson.parse(line).id();
    }
    return sum;
  }
}
