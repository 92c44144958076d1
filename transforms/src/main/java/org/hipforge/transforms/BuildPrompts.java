package org.hipforge.transforms;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
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
import org.hipforge.transforms.coders.LlmTaskCoder;

/**
 * Turns each input into one step's prompt for one provider, with the prompt's cache key and the
 * templates' version: {@link #describe} from a source file, {@link #generate} from a describe
 * record's instruction (one complete HIP file, nothing else), {@link #repair} from a generation
 * that did not compile ({@code compile_error}) or held no code ({@code no_code}). Defaults: the
 * built-in templates ({@link PromptSet#defaults()}), and {@code {{offload_arch}}} renders empty
 * until {@link #withOffloadArch} sets it (describe prompts do not use it).
 *
 * <p>Generate and repair prompts ask for room as large as the file ({@link
 * ProviderConfig#maxTokensFor}: generate from the describe record's {@code source_bytes}, repair
 * from the larger of the source and the code to correct; floor {@code max_tokens}, ceiling {@code
 * max_tokens_ceiling}). A repair prompt shows the instruction, the code as it was (for {@code
 * no_code}, the answer: {@link GeneratedCode#ofNoCode}) and the compiler's first errors ({@link
 * RepairFeedback}: trimmed, temp paths made relative, so the prompt, and its hash, are the same on
 * every run); its task carries the rounds so far ({@link LlmTask#afterRounds}): this round's
 * verdict closed onto the record ({@link StateRecord#closeRound}) and its billed tokens. Repair
 * prompts keep the generate templates' {@code prompt_version}.
 *
 * <pre>{@code
 * PCollection<LlmTask> tasks = sources.apply("BuildPrompts",
 *     BuildPrompts.describe(p).withPrompts(PromptSet.fromDir(promptDir)));
 * PCollection<LlmTask> repairs = notCompiled.apply("BuildRepairPrompts",
 *     BuildPrompts.repair(p).withPrompts(prompts).withOffloadArch("gfx90a"));
 * }</pre>
 *
 * @param <I> what a prompt is made from
 */
public final class BuildPrompts<I> extends PTransform<PCollection<I>, PCollection<LlmTask>> {
  /**
   * What every prompt is rendered with.
   *
   * @param provider the provider the prompt's cache key and token budget are for
   * @param prompts the templates to render ({@code hipforge prompts}); an edited set is a new
   *     question to the LLM
   * @param offloadArch the value of {@code {{offload_arch}}}: the targets as given to --offloadArch
   *     ({@code gfx90a}); empty when not set
   */
  public record Configuration(ProviderConfig provider, PromptSet prompts, String offloadArch)
      implements Serializable {
    public Configuration {
      if (provider == null) {
        throw new IllegalArgumentException("provider must be set");
      }
      if (prompts == null) {
        throw new IllegalArgumentException("prompts must be set, was null");
      }
    }
  }

  /** One input's task: the step's rule for {@code I}. */
  private interface Rule<I> extends Serializable {
    LlmTask task(Configuration c, String version, I input);
  }

  private final Configuration configuration;
  private final PromptSet.Kind versionOf;
  private final String stepName;
  private final Rule<I> rule;

  private BuildPrompts(
      Configuration configuration, PromptSet.Kind versionOf, String stepName, Rule<I> rule) {
    this.configuration = configuration;
    this.versionOf = versionOf;
    this.stepName = stepName;
    this.rule = rule;
  }

  /** Describe prompts for the sources read. */
  public static BuildPrompts<SourceFile> describe(ProviderConfig provider) {
    return new BuildPrompts<>(
        defaults(provider), PromptSet.Kind.DESCRIBE, "ToPrompt", BuildPrompts::describeTask);
  }

  /** Generate prompts for the describe records to generate. */
  public static BuildPrompts<StateRecord> generate(ProviderConfig provider) {
    return new BuildPrompts<>(
        defaults(provider), PromptSet.Kind.GENERATE, "ToPrompt", BuildPrompts::generateTask);
  }

  /** The repair loop's follow-up prompts for code that did not compile or answers without code. */
  public static BuildPrompts<GeneratedCode> repair(ProviderConfig provider) {
    return new BuildPrompts<>(
        defaults(provider), PromptSet.Kind.GENERATE, "ToRepairPrompt", BuildPrompts::repairTask);
  }

  private static Configuration defaults(ProviderConfig provider) {
    return new Configuration(provider, PromptSet.defaults(), "");
  }

  /**
   * The templates to render ({@code hipforge prompts}); an edited set is a new question to the LLM.
   */
  public BuildPrompts<I> withPrompts(PromptSet prompts) {
    return new BuildPrompts<>(
        new Configuration(configuration.provider(), prompts, configuration.offloadArch()),
        versionOf,
        stepName,
        rule);
  }

  /**
   * The value of {@code {{offload_arch}}}: the targets as given to --offloadArch ({@code gfx90a}).
   */
  public BuildPrompts<I> withOffloadArch(String offloadArch) {
    if (offloadArch == null || offloadArch.isBlank()) {
      throw new IllegalArgumentException(
          "offloadArch must be a target such as gfx90a, was '" + offloadArch + "'");
    }
    return new BuildPrompts<>(
        new Configuration(configuration.provider(), configuration.prompts(), offloadArch.strip()),
        versionOf,
        stepName,
        rule);
  }

  @Override
  public PCollection<LlmTask> expand(PCollection<I> inputs) {
    Configuration c = configuration;
    String version = c.prompts().version(versionOf);
    Rule<I> toTask = rule;
    return inputs
        .apply(
            stepName,
            MapElements.into(TypeDescriptor.of(LlmTask.class))
                .via((I input) -> toTask.task(c, version, input)))
        .setCoder(LlmTaskCoder.of());
  }

  static LlmTask describeTask(Configuration c, String version, SourceFile s) {
    ChatRequest request = c.prompts().describe(s.entry().fileName(), s.code());
    return new LlmTask(
            s.entry().id(),
            s.entry().fileName(),
            s.entry().sha256(),
            request,
            Prompts.key(c.provider(), request),
            null,
            version)
        .withSource(s.encoding(), s.entry().bytes());
  }

  static LlmTask generateTask(Configuration c, String version, StateRecord r) {
    // Room for a file as large as the source; a small or unsized one is asked as before.
    ChatRequest request =
        c.prompts()
            .generate(r.instruction(), r.fileName(), c.offloadArch())
            .withMaxTokens(c.provider().maxTokensFor(r.sourceBytes()));
    return taskFor(c, version, r, request);
  }

  /** The generate-side task of record {@code r} sending {@code request}. */
  private static LlmTask taskFor(
      Configuration c, String version, StateRecord r, ChatRequest request) {
    return new LlmTask(
        r.id(),
        r.fileName(),
        r.sourceSha256(),
        request,
        Prompts.key(c.provider(), request),
        r.instruction(),
        version);
  }

  static LlmTask repairTask(Configuration c, String version, GeneratedCode g) {
    StateRecord r = g.record();
    String category = r.errorCategory();
    if (!ErrorCategory.repairable(category)) {
      throw new IllegalArgumentException(
          "only compile_error and no_code get a repair round, id "
              + r.id()
              + " was "
              + r.errorMsg());
    }
    String errors =
        ErrorCategory.NO_CODE.label().equals(category)
            ? RepairFeedback.noCode(r.errorMsg().substring(r.errorMsg().indexOf(':') + 1))
            : RepairFeedback.compileErrors(r.compileError());
    long size = Math.max(r.sourceBytes(), g.code().getBytes(StandardCharsets.UTF_8).length);
    ChatRequest request =
        c.prompts()
            .repair(r.instruction(), r.fileName(), c.offloadArch(), g.code(), errors)
            .withMaxTokens(c.provider().maxTokensFor(size));
    return taskFor(c, version, r, request)
        .withSource(r.sourceEncoding(), r.sourceBytes())
        .afterRounds(r.closeRound());
  }
}
