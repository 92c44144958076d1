package org.hipforge.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.io.util.Hex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Question: what does the response cache cost a worker? {@code refreshNothingNew}: a refresh that
 * finds no new bytes (what {@code CallLlm} pays before a call once the index is older than {@link
 * ResponseCache#REFRESH_MILLIS}), over {@code files} journal files; {@code hit}: one answer read
 * back from its journal line; {@code load}: a first refresh of every journal (a new worker JVM),
 * per line.
 *
 * <p>Journals on the local disk (a temp dir): {@code files} files in 4 run directories, 100,000
 * generate answers in all (~700 bytes each, like the simulator's), every answer passed.
 *
 * <p>How to run: {@code java -jar benchmarks/target/benchmarks.jar ResponseCacheBenchmark -f 1 -wi
 * 3 -i 5 -w 2s -r 2s}; scores are microseconds per operation ({@code load}: per whole load).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ResponseCacheBenchmark {
  static final int ANSWERS = 100_000;

  @Param({"4", "64", "512"})
  int files;

  private Path work;
  private String glob;
  private ResponseCache cache;
  private String[] hashes;
  private int next;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    work = Files.createTempDirectory("hipforge-cache-bench");
    WorkLayout layout = new WorkLayout(work.toString());
    StringBuilder[] text = new StringBuilder[files];
    for (int f = 0; f < files; f++) {
      text[f] = new StringBuilder();
    }
    hashes = new String[ANSWERS];
    for (int i = 0; i < ANSWERS; i++) {
      hashes[i] = Hex.sha256("prompt " + i);
      StateRecord r =
          StateRecord.builder()
              .id(i)
              .fileName("k/kernel_" + i + ".hip")
              .pass(true)
              .instruction(
                  "Write a HIP program with a __global__ kernel named `kernel_"
                      + i
                      + "` that scales a "
                      + "float array in place, one element per thread, with a bounds check.")
              .response(
                  "```hip\n#include <hip/hip_runtime.h>\n__global__ void kernel_"
                      + i
                      + "(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] *= 2.0f;\n}\n"
                      + "int main() { return 0; }\n```")
              .sourceSha256(String.format("%064x", i))
              .provider("sim")
              .model("m")
              .inputTokens(200)
              .outputTokens(256)
              .latencyMs(1000)
              .attempts(1)
              .finishedAtMillis(1_790_000_000_000L + i)
              .runId("run-" + (i % 4))
              .promptSha256(hashes[i])
              .build();
      text[i % files].append(StateRecordJson.toJson(r)).append('\n');
    }
    for (int f = 0; f < files; f++) {
      Path dir = Path.of(layout.journalDir(WorkLayout.Step.GENERATE, "run-" + (f % 4)));
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("worker-" + f + ".jsonl"), text[f], StandardCharsets.UTF_8);
    }
    glob = layout.journalGlob(WorkLayout.Step.GENERATE);
    ResponseCache.clearLoaded();
    cache = ResponseCache.forGlob(glob);
    if (cache.size() != ANSWERS) {
      throw new IllegalStateException("indexed " + cache.size() + " of " + ANSWERS);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    ResponseCache.clearLoaded();
    try (Stream<Path> s = Files.walk(work)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public int refreshNothingNew() throws IOException {
    cache.refresh();
    return cache.size();
  }

  @Benchmark
  public StateRecord hit() {
    next = (next + 7919) % ANSWERS; // a prime stride: a different line, file and page each time
    return cache.get(hashes[next]);
  }

  @Benchmark
  public int load() throws IOException {
    ResponseCache.clearLoaded();
    return ResponseCache.forGlob(glob).size();
  }
}
