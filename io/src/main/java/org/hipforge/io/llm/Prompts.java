package org.hipforge.io.llm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.hipforge.io.util.Hex;

/**
 * The built-in prompt templates, and the hash that identifies a prompt in the response cache.
 *
 * <p>The texts here are the one home of the defaults; {@link PromptSet} renders them (and edited
 * copies that {@code hipforge prompts --out=DIR} wrote). Changing one changes the prompt hash of
 * every task, so no cached answer would be reused: the tests pin them byte for byte.
 */
public final class Prompts {
  private Prompts() {}

  /** Asks for an instruction from which an expert could write the given HIP file again. */
  public static final String DESCRIBE_SYSTEM =
      "You are an expert in GPU programming with HIP (AMD ROCm). You are given the complete source "
          + "of one HIP file. Write a precise, self-contained instruction from which an expert could "
          + "write an equivalent program: what it computes, every __global__ kernel with its name, "
          + "parameters and launch configuration, the memory layout, use of shared memory, "
          + "synchronisation and atomics, and the host-side steps. Answer with the instruction "
          + "only, in plain prose, without code.";

  /** Asks for one complete HIP source file and nothing else. */
  public static final String GENERATE_SYSTEM =
      "You are an expert HIP (AMD ROCm) programmer. Write one complete, compilable HIP source file "
          + "that fulfils the user's instruction: include <hip/hip_runtime.h>, define the kernels "
          + "and a host main() that allocates, copies, launches and checks errors. Answer with the "
          + "code only, in a single ```hip fenced block.";

  /** The source in a hip fence under its file name ({@code {{source}}} ends with a newline). */
  public static final String DESCRIBE_USER = "File: {{file_name}}\n\n```hip\n{{source}}```";

  /** The instruction, as it is. */
  public static final String GENERATE_USER = "{{instruction}}";

  /** Asks for the whole corrected file, nothing else (the repair loop's follow-up). */
  public static final String REPAIR_SYSTEM = GENERATE_SYSTEM;

  /** The instruction, the code that did not compile and the compiler's first errors. */
  public static final String REPAIR_USER =
      "The HIP file below was written for this instruction:\n\n"
          + "{{instruction}}\n\n"
          + "It does not compile for {{offload_arch}}. The compiler's first errors:\n\n"
          + "```\n{{errors}}\n```\n\n"
          + "The file ({{file_name}}):\n\n"
          + "```hip\n{{code}}```\n\n"
          + "Answer with the whole corrected file only, in a single ```hip fenced block.";

  /** The built-in describe prompt ({@link PromptSet#defaults()}). */
  public static ChatRequest describe(String fileName, String code) {
    return PromptSet.defaults().describe(fileName, code);
  }

  /** The built-in generate prompt ({@link PromptSet#defaults()}). */
  public static ChatRequest generate(String instruction) {
    return PromptSet.defaults().generate(instruction, null, null);
  }

  /**
   * SHA-256 of everything that decides the answer: wire format, model, parameters and messages. Two
   * tasks with the same key would get the same paid-for answer.
   */
  public static String key(ProviderConfig p, ChatRequest r) {
    MessageDigest md = Hex.sha256Digest();
    update(md, p.api().name());
    update(md, p.model());
    update(md, Double.toString(p.temperature()));
    update(
        md,
        Integer.toString(r.maxTokensOr(p.maxTokens()))); // the same key when it is the provider's
    update(md, r.system());
    update(md, r.user());
    return Hex.of(md.digest());
  }

  private static void update(MessageDigest md, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    // Length-prefixed, so ("ab","c") and ("a","bc") hash differently.
    md.update((byte) (b.length >>> 24));
    md.update((byte) (b.length >>> 16));
    md.update((byte) (b.length >>> 8));
    md.update((byte) b.length);
    md.update(b);
  }
}
