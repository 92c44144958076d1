package org.hipforge.transforms;

import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.record.StateRecord;

/**
 * Turns each describe record's instruction into the generate prompt (one complete HIP file,
 * nothing else), with the prompt's cache key and the templates' version. Its {@code max_tokens}
 * is sized from the described source ({@link ProviderConfig#maxTokensFor}: {@code source_bytes}
 * of the describe record, floor {@code max_tokens}, ceiling {@code max_tokens_ceiling}). Defaults: the built-in
 * templates, and {@code {{offload_arch}}} renders empty until {@link #withOffloadArch} sets it.
 *
 * <pre>{@code
 * PCollection<LlmTask> tasks = pending.apply("BuildPrompts", BuildGeneratePrompts.forProvider(p)
 *     .withPrompts(PromptSet.fromDir(promptDir)).withOffloadArch("gfx90a"));
 * }</pre>
 */
public final class BuildGeneratePrompts extends PTransform<PCollection<StateRecord>, PCollection<LlmTask>> {
  private final ProviderConfig provider;
  private final PromptSet prompts;
  private final String offloadArch;

  private BuildGeneratePrompts(ProviderConfig provider, PromptSet prompts, String offloadArch) {
    this.provider = provider;
    this.prompts = prompts;
    this.offloadArch = offloadArch;
  }

  public static BuildGeneratePrompts forProvider(ProviderConfig provider) {
    if (provider == null) {
      throw new IllegalArgumentException("provider must be set");
    }
    return new BuildGeneratePrompts(provider, PromptSet.defaults(), "");
  }

  /** The templates to render ({@code hipforge prompts}); an edited set is a new question to the LLM. */
  public BuildGeneratePrompts withPrompts(PromptSet prompts) {
    if (prompts == null) {
      throw new IllegalArgumentException("prompts must be set, was null");
    }
    return new BuildGeneratePrompts(provider, prompts, offloadArch);
  }

  /** The value of {@code {{offload_arch}}}: the targets as given to --offloadArch ({@code gfx90a}). */
  public BuildGeneratePrompts withOffloadArch(String offloadArch) {
    if (offloadArch == null || offloadArch.isBlank()) {
      throw new IllegalArgumentException("offloadArch must be a target such as gfx90a, was '" + offloadArch + "'");
    }
    return new BuildGeneratePrompts(provider, prompts, offloadArch.strip());
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<StateRecord> described) {
    ProviderConfig p = provider;
    PromptSet set = prompts;
    String arch = offloadArch;
    String version = set.version(PromptSet.Kind.GENERATE);
    return described
        .apply("ToPrompt", MapElements.into(TypeDescriptor.of(LlmTask.class)).via((StateRecord r) -> {
          // Room for a file as large as the source; a small or unsized one is asked as before.
          ChatRequest request = set.generate(r.instruction(), r.fileName(), arch)
              .withMaxTokens(p.maxTokensFor(r.sourceBytes()));
          return new LlmTask(r.id(), r.fileName(), r.sourceSha256(), request, Prompts.key(p, request),
              r.instruction(), version);
        }))
        .setCoder(SerializableCoder.of(LlmTask.class));
  }
}
