package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.Prompts;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * BuildPrompts's describe and generate prompts: the messages, the cache key and the prompt version.
 */
@ExtendWith(TestPipelineExtension.class)
class BuildPromptsTest {
  @TempDir Path tmp;

  private static final ProviderConfig PROVIDER =
      ProviderConfig.of(
          "sim", ProviderConfig.Api.OPENAI, "http://127.0.0.1:9/v1", "sim-model", null);
  private static final String KERNEL = "__global__ void k(float* x) { x[threadIdx.x] = 1; }";

  @Test
  void describePromptsWithTheBuiltInTemplatesKeepTheirKeyAndCarryNoVersion(TestPipeline p) {
    SourceFile s =
        new SourceFile(new ManifestEntry(7, "dir/k.hip", KERNEL.length(), "sha7"), KERNEL);
    ChatRequest expected = Prompts.describe("dir/k.hip", KERNEL);
    PAssert.that(
            p.apply(Create.of(s).withCoder(SerializableCoder.of(SourceFile.class)))
                .apply(BuildPrompts.describe(PROVIDER)))
        .satisfies(
            tasks -> {
              LlmTask t = tasks.iterator().next();
              assertThat(t.id(), is(7L));
              assertThat(t.sourceSha256(), is("sha7"));
              assertThat(t.request().user(), is(expected.user()));
              assertThat(t.promptSha256(), is(Prompts.key(PROVIDER, expected)));
              assertThat(t.promptVersion(), nullValue());
              return null;
            });
    p.run().waitUntilFinish();
  }

  /** The built-in prompt templates with {@code file} replaced by {@code text}. */
  private PromptSet editedPrompts(String file, String text) throws IOException {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.writeString(dir.resolve(file), text);
    return PromptSet.load(dir);
  }

  @Test
  void editedDescribeTemplatesMakeANewPromptWithTheirVersion() throws Exception {
    PromptSet edited =
        editedPrompts("describe.user.txt", "Describe {{file_name}} in two sentences:\n{{source}}");
    SourceFile s = new SourceFile(new ManifestEntry(1, "a.hip", KERNEL.length(), "sha1"), KERNEL);
    String version = edited.version(PromptSet.Kind.DESCRIBE);
    LlmTask t =
        BuildPrompts.describeTask(new BuildPrompts.Configuration(PROVIDER, edited, ""), version, s);
    assertThat(t.request().user(), is("Describe a.hip in two sentences:\n" + KERNEL + "\n"));
    assertThat(t.promptSha256(), is(Prompts.key(PROVIDER, t.request())));
    assertThat(t.promptVersion(), is(version));
  }

  @Test
  void generatePromptsRenderTheInstructionFileNameAndOffloadArch(TestPipeline p) throws Exception {
    PromptSet edited =
        editedPrompts(
            "generate.user.txt",
            "{{instruction}}\nName it {{file_name}}; target {{offload_arch}}.\n");
    StateRecord described =
        StateRecord.builder()
            .id(3)
            .fileName("b.hip")
            .pass(true)
            .instruction("Add two vectors.")
            .sourceSha256("sha3")
            .build();
    StateRecord plain = described.toBuilder().id(4).fileName("c.hip").build();
    PAssert.that(
            p.apply("Edited", Create.of(described).withCoder(StateRecordCoder.of()))
                .apply(
                    "BuildEdited",
                    BuildPrompts.generate(PROVIDER)
                        .withPrompts(edited)
                        .withOffloadArch("gfx90a,gfx942")))
        .satisfies(
            tasks -> {
              LlmTask t = tasks.iterator().next();
              assertThat(
                  t.request().user(), is("Add two vectors.\nName it b.hip; target gfx90a,gfx942."));
              assertThat(t.instruction(), is("Add two vectors."));
              assertThat(t.promptVersion(), is(edited.version(PromptSet.Kind.GENERATE)));
              return null;
            });
    PAssert.that(
            p.apply("Plain", Create.of(plain).withCoder(StateRecordCoder.of()))
                .apply("BuildPlain", BuildPrompts.generate(PROVIDER)))
        .satisfies(
            tasks -> {
              LlmTask t = tasks.iterator().next();
              assertThat(
                  t.promptSha256(),
                  is(Prompts.key(PROVIDER, Prompts.generate("Add two vectors."))));
              assertThat(t.promptVersion(), nullValue());
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void generateAsksForRoomAsLargeAsTheSourceAndKeepsSmallFilesPromptsAsTheyWere(TestPipeline p) {
    StateRecord small =
        StateRecord.builder()
            .id(1)
            .fileName("s.hip")
            .pass(true)
            .instruction("Add two vectors.")
            .sourceSha256("s1")
            .sourceBytes(900)
            .build();
    StateRecord big =
        small.toBuilder().id(2).fileName("b.hip").sourceSha256("s2").sourceBytes(12_000).build();
    StateRecord unsized = small.toBuilder().id(3).fileName("u.hip").sourceBytes(0).build();
    PAssert.that(
            p.apply(Create.of(small, big, unsized).withCoder(StateRecordCoder.of()))
                .apply(BuildPrompts.generate(PROVIDER)))
        .satisfies(
            tasks -> {
              for (LlmTask t : tasks) {
                ChatRequest plain =
                    PromptSet.defaults().generate(t.instruction(), t.fileName(), "");
                if (t.id() == 2L) {
                  assertThat(
                      t.request().maxTokensOr(PROVIDER.maxTokens()),
                      is(PROVIDER.maxTokensFor(12_000)));
                  assertThat(
                      t.request().maxTokensOr(PROVIDER.maxTokens()) > PROVIDER.maxTokens(),
                      is(true));
                  assertThat(t.promptSha256().equals(Prompts.key(PROVIDER, plain)), is(false));
                } else {
                  // The same key as before the budget was derived: the response cache still
                  // answers.
                  assertThat(
                      t.request().maxTokensOr(PROVIDER.maxTokens()), is(PROVIDER.maxTokens()));
                  assertThat(t.promptSha256(), is(Prompts.key(PROVIDER, plain)));
                }
              }
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void builderArgumentsAreChecked() {
    assertThrows(
        IllegalArgumentException.class, () -> BuildPrompts.describe(PROVIDER).withPrompts(null));
    assertThrows(
        IllegalArgumentException.class, () -> BuildPrompts.generate(PROVIDER).withOffloadArch(" "));
  }
}
