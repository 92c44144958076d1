package org.hipforge.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hipforge.io.code.KernelFidelity;
import org.hipforge.io.record.Fidelity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Measures how many bytes of HIP source per second {@link KernelFidelity#compare} handles on one
 * core: the work {@code MeasureFidelity} adds to each generate record (both files parsed, then
 * compared).
 *
 * <p>Inputs are the bundled example kernels ({@code kernelsDir}, default {@code examples/kernels}
 * of the working directory: 28 real-shaped files, 1–4 KB, templates, {@code __shared__}, {@code
 * __restrict__}); each op compares one file with itself (the parse of both sides is the cost; a
 * different generated file costs the same per byte). Bytes per op = 2 × the file's size, reported
 * by the {@code bytes} aux counter per second.
 *
 * <p>How to run (from the repository root, so {@code examples/kernels} is found):
 *
 * <pre>
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar KernelFidelityBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Thread)
public class KernelFidelityBenchmark extends ThroughputBenchmark {

  /** Directory of HIP sources to cycle through. */
  @Param({"examples/kernels"})
  public String kernelsDir;

  private String[] sources;
  private int next;

  /** Reads every {@code .hip}/{@code .cpp} file under {@link #kernelsDir}. */
  @Setup(Level.Trial)
  public void setUp() {
    try (Stream<Path> files = Files.walk(Paths.get(kernelsDir))) {
      List<Path> list =
          files
              .filter(p -> p.toString().endsWith(".hip") || p.toString().endsWith(".cpp"))
              .sorted()
              .collect(Collectors.toList());
      sources = new String[list.size()];
      for (int i = 0; i < sources.length; i++) {
        sources[i] = Files.readString(list.get(i));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("run from the repository root (needs " + kernelsDir + ")", e);
    }
    if (sources.length == 0) {
      throw new IllegalStateException("no .hip/.cpp file under " + kernelsDir);
    }
  }

  /** One file compared with itself: two parses and the comparison. */
  @Benchmark
  public Fidelity compare(ByteCounter counter) {
    String s = sources[next];
    next = next + 1 == sources.length ? 0 : next + 1;
    counter.bytes += 2L * s.length();
    return KernelFidelity.compare(s, s);
  }
}
