package org.hipforge.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Counts the bytes a benchmark handed to the code under test, which JMH reports per second. */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteCounter {
  /** Bytes handled in this iteration. */
  public long bytes;

  /** Resets the counter, as JMH expects for OPERATIONS counters. */
  @Setup(Level.Iteration)
  public void reset() {
    bytes = 0;
  }
}
