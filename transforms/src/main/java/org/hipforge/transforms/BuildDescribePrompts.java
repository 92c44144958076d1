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

/**
 * Turns each source file into the describe prompt for one provider, with the prompt's cache key and
 * the templates' version. Default templates: the built-in ones ({@link PromptSet#defaults()}).
 *
 * <pre>{@code
 * PCollection<LlmTask> tasks = sources.apply("BuildPrompts",
 *     BuildDescribePrompts.forProvider(p).withPrompts(PromptSet.fromDir(promptDir)));
 * }</pre>
 */
public final class BuildDescribePrompts extends PTransform<PCollection<SourceFile>, PCollection<LlmTask>> {
  private final ProviderConfig provider;
  private final PromptSet prompts;

  private BuildDescribePrompts(ProviderConfig provider, PromptSet prompts) {
    this.provider = provider;
    this.prompts = prompts;
  }

  public static BuildDescribePrompts forProvider(ProviderConfig provider) {
    if (provider == null) {
      throw new IllegalArgumentException("provider must be set");
    }
    return new BuildDescribePrompts(provider, PromptSet.defaults());
  }

  /** The templates to render ({@code hipforge prompts}); an edited set is a new question to the LLM. */
  public BuildDescribePrompts withPrompts(PromptSet prompts) {
    if (prompts == null) {
      throw new IllegalArgumentException("prompts must be set, was null");
    }
    return new BuildDescribePrompts(provider, prompts);
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<SourceFile> sources) {
    ProviderConfig p = provider;
    PromptSet set = prompts;
    String version = set.version(PromptSet.Kind.DESCRIBE);
    return sources
        .apply("ToPrompt", MapElements.into(TypeDescriptor.of(LlmTask.class)).via((SourceFile s) -> {
          ChatRequest request = set.describe(s.entry().fileName(), s.code());
          return new LlmTask(s.entry().id(), s.entry().fileName(), s.entry().sha256(), request,
              Prompts.key(p, request), null, version).withSource(s.encoding(), s.entry().bytes());
        }))
        .setCoder(SerializableCoder.of(LlmTask.class));
  }
}
