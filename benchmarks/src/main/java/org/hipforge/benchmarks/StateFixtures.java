package org.hipforge.benchmarks;

import org.hipforge.io.record.StateRecord;

/** The realistic describe outcomes the state benchmarks write: one home for their text. */
public final class StateFixtures {
  private StateFixtures() {}

  /** A pass gets a typical instruction for kernel {@code id}; a failure a timeout message. */
  public static StateRecord.Builder outcome(StateRecord.Builder b, long id, boolean pass) {
    if (pass) {
      return b.instruction(
          "Write a HIP program with a __global__ kernel named `kernel_"
              + id
              + "` that scales a float array in place, one element per thread, with a bounds check; "
              + "the host allocates with hipMalloc, copies, launches 256-thread blocks and checks "
              + "every call.");
    }
    return b.errorMsg("timeout: no answer from openai within 120 s");
  }
}
