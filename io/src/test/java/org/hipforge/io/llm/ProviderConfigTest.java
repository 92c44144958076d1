package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderConfigTest {

  /** The README's example config (openai + local + anthropic), read from the README itself. */
  static String readmeExampleConfig() throws IOException {
    Path readme = Path.of("..", "README.md"); // surefire runs in the module directory
    if (!Files.exists(readme)) {
      readme = Path.of("README.md");
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int section = text.indexOf("## Provider config");
    assertThat("README has a provider config section", section >= 0, is(true));
    int open = text.indexOf("```json\n", section);
    int close = text.indexOf("```", open + 8);
    assertThat("README shows the config as a json block", open >= 0 && close > open, is(true));
    return text.substring(open + 8, close);
  }

  @TempDir Path dir;
  private Path example;

  @BeforeEach
  void writeExample() throws IOException {
    example = write("config.json", readmeExampleConfig());
  }

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  /** Loads provider "p" whose JSON object body is {@code body}. */
  private ProviderConfig loadOne(String body) throws IOException {
    return ProviderConfig.load(write("one.json", "{\"p\": {" + body + "}}"), "p");
  }

  private String errorOf(String body) throws IOException {
    Path file = write("bad.json", "{\"p\": {" + body + "}}");
    String message = loadError(file);
    assertThat(message, containsString(file.toString()));
    assertThat(message, containsString("provider 'p'"));
    return message;
  }

  /** The message of the IOException loading provider {@code p} of {@code file} throws. */
  private static String loadError(Path file) {
    return assertThrows(IOException.class, () -> ProviderConfig.load(file, "p")).getMessage();
  }

  private static String unsetVariable() {
    String name =
        "HIPFORGE_TEST_UNSET_" + UUID.randomUUID().toString().replace("-", "").toUpperCase();
    assertThat(System.getenv(name), is(nullValue()));
    return name;
  }

  // ---- the example config

  /**
   * Each provider of the README's example: every setting as read, and whether it is on this
   * machine.
   */
  static Stream<Arguments> exampleProviders() {
    RetryRules rules = RetryRules.DEFAULTS;
    return Stream.of(
        Arguments.of(
            "openai",
            new ProviderConfig(
                "openai",
                Api.OPENAI,
                "https://api.openai.com/v1",
                "gpt-4o-mini",
                "OPENAI_API_KEY",
                0.2,
                1024,
                120,
                500,
                200_000,
                6,
                0.15,
                0.6,
                "2023-06-01",
                rules,
                8192,
                0.5),
            false,
            "OPENAI https://api.openai.com/v1 gpt-4o-mini"),
        Arguments.of(
            "local",
            ProviderConfig.of(
                "local", Api.OPENAI, "http://localhost:8000/v1", "qwen2.5-coder", "LOCAL_LLM_KEY"),
            true,
            "OPENAI http://localhost:8000/v1 qwen2.5-coder"),
        Arguments.of(
            "anthropic",
            new ProviderConfig(
                "anthropic",
                Api.ANTHROPIC,
                "https://api.anthropic.com/v1",
                "claude-sonnet-4-5",
                "ANTHROPIC_API_KEY",
                0.2,
                2048,
                120,
                0,
                0,
                6,
                0,
                0,
                "2023-06-01",
                rules,
                8192,
                0.5),
            false,
            "ANTHROPIC https://api.anthropic.com/v1 claude-sonnet-4-5"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exampleProviders")
  void exampleProvidersAreReadWithDefaultsForWhatTheyOmit(
      String name, ProviderConfig expected, boolean loopback, String endpointKey) throws Exception {
    ProviderConfig c = ProviderConfig.load(example, name);
    assertThat(c, is(expected));
    assertThat(c.isLoopback(), is(loopback));
    assertThat(c.endpointKey(), is(endpointKey));
  }

  @Test
  void exampleLocalProviderNeedsNoKey() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("LOCAL_LLM_KEY") == null);
    assertThat(ProviderConfig.load(example, "local").resolveApiKey(), is(nullValue()));
  }

  @Test
  void anUnknownKeyIsAnErrorNamingItAndTheClosestKnownOne() throws Exception {
    String base = "\"base_url\": \"https://h.example/v1\", \"model\": \"m\", ";
    assertThat(
        errorOf(base + "\"rpms\": 500"),
        containsString("unknown key \"rpms\" (did you mean \"rpm\"?)"));
    assertThat(
        errorOf(base + "\"maxTokens\": 9"), containsString("(did you mean \"max_tokens\"?)"));
    assertThat(errorOf(base + "\"input_price\": 1"), containsString("unknown key \"input_price\""));
    String far = errorOf(base + "\"colour\": \"blue\"");
    assertThat(far, containsString("unknown key \"colour\"; the keys are [api, base_url"));
    assertThat(far, not(containsString("did you mean")));
  }

  @Test
  void anthropicBaseUrlDefaultsToTheHostedApi() throws Exception {
    ProviderConfig c = loadOne("\"api\": \"anthropic\", \"model\": \"claude-haiku\"");
    assertThat(c.baseUrl(), is("https://api.anthropic.com/v1"));
  }

  @Test
  void omittedSettingsTakeTheDocumentedDefaults() throws Exception {
    ProviderConfig c = loadOne("\"base_url\": \"https://h.example/v1\", \"model\": \"m\"");
    assertThat(
        c,
        is(
            new ProviderConfig(
                "p",
                Api.OPENAI,
                "https://h.example/v1",
                "m",
                null,
                0.2,
                1024,
                120,
                0,
                0,
                6,
                0,
                0,
                "2023-06-01",
                RetryRules.DEFAULTS,
                8192,
                0.5)));
    assertThat(c, is(ProviderConfig.of("p", Api.OPENAI, "https://h.example/v1/", "m", null)));
  }

  @Test
  void apiNameIsCaseInsensitiveAndNullsMeanDefaults() throws Exception {
    ProviderConfig c =
        loadOne("\"api\": \"Anthropic\", \"model\": \"m\", \"base_url\": null, " + "\"rpm\": null");
    assertThat(c.api(), is(Api.ANTHROPIC));
    assertThat(c.baseUrl(), is("https://api.anthropic.com/v1"));
    assertThat(c.rpm(), is(0));
  }

  // ---- errors name the file, the provider and the key

  @Test
  void missingProviderIsNamedAndTheAvailableOnesListed() {
    IOException e = assertThrows(IOException.class, () -> ProviderConfig.load(example, "gemini"));
    assertThat(
        e.getMessage(),
        allOf(
            containsString(example.toString()),
            containsString("no provider named 'gemini'"),
            containsString("[openai, local, anthropic]")));
  }

  /** A provider's keys, and what the error names. */
  static Stream<Arguments> badProviders() {
    return Stream.of(
        Arguments.of(
            "\"api\": \"gemini\", \"model\": \"m\", \"base_url\": \"https://x\"",
            "\"api\" must be \"openai\" or \"anthropic\", was \"gemini\""),
        Arguments.of("\"base_url\": \"https://x\"", "\"model\" is required"),
        Arguments.of("\"base_url\": \"https://x\", \"model\": \"  \"", "\"model\" is required"),
        Arguments.of("\"model\": \"m\"", "\"base_url\" is required"),
        Arguments.of(
            "\"model\": \"m\", \"base_url\": \"https://x\", \"rpm\": \"500\"",
            "\"rpm\" must be a number, was \"500\""),
        Arguments.of("\"model\": 4, \"base_url\": \"https://x\"", "\"model\" must be a string"),
        Arguments.of(
            "\"model\": \"m\", \"base_url\": \"https://x\", \"api_key_env\": 1",
            "\"api_key_env\" must be a string"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badProviders")
  void aBadSettingIsNamedWithFileAndProvider(String keys, String message) throws Exception {
    assertThat(errorOf(keys), containsString(message));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://files.example/v1",
        "api.openai.com/v1",
        "localhost:8000/v1",
        "http://",
        "file:///etc/passwd",
        "not a url at all"
      })
  void nonHttpBaseUrlIsRefused(String url) throws Exception {
    assertThat(
        errorOf("\"model\": \"m\", \"base_url\": \"" + url + "\""),
        containsString("\"base_url\" is not an http(s) URL: " + url));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "temperature | 2.5",
        "temperature | -0.1",
        "max_tokens | 0",
        "max_tokens | 2000000",
        "timeout_s | 0",
        "timeout_s | 3601",
        "rpm | -1",
        "rpm | 20000000",
        "tpm | -1",
        "max_attempts | 0",
        "max_attempts | 101",
        "input_price_per_mtok | -1",
        "output_price_per_mtok | 1e7"
      })
  void outOfRangeNumbersAreNamedWithTheirValue(String key, String value) throws Exception {
    String msg =
        errorOf("\"model\": \"m\", \"base_url\": \"https://x\", \"" + key + "\": " + value);
    assertThat(msg, containsString("\"" + key + "\" must be in ["));
    assertThat(msg, containsString("was " + Double.parseDouble(value)));
  }

  @Test
  void anApiKeyInTheFileIsRefusedWithoutRepeatingIt() throws Exception {
    String msg =
        errorOf(
            "\"model\": \"m\", \"base_url\": \"https://x\", "
                + "\"api_key\": \"sk-proj-SECRET123456\"");
    assertThat(msg, containsString("keys do not belong in the config file"));
    assertThat(msg, containsString("api_key_env"));
    assertThat(msg, not(containsString("SECRET")));
  }

  @Test
  void configThatIsNotAnObjectOfProvidersIsRefused() throws Exception {
    Path arr = write("arr.json", "[{\"model\": \"m\"}]");
    assertThat(loadError(arr), containsString(arr + ": the config must be a JSON object"));
    Path str = write("str.json", "{\"p\": \"gpt-4o\"}");
    assertThat(loadError(str), containsString(str + ": provider 'p' must be a JSON object"));
  }

  @Test
  void missingOrInvalidFileIsNamed() throws Exception {
    Path missing = dir.resolve("nope.json");
    assertThat(loadError(missing), is("config file not found: " + missing));
    Path broken = write("broken.json", "{\"p\": {\"model\": ");
    assertThat(loadError(broken), containsString(broken + ": not valid JSON"));
  }

  // ---- the key comes from the environment

  @Test
  void keyIsReadFromTheNamedEnvironmentVariable() throws Exception {
    String path = System.getenv("PATH");
    org.junit.jupiter.api.Assumptions.assumeTrue(path != null && !path.isBlank());
    ProviderConfig c =
        loadOne(
            "\"model\": \"m\", \"base_url\": \"https://api.example.com/v1\", "
                + "\"api_key_env\": \"PATH\"");
    assertThat(c.resolveApiKey(), is(path.trim()));
    assertThat(c.toString(), not(containsString(path)));
  }

  @Test
  void unsetKeyVariableOnARemoteServerIsAnErrorNamingTheVariable() throws Exception {
    String var = unsetVariable();
    ProviderConfig c =
        loadOne(
            "\"model\": \"m\", \"base_url\": \"https://api.example.com/v1\", "
                + "\"api_key_env\": \""
                + var
                + "\"");
    IllegalStateException e = assertThrows(IllegalStateException.class, c::resolveApiKey);
    assertThat(
        e.getMessage(),
        allOf(containsString("provider 'p'"), containsString(var), containsString("not set")));
  }

  @Test
  void remoteServerWithoutAnyKeyVariableSaysToNameOne() throws Exception {
    ProviderConfig c = loadOne("\"model\": \"m\", \"base_url\": \"https://api.example.com/v1\"");
    IllegalStateException e = assertThrows(IllegalStateException.class, c::resolveApiKey);
    assertThat(
        e.getMessage(), allOf(containsString("provider 'p'"), containsString("api_key_env")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost:8000/v1",
        "http://127.0.0.1:11434/v1",
        "http://127.1.2.3/v1",
        "http://[::1]:8080/v1"
      })
  void loopbackServerWithoutAKeyNeedsNone(String url) throws Exception {
    ProviderConfig noVar = loadOne("\"model\": \"m\", \"base_url\": \"" + url + "\"");
    assertThat(noVar.isLoopback(), is(true));
    assertThat(noVar.resolveApiKey(), is(nullValue()));
    ProviderConfig unsetVar =
        loadOne(
            "\"model\": \"m\", \"base_url\": \""
                + url
                + "\", "
                + "\"api_key_env\": \""
                + unsetVariable()
                + "\"");
    assertThat(unsetVar.resolveApiKey(), is(nullValue()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost.example.com/v1",
        "https://10.0.0.5/v1",
        "http://0.0.0.0:8000/v1",
        "https://api.openai.com/v1"
      })
  void otherHostsAreNotLoopback(String url) throws Exception {
    assertThat(loadOne("\"model\": \"m\", \"base_url\": \"" + url + "\"").isLoopback(), is(false));
  }

  // ---- withers

  @Test
  void withersChangeOneSettingAndCheckIt() throws Exception {
    ProviderConfig c = ProviderConfig.load(example, "openai");
    assertThat(c.withTimeoutS(5).timeoutS(), is(5));
    assertThat(c.withTimeoutS(5).model(), is(c.model()));
    assertThat(refused(() -> c.withTimeoutS(0)), containsString("0"));
  }

  @Test
  void generateMaxTokensGrowWithTheSourceBetweenMaxTokensAndTheCeiling() throws IOException {
    ProviderConfig c =
        loadOne(
            "\"api\": \"openai\", \"base_url\": \"http://127.0.0.1:1/v1\", \"model\": \"m\", "
                + "\"api_key_env\": \"X\", \"max_tokens\": 1024, \"max_tokens_ceiling\": 4096");
    assertThat(c.maxTokensCeiling(), is(4096));
    assertThat(c.maxTokensFor(0), is(1024)); // unknown size: as before
    assertThat(c.maxTokensFor(1200), is(1024)); // 600 + 256 < the floor
    assertThat(c.maxTokensFor(4000), is(2256)); // 4000 / 3 * 1.5 + 256
    assertThat(c.maxTokensFor(200_000), is(4096));
  }

  @Test
  void theCeilingDefaultsTo8192OrMaxTokensAndMayNotBeBelowMaxTokens() throws IOException {
    String base =
        "\"api\": \"openai\", \"base_url\": \"http://127.0.0.1:1/v1\", \"model\": \"m\", \"api_key_env\": \"X\"";
    assertThat(loadOne(base).maxTokensCeiling(), is(8192));
    assertThat(loadOne(base + ", \"max_tokens\": 16000").maxTokensCeiling(), is(16000));
    assertThat(
        errorOf(base + ", \"max_tokens\": 2048, \"max_tokens_ceiling\": 1000"),
        containsString("\"max_tokens_ceiling\" (1000) must be >= \"max_tokens\" (2048)"));
  }

  /** The message of the IllegalArgumentException {@code change} throws. */
  private static String refused(Executable change) {
    return assertThrows(IllegalArgumentException.class, change).getMessage();
  }
}
