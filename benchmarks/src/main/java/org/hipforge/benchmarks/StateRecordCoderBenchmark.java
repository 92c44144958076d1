package org.hipforge.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Question: what does coding a state record cost where records cross a shuffle (generate's
 * anti-join, the stages' failures)? {@code encode}: 10,000 records into bytes; {@code decode}:
 * those bytes back into records. Half are passed describe records, half failed generations with
 * their compile fields, the shapes that cross generate's shuffles.
 *
 * <p>How to run: {@code java -jar benchmarks/target/benchmarks.jar StateRecordCoderBenchmark -f 1
 * -wi 5 -i 5 -w 1s -r 1s}; scores are microseconds per 10,000 records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StateRecordCoderBenchmark {
  private static final int RECORDS = 10_000;

  private final StateRecordCoder coder = StateRecordCoder.of();
  private final List<StateRecord> records = new ArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 22);
  private byte[] encoded;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    for (long id = 0; id < RECORDS; id++) {
      StateRecord.Builder b =
          StateRecord.builder()
              .id(id)
              .fileName("kernels/dir" + (id % 97) + "/k" + id + ".hip")
              .sourceSha256("ab".repeat(32))
              .provider("openai")
              .model("gpt-4o-mini")
              .inputTokens(1_200 + id % 300)
              .outputTokens(400 + id % 200)
              .latencyMs(900 + id % 1_000)
              .attempts(1)
              .finishedAtMillis(1_765_000_000_000L + id)
              .runId("20261206-120000-1a2b");
      boolean describe = id % 2 == 0;
      StateFixtures.outcome(b, id, describe).pass(describe);
      if (!describe) {
        b.codeSha256("cd".repeat(32))
            .compiled(false)
            .compileError("k.hip:12:3: error: use of undeclared identifier 'n'")
            .toolchain("hipcc 5.2.3 / clang 15.0.6")
            .offloadArch("gfx90a");
      }
      records.add(b.build());
    }
    encoded = encode();
  }

  @Benchmark
  public byte[] encode() throws IOException {
    out.reset();
    for (StateRecord r : records) {
      coder.encode(r, out);
    }
    return out.toByteArray();
  }

  @Benchmark
  public long decode() throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(encoded);
    long sum = 0;
    for (int i = 0; i < RECORDS; i++) {
      sum += coder.decode(in).id();
    }
    return sum;
  }
}
