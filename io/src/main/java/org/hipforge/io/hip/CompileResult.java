package org.hipforge.io.hip;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.hipforge.io.record.KernelResources;

/**
 * The verdict of compiling one HIP source file: whether it compiled and, if not, why.
 *
 * <p>{@code category} is {@code null} when {@code compiled} is true, otherwise one of {@link
 * #COMPILE_ERROR}, {@link #TIMEOUT}, {@link #UNSAFE_INCLUDE} or {@link #TOOLCHAIN_ERROR}. {@code
 * firstErrors} holds the first few distinct {@code error:} lines (temp paths replaced by the file
 * name, at most {@link #MAX_ERROR_CHARS} characters) and is empty when the file compiled. {@code
 * toolchainVersion} is stored with every verdict because a verdict is only meaningful for the
 * headers it was checked against (Debian's ROCm 5.2 lacks some newer intrinsics).
 *
 * @param compiled true when every compiler pass (host and each device architecture) succeeded
 * @param category why it did not compile, or null when it did
 * @param firstErrors the first distinct error lines, newline-separated; empty when compiled
 * @param toolchainVersion the compiler that gave the verdict, e.g. "HIP 5.2.21153-0 / Debian clang
 *     version 15.0.6"
 * @param elapsedMs wall time of the whole check, in milliseconds
 * @param outputTruncated true when the compiler printed more than the configured output cap
 * @param resources per kernel per device architecture, what the compiler's code generation gave it
 *     (registers, LDS, scratch, spills, occupancy); empty when the code did not compile or resource
 *     usage was not asked for (see {@link HipCompilerConfig.Draft#resourceUsage})
 */
public record CompileResult(
    boolean compiled,
    String category,
    String firstErrors,
    String toolchainVersion,
    long elapsedMs,
    boolean outputTruncated,
    List<KernelResources> resources)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The code was compiled and the compiler rejected it. */
  public static final String COMPILE_ERROR =
      org.hipforge.io.llm.ErrorCategory.COMPILE_ERROR.label();

  /** The compiler ran longer than the configured timeout and was killed. */
  public static final String TIMEOUT = "timeout";

  /** The code includes an absolute path or a path with {@code ..}; it was not compiled. */
  public static final String UNSAFE_INCLUDE =
      org.hipforge.io.llm.ErrorCategory.UNSAFE_INCLUDE.label();

  /** The compiler could not be run or failed without reporting an error in the code. */
  public static final String TOOLCHAIN_ERROR =
      org.hipforge.io.llm.ErrorCategory.TOOLCHAIN_ERROR.label();

  /**
   * Keeps stored records and LLM feedback prompts small; 2,000 characters hold the first several
   * clang error lines, which is all a repair prompt needs.
   */
  public static final int MAX_ERROR_CHARS = 2_000;

  /** A verdict without resource usage. */
  public CompileResult(
      boolean compiled,
      String category,
      String firstErrors,
      String toolchainVersion,
      long elapsedMs,
      boolean outputTruncated) {
    this(compiled, category, firstErrors, toolchainVersion, elapsedMs, outputTruncated, List.of());
  }

  public CompileResult {
    Objects.requireNonNull(firstErrors, "firstErrors");
    resources = resources == null ? List.of() : List.copyOf(resources);
    if (!compiled && !resources.isEmpty()) {
      throw new IllegalArgumentException("only compiled code has resource usage");
    }
    Objects.requireNonNull(toolchainVersion, "toolchainVersion");
    if (compiled && category != null) {
      throw new IllegalArgumentException("a compiled result has no category, got: " + category);
    }
    if (!compiled
        && !(COMPILE_ERROR.equals(category)
            || TIMEOUT.equals(category)
            || UNSAFE_INCLUDE.equals(category)
            || TOOLCHAIN_ERROR.equals(category))) {
      throw new IllegalArgumentException("unknown category: " + category);
    }
    if (firstErrors.length() > MAX_ERROR_CHARS) {
      firstErrors = firstErrors.substring(0, MAX_ERROR_CHARS - 1) + "…";
    }
  }

  static CompileResult success(String toolchainVersion, long elapsedMs, boolean truncated) {
    return new CompileResult(true, null, "", toolchainVersion, elapsedMs, truncated);
  }

  static CompileResult success(
      String toolchainVersion, long elapsedMs, boolean truncated, List<KernelResources> resources) {
    return new CompileResult(true, null, "", toolchainVersion, elapsedMs, truncated, resources);
  }

  static CompileResult failure(
      String category,
      String firstErrors,
      String toolchainVersion,
      long elapsedMs,
      boolean truncated) {
    return new CompileResult(false, category, firstErrors, toolchainVersion, elapsedMs, truncated);
  }
}
