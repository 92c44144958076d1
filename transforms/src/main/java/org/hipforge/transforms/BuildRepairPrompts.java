package org.hipforge.transforms;

import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ErrorCategory;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.RepairFeedback;
import org.hipforge.io.record.StateRecord;

/**
 * Turns a generation that did not compile ({@code compile_error}) or held no code ({@code
 * no_code}) into the repair loop's follow-up prompt: the repair templates ({@link
 * PromptSet#repair}) with the instruction, the code as it was (for {@code no_code}, the answer)
 * and the compiler's first errors ({@link RepairFeedback}: trimmed, temp paths made relative, so
 * the prompt, and its hash, are the same on every run).
 *
 * <p>The task carries the rounds so far ({@link LlmTask#afterRounds}): this round's verdict is
 * closed onto the record ({@link StateRecord#closeRound}), and its billed tokens go on into the
 * next round's records. Its {@code max_tokens} is sized like generate's ({@link
 * ProviderConfig#maxTokensFor}) from the larger of the source and the code to correct. Records made
 * from it keep the generate templates' {@code prompt_version}.
 *
 * <pre>{@code
 * PCollection<LlmTask> repairs = notCompiled.apply("BuildRepairPrompts",
 *     BuildRepairPrompts.forProvider(p).withPrompts(prompts).withOffloadArch("gfx90a"));
 * }</pre>
 */
public final class BuildRepairPrompts extends PTransform<PCollection<GeneratedCode>, PCollection<LlmTask>> {
  private final ProviderConfig provider;
  private final PromptSet prompts;
  private final String offloadArch;

  private BuildRepairPrompts(ProviderConfig provider, PromptSet prompts, String offloadArch) {
    this.provider = provider;
    this.prompts = prompts;
    this.offloadArch = offloadArch;
  }

  public static BuildRepairPrompts forProvider(ProviderConfig provider) {
    if (provider == null) {
      throw new IllegalArgumentException("provider must be set");
    }
    return new BuildRepairPrompts(provider, PromptSet.defaults(), "");
  }

  /** The templates to render ({@code hipforge prompts}); the repair pair is used. */
  public BuildRepairPrompts withPrompts(PromptSet prompts) {
    if (prompts == null) {
      throw new IllegalArgumentException("prompts must be set, was null");
    }
    return new BuildRepairPrompts(provider, prompts, offloadArch);
  }

  /** The value of {@code {{offload_arch}}}: the targets as given to --offloadArch ({@code gfx90a}). */
  public BuildRepairPrompts withOffloadArch(String offloadArch) {
    if (offloadArch == null || offloadArch.isBlank()) {
      throw new IllegalArgumentException("offloadArch must be a target such as gfx90a, was '" + offloadArch + "'");
    }
    return new BuildRepairPrompts(provider, prompts, offloadArch.strip());
  }

  /**
   * The code of a {@code no_code} failure to show in its repair prompt: the answer as it came
   * (the failure's record keeps it until the state is written).
   */
  public static GeneratedCode ofNoCode(Failure f) {
    String answer = f.record().response();
    return new GeneratedCode(f.record(), answer == null ? "" : answer);
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<GeneratedCode> failed) {
    ProviderConfig p = provider;
    PromptSet set = prompts;
    String arch = offloadArch;
    String version = set.version(PromptSet.Kind.GENERATE);
    return failed
        .apply("ToRepairPrompt", MapElements.into(TypeDescriptor.of(LlmTask.class))
            .via((GeneratedCode g) -> task(p, set, arch, version, g)))
        .setCoder(SerializableCoder.of(LlmTask.class));
  }

  static LlmTask task(ProviderConfig p, PromptSet set, String arch, String version, GeneratedCode g) {
    StateRecord r = g.record();
    String category = r.errorCategory();
    if (!ErrorCategory.repairable(category)) {
      throw new IllegalArgumentException("only compile_error and no_code get a repair round, id " + r.id()
          + " was " + r.errorMsg());
    }
    String errors = ErrorCategory.NO_CODE.label().equals(category)
        ? RepairFeedback.noCode(r.errorMsg().substring(r.errorMsg().indexOf(':') + 1))
        : RepairFeedback.compileErrors(r.compileError());
    long size = Math.max(r.sourceBytes(), g.code().getBytes(StandardCharsets.UTF_8).length);
    ChatRequest request = set.repair(r.instruction(), r.fileName(), arch, g.code(), errors)
        .withMaxTokens(p.maxTokensFor(size));
    return new LlmTask(r.id(), r.fileName(), r.sourceSha256(), request, Prompts.key(p, request),
        r.instruction(), version)
        .withSource(r.sourceEncoding(), r.sourceBytes())
        .afterRounds(r.closeRound());
  }
}
