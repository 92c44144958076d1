package org.hipforge.io.llm;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import org.hipforge.io.util.Hex;

/** The prompts hipforge sends, and the hash that identifies a prompt in the response cache. */
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

  public static ChatRequest describe(String fileName, String code) {
    return new ChatRequest(DESCRIBE_SYSTEM, "File: " + fileName + "\n\n```hip\n" + code
        + (code.endsWith("\n") ? "" : "\n") + "```");
  }

  public static ChatRequest generate(String instruction) {
    return new ChatRequest(GENERATE_SYSTEM, instruction);
  }

  /**
   * SHA-256 of everything that decides the answer: wire format, model, parameters and messages.
   * Two tasks with the same key would get the same paid-for answer.
   */
  public static String key(ProviderConfig p, ChatRequest r) {
    MessageDigest md = Hex.sha256Digest();
    update(md, p.api().name());
    update(md, p.model());
    update(md, Double.toString(p.temperature()));
    update(md, Integer.toString(p.maxTokens()));
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
