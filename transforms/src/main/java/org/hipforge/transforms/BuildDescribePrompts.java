package org.hipforge.transforms;

import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.Prompts;

/**
 * Turns each source file into the describe prompt for one provider, with the prompt's cache key.
 *
 * <pre>{@code PCollection<LlmTask> tasks = sources.apply("BuildPrompts", BuildDescribePrompts.forProvider(p));}</pre>
 */
public final class BuildDescribePrompts extends PTransform<PCollection<SourceFile>, PCollection<LlmTask>> {
  private final ProviderConfig provider;

  private BuildDescribePrompts(ProviderConfig provider) {
    this.provider = provider;
  }

  public static BuildDescribePrompts forProvider(ProviderConfig provider) {
    if (provider == null) {
      throw new IllegalArgumentException("provider must be set");
    }
    return new BuildDescribePrompts(provider);
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<SourceFile> sources) {
    ProviderConfig p = provider;
    return sources
        .apply("ToPrompt", MapElements.into(TypeDescriptor.of(LlmTask.class)).via((SourceFile s) -> {
          ChatRequest request = Prompts.describe(s.entry().fileName(), s.code());
          return new LlmTask(s.entry().id(), s.entry().fileName(), s.entry().sha256(), request,
              Prompts.key(p, request), null);
        }))
        .setCoder(SerializableCoder.of(LlmTask.class));
  }
}
