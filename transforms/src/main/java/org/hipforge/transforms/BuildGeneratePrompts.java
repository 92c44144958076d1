package org.hipforge.transforms;

import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.record.StateRecord;

/**
 * Turns each describe record's instruction into the generate prompt (one complete HIP file,
 * nothing else), with the prompt's cache key.
 *
 * <pre>{@code PCollection<LlmTask> tasks = pending.apply("BuildPrompts", BuildGeneratePrompts.forProvider(p));}</pre>
 */
public final class BuildGeneratePrompts extends PTransform<PCollection<StateRecord>, PCollection<LlmTask>> {
  private final ProviderConfig provider;

  private BuildGeneratePrompts(ProviderConfig provider) {
    this.provider = provider;
  }

  public static BuildGeneratePrompts forProvider(ProviderConfig provider) {
    if (provider == null) {
      throw new IllegalArgumentException("provider must be set");
    }
    return new BuildGeneratePrompts(provider);
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<StateRecord> described) {
    ProviderConfig p = provider;
    return described
        .apply("ToPrompt", MapElements.into(TypeDescriptor.of(LlmTask.class)).via((StateRecord r) -> {
          ChatRequest request = Prompts.generate(r.instruction());
          return new LlmTask(r.id(), r.fileName(), r.sourceSha256(), request, Prompts.key(p, request),
              r.instruction());
        }))
        .setCoder(SerializableCoder.of(LlmTask.class));
  }
}
