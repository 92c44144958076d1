package org.hipforge.io.hip;

/**
 * The one home of "does this source hold a HIP kernel", asked before a file is described: a file
 * without one (a header, a host-only {@code .cpp}) is recorded {@code no_kernel} without a call
 * unless the user keeps such files ({@code --kernelsOnly=false}).
 *
 * <p>A kernel is a {@code __global__} (or {@code __attribute__((global))}) outside comments and
 * string or character literals; {@code extern "C" __global__}, {@code __launch_bounds__(...)}
 * beside it and a macro defined as {@code __global__} in the same file count. A kernel hidden
 * behind a macro defined in another header is not seen.
 */
public final class HipKernels {
  private HipKernels() {}

  /** Whether {@code source} declares at least one HIP kernel. */
  public static boolean declared(String source) {
    return HipSourceScanner.declaresKernel(source);
  }
}
