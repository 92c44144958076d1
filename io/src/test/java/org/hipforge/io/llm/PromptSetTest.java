package org.hipforge.io.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PromptSetTest {
  @TempDir Path tmp;

  // The system prompts as hipforge sent them before templates existed, kept as files on purpose
  // (legacy-*-system.txt, no final newline): the built-in templates must render exactly these, or
  // every cached answer's key changes.
  private static final String LEGACY_DESCRIBE_SYSTEM = legacy("legacy-describe-system.txt");
  private static final String LEGACY_GENERATE_SYSTEM = legacy("legacy-generate-system.txt");

  private static String legacy(String resource) {
    try (java.io.InputStream in = PromptSetTest.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String legacyDescribeUser(String fileName, String code) {
    return "File: " + fileName + "\n\n```hip\n" + code + (code.endsWith("\n") ? "" : "\n") + "```";
  }

  private static final ProviderConfig PROVIDER =
      ProviderConfig.of(
          "openai", ProviderConfig.Api.OPENAI, "http://127.0.0.1:9/v1", "gpt-4o-mini", null);
  private static final String KERNEL =
      "#include <hip/hip_runtime.h>\n__global__ void add(float* x) { x[threadIdx.x] += 1.0f; }";
  private static final String INSTRUCTION =
      "Write a kernel that adds one to every element of a float array.";

  @Test
  void builtInTemplatesRenderTheLegacyPromptsByteForByte() {
    PromptSet d = PromptSet.defaults();
    for (String code : List.of(KERNEL, KERNEL + "\n", "", "x\r\n", "{{code}} {{source}}\n")) {
      ChatRequest r = d.describe("dir/k.hip", code);
      assertEquals(LEGACY_DESCRIBE_SYSTEM, r.system());
      assertEquals(legacyDescribeUser("dir/k.hip", code), r.user());
    }
    ChatRequest g = d.generate(INSTRUCTION + " Use {{instruction}} literally.", "k.hip", "gfx90a");
    assertEquals(LEGACY_GENERATE_SYSTEM, g.system());
    assertEquals(INSTRUCTION + " Use {{instruction}} literally.", g.user());
    assertEquals(Prompts.generate(INSTRUCTION).user(), INSTRUCTION);
  }

  @Test
  void builtInPromptHashesAreTheOnesAlreadyInJournals() {
    // Computed with the hipforge before prompt templates (commit 58d289e): existing caches stay
    // valid.
    assertEquals(
        "d7d3fd5ff4058fc0b11f879bce40d9e2dc33e1021569b6525f1726b916db9440",
        Prompts.key(PROVIDER, PromptSet.defaults().describe("kernels/vector_add.hip", KERNEL)));
    assertEquals(
        "39a852e2463664870c02430ce24cfbd4eb4588eb5da4d319abad8b94b6ca6f71",
        Prompts.key(
            PROVIDER,
            PromptSet.defaults().generate(INSTRUCTION, "kernels/vector_add.hip", "gfx90a")));
  }

  @Test
  void writtenDefaultsReadBackAsTheBuiltInSetWithNoVersion() throws Exception {
    Path dir = tmp.resolve("prompts");
    List<Path> files = PromptSet.writeDefaults(dir);
    assertEquals(6, files.size());
    assertTrue(Files.readString(dir.resolve("describe.user.txt")).endsWith("```\n"));
    PromptSet read = PromptSet.load(dir);
    for (PromptSet.Kind k : PromptSet.Kind.values()) {
      assertNull(read.version(k), k.name());
    }
    assertEquals(
        Prompts.key(PROVIDER, Prompts.describe("a.hip", KERNEL)),
        Prompts.key(PROVIDER, read.describe("a.hip", KERNEL)));
  }

  @Test
  void writingDefaultsNeverOverwritesAnEditedTemplate() throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.writeString(dir.resolve("generate.user.txt"), "edited {{instruction}}\n");
    PromptTemplateException e =
        assertThrows(PromptTemplateException.class, () -> PromptSet.writeDefaults(dir));
    assertTrue(e.getMessage().contains("describe.system.txt: exists already"), e.getMessage());
    assertEquals("edited {{instruction}}\n", Files.readString(dir.resolve("generate.user.txt")));
  }

  @Test
  void anEditedTemplateIsANewQuestionWithItsOwnVersionOnlyForItsStep() throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.writeString(
        dir.resolve("generate.user.txt"),
        "Target: {{offload_arch}}. File name: {{file_name}}.\n\n{{instruction}}\n");
    PromptSet edited = PromptSet.load(dir);
    assertNull(edited.version(PromptSet.Kind.DESCRIBE));
    String v = edited.version(PromptSet.Kind.GENERATE);
    assertNotNull(v);
    assertTrue(v.matches("[0-9a-f]{12}"), v);
    ChatRequest r = edited.generate(INSTRUCTION, "k.hip", "gfx90a,gfx942");
    assertEquals("Target: gfx90a,gfx942. File name: k.hip.\n\n" + INSTRUCTION, r.user());
    assertNotEquals(Prompts.key(PROVIDER, Prompts.generate(INSTRUCTION)), Prompts.key(PROVIDER, r));
    // The same edit read again has the same version; another edit another one.
    assertEquals(v, PromptSet.load(dir).version(PromptSet.Kind.GENERATE));
    Files.writeString(dir.resolve("generate.user.txt"), "{{instruction}}\n\nKeep it short.\n");
    assertNotEquals(v, PromptSet.load(dir).version(PromptSet.Kind.GENERATE));
  }

  @Test
  void windowsLineEndsAndAByteOrderMarkReadAsTheTextTheyHold() throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    String user = Files.readString(dir.resolve("describe.user.txt"));
    Files.write(
        dir.resolve("describe.user.txt"),
        ("\uFEFF" + user.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8));
    PromptSet read = PromptSet.load(dir);
    assertNull(read.version(PromptSet.Kind.DESCRIBE));
    assertEquals(Prompts.describe("a.hip", KERNEL).user(), read.describe("a.hip", KERNEL).user());
  }

  /** An edited template file, and the error that names it (after its path). */
  static Stream<Arguments> badTemplates() {
    return Stream.of(
        Arguments.of(
            "describe.user.txt",
            utf8("File: {{file_name}}\n\n```hip\n{{sourcecode}}```\n"),
            ":4: unknown placeholder {{sourcecode}} (known: {{source}}, {{file_name}}, {{instruction}}, {{code}}, "
                + "{{errors}}, {{offload_arch}})"),
        Arguments.of(
            "generate.system.txt",
            utf8("Write HIP.\nThe original was:\n{{source}}\n"),
            ":3: {{source}} is not available in this template (it may use: {{file_name}}, {{instruction}}, "
                + "{{offload_arch}})"),
        Arguments.of(
            "describe.user.txt", utf8("\n"), ": is empty: the user message must say what to do"),
        Arguments.of(
            "describe.user.txt",
            new byte[] {'F', (byte) 0xA9, ' ', '{', '{', 's'},
            ": is not UTF-8 text"));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}{2}")
  @MethodSource("badTemplates")
  void aBadTemplateIsRefusedNamingItsFileAndLine(String file, byte[] text, String message)
      throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.write(dir.resolve(file), text);
    PromptTemplateException e =
        assertThrows(PromptTemplateException.class, () -> PromptSet.load(dir));
    assertEquals(dir.resolve(file) + message, e.getMessage());
  }

  @Test
  void aMissingTemplateFileIsNamed() throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.delete(dir.resolve("repair.user.txt"));
    PromptTemplateException e =
        assertThrows(PromptTemplateException.class, () -> PromptSet.load(dir));
    assertTrue(
        e.getMessage().startsWith(dir.resolve("repair.user.txt") + ": missing"), e.getMessage());
    assertTrue(
        assertThrows(
                PromptTemplateException.class,
                () -> PromptSet.fromDir(tmp.resolve("nope").toString()))
            .getMessage()
            .contains("is not a directory"));
  }

  @Test
  void placeholderSyntaxAllowsBlanksKeepsBraceInitialisersAndCatchesAMissingBrace() {
    PromptTemplate t =
        PromptTemplate.parse(
            "t.txt",
            "int a[2][2] = {{1, 2}, {3, 4}}; {{ errors }} {{{x; {{a, b}}",
            PromptSet.Kind.REPAIR.allowed());
    assertEquals(
        "int a[2][2] = {{1, 2}, {3, 4}}; E {{{x; {{a, b}}",
        t.render(java.util.Map.of(PromptTemplate.Placeholder.ERRORS, "E")));
    PromptTemplateException e =
        assertThrows(
            PromptTemplateException.class,
            () ->
                PromptTemplate.parse(
                    "t.txt", "line one\nsee {{code} here", PromptSet.Kind.REPAIR.allowed()));
    assertEquals("t.txt:2: malformed placeholder {{code}: write {{code}}", e.getMessage());
  }

  @Test
  void valuesAreInsertedOnceAndNeverScannedForPlaceholders() {
    ChatRequest r =
        PromptSet.defaults()
            .repair(
                "Add {{errors}}.",
                "k.hip",
                "gfx90a",
                "// {{instruction}}\nint main() {}",
                "k.hip:2:1: error: {{code}}");
    assertTrue(r.user().contains("Add {{errors}}."), r.user());
    assertTrue(r.user().contains("```hip\n// {{instruction}}\nint main() {}\n```"), r.user());
    assertTrue(r.user().contains("```\nk.hip:2:1: error: {{code}}\n```"), r.user());
    assertTrue(r.user().contains("It does not compile for gfx90a."), r.user());
  }

  @Test
  void anEditedSetSurvivesJavaSerialisationAsThePipelineShipsIt() throws Exception {
    Path dir = tmp.resolve("prompts");
    PromptSet.writeDefaults(dir);
    Files.writeString(dir.resolve("describe.system.txt"), "Describe it briefly.\n");
    PromptSet edited = PromptSet.load(dir);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(edited);
    }
    PromptSet back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (PromptSet) in.readObject();
    }
    assertEquals(edited.version(PromptSet.Kind.DESCRIBE), back.version(PromptSet.Kind.DESCRIBE));
    assertEquals("Describe it briefly.", back.describe("a.hip", KERNEL).system());
  }
}
