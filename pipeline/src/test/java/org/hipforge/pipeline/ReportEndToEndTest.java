package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hipforge.io.hip.HipToolchain;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hipforge report} end to end: describe and generate against the simulator on loopback (real
 * HTTP, real files, real hipcc when installed), then the page opened from file:// in a real
 * headless Chromium: every chart renders, no console error, nothing from the data runs as markup.
 */
class ReportEndToEndTest {
  private static final int TASKS = 6;

  /**
   * Opened in the browser: a source whose text would end the data element and run code if pasted as
   * HTML.
   */
  private static final String HOSTILE_SOURCE =
      "// </script><img src=x onerror=\"document.body.setAttribute("
          + "'data-pwned','img')\"><script>document.body.setAttribute('data-pwned','script')</script>\n"
          + "// <!-- <svg onload=\"document.body.setAttribute('data-pwned','svg')\"> \u2028 &lt;b&gt;\n"
          + "#include <hip/hip_runtime.h>\n"
          + "__global__ void evil(float* x, int n) {\n"
          + "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
          + "  if (i < n) x[i] = 1.0f;\n"
          + "}\n";

  private static final String HOSTILE_NAME =
      "x<img src=y onerror=document.body.setAttribute('data-pwned','name')>.hip";

  /** The test's output directory: the screenshots stay there after the run. */
  private static final Path OUTPUT = Path.of("target", "report-browser");

  /**
   * One work directory for the class (describe + generate take most of the time); tests copy it to
   * change it.
   */
  @TempDir static Path shared;

  @TempDir Path tmp;
  private static TestCorpus.SimulatedWork sim;

  /**
   * Six kernels and the two hostile ones, described and generated (compiled when hipcc is there).
   */
  @BeforeAll
  static void describeAndGenerate() throws Exception {
    Path src = shared.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("evil_kernel.hip"), HOSTILE_SOURCE, StandardCharsets.UTF_8);
    Files.writeString(
        src.resolve(HOSTILE_NAME),
        HOSTILE_SOURCE.replace("evil", "evil_name"),
        StandardCharsets.UTF_8);
    sim = TestCorpus.SimulatedWork.start(shared, TASKS, TestCorpus.compiling(2, 0.4, 11));
    DescribeCommand.run(sim.direct(), new TestCorpus.Captured().out);
    boolean hipcc = HipToolchain.detect().isPresent();
    // No repair rounds and no resources here: the test that needs them adds them to the records.
    GenerateCommand.run(
        sim.direct(
            "--validate=" + (hipcc ? "hipcc" : "none"), "--repairRounds=0", "--resources=false"),
        new TestCorpus.Captured().out);
  }

  @AfterAll
  static void stopSimulator() {
    if (sim != null) {
      sim.close();
    }
  }

  private static Path report(Path work, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--workDir=" + work, "--sourceDir=" + sim.src));
    args.addAll(List.of(extra));
    TestCorpus.Captured out = new TestCorpus.Captured();
    Path page =
        ReportCommand.run(
            org.apache.beam.sdk.options.PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
                .as(ReportOptions.class),
            out.out);
    assertThat(out.text(), containsString("report: " + page));
    return page;
  }

  /** A copy of the shared work directory, for a test that changes it. */
  private Path copyOfWork() throws Exception {
    Path copy = tmp.resolve("work");
    try (Stream<Path> s = Files.walk(sim.work)) {
      for (Path p : s.toList()) {
        Path to = copy.resolve(sim.work.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    return copy;
  }

  /** The report's data: the JSON in its data element. */
  private static JsonNode dataOf(String html) throws Exception {
    String open = "<script type=\"application/json\" id=\"report-data\">";
    int from = html.indexOf(open) + open.length();
    return new ObjectMapper().readTree(html.substring(from, html.indexOf("</script>", from)));
  }

  private static String attribute(String dom, String name) {
    Matcher m =
        Pattern.compile("<body[^>]*\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(dom);
    return m.find() ? m.group(1) : null;
  }

  private static Path browser() {
    return HeadlessChromium.find()
        .orElseGet(
            () -> {
              Assumptions.abort("needs chromium (scripts/test.sh installs it)");
              return null;
            });
  }

  /**
   * Opens the page, asserts every planned chart rendered with no error, saves a screenshot as
   * {@code png}; returns the document's markup without its scripts (they hold the page's own
   * strings).
   */
  private String openInBrowser(Path page, String png) throws Exception {
    Path chromium = browser();
    Path profile = tmp.resolve("chromium-profile");
    HeadlessChromium.Run run = HeadlessChromium.open(chromium, profile, page, 20_000, "--dump-dom");
    assertThat(run.stderr(), run.exit(), is(0));
    String dom = run.stdout();
    assertThat(
        "the page's script ran to its end\n" + run.stderr(),
        attribute(dom, "data-ready"),
        is("true"));
    String planned = attribute(dom, "data-charts");
    assertThat(
        "every chart rendered\n" + run.stderr(), attribute(dom, "data-rendered"), is(planned));
    assertThat(attribute(dom, "data-errors"), is((String) null));
    // Console messages (errors, CSP violations) are logged as CONSOLE lines; the page logs nothing
    // else.
    assertTrue(!run.stderr().contains(":CONSOLE"), () -> "console messages: " + run.stderr());
    assertThat("nothing from the data ran", attribute(dom, "data-pwned"), is((String) null));
    // The markup outside the scripts (ECharts' own code mentions <img in a string): no element from
    // the data.
    String markup = dom.replaceAll("(?s)<script\\b.*?</script>", "<script/>");
    assertTrue(
        !markup.contains("<img") && !markup.contains("<svg"), "an element was made from the data");
    Files.createDirectories(OUTPUT);
    Path shot = OUTPUT.toAbsolutePath().resolve(png);
    Files.deleteIfExists(shot);
    HeadlessChromium.Run s =
        HeadlessChromium.open(
            chromium,
            profile,
            page,
            20_000,
            "--window-size=1400,2400",
            "--hide-scrollbars",
            "--screenshot=" + shot);
    assertThat(s.stderr(), s.exit(), is(0));
    assertThat(Files.size(shot), greaterThanOrEqualTo(10_000L));
    return markup;
  }

  @Test
  void reportRendersEveryChartInAHeadlessBrowserAndShowsHostileSourcesAsText() throws Exception {
    Path page = report(sim.work, "--out=" + tmp.resolve("report/index.html"));
    String html = Files.readString(page, StandardCharsets.UTF_8);
    // The data is inert JSON: the hostile text is there, escaped, and holds no '<' at all.
    String open = "<script type=\"application/json\" id=\"report-data\">";
    int from = html.indexOf(open) + open.length();
    String data = html.substring(from, html.indexOf("</script>", from));
    assertTrue(
        data.contains("\\u003c/script\\u003e\\u003cimg src=x onerror="),
        "the hostile source is in the data");
    assertTrue(
        data.indexOf('<') < 0 && data.indexOf('>') < 0 && data.indexOf('&') < 0,
        "the data holds markup characters");
    assertTrue(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the page loads something from the network");

    String dom = openInBrowser(page, "report.png");
    assertThat(
        "states, categories, tokens per run, latency, fidelity: at least five charts",
        Integer.parseInt(attribute(dom, "data-charts")),
        greaterThanOrEqualTo(5));
    assertThat(attribute(dom, "data-pairs"), is(String.valueOf(TASKS + 2)));
    // The first page of the table holds the hostile source as text (the DOM dump escapes it again).
    assertTrue(
        dom.contains("&lt;/script&gt;&lt;img src=x onerror="),
        "the hostile source is shown as text");
    assertTrue(dom.contains("no repair rounds recorded"), "says there are no repair rounds");
    assertTrue(dom.contains("no kernel resources recorded"), "says there are no kernel resources");
  }

  /**
   * Adds {@code keys} to every generate state line, as the repair loop and the resource recorder
   * write them.
   */
  private static void addToGenerateRecords(Path work, ObjectNode keys) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Path> parts;
    try (Stream<Path> s = Files.walk(work.resolve("state/generate"))) {
      parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
    }
    for (Path part : parts) {
      StringBuilder b = new StringBuilder();
      for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
        ObjectNode r = (ObjectNode) json.readTree(line);
        JsonNode compiled = r.get("compiled");
        boolean ok = compiled != null && compiled.asBoolean();
        r.setAll(keys);
        // As the repair loop writes them: flat, a comma-separated string.
        r.put("round_verdicts", ok ? "compile_error,compiled" : "compile_error,compile_error");
        if (ok) {
          r.put(
              "resources_kernels",
              "gfx90a _Z4evilPfi vgprs=3 sgprs=11 agprs=0 lds=0 scratch=0 vgpr_spills=0 "
                  + "sgpr_spills=0 occupancy=8; gfx942 _Z4evilPfi vgprs=4 sgprs=12 agprs=0 lds=0 scratch=0 vgpr_spills=0 "
                  + "sgpr_spills=0 occupancy=8");
        }
        b.append(json.writeValueAsString(r)).append('\n');
      }
      Files.writeString(part, b.toString(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void reportDrawsYieldPerRepairRoundAndResourcesWhenGenerateRecordsCarryThem() throws Exception {
    Path work = copyOfWork();
    ObjectNode keys = new ObjectMapper().createObjectNode();
    keys.put("rounds", 1);
    keys.put("resources_vgprs_max", 24);
    addToGenerateRecords(work, keys);
    // The run manifest of the generate run, as the CLI writes it, left "running" (as after a
    // SIGKILL),
    // and one file in W/runs that is no run manifest.
    String generateRun;
    try (Stream<Path> runs = Files.list(work.resolve("state/generate"))) {
      generateRun =
          runs.map(p -> p.getFileName().toString())
              .filter(n -> !n.equals("journal"))
              .findFirst()
              .orElseThrow();
    }
    Files.createDirectories(work.resolve("runs"));
    Files.writeString(
        work.resolve("runs/" + generateRun + ".json"),
        "{\"schema\": 1, \"run_id\": \""
            + generateRun
            + "\", \"command\": \"generate\", \"status\": \"running\", \"started_at\": \"2026-12-06T18:00:00.000Z\", "
            + "\"ended_at\": null, \"provider\": {\"name\": \"sim\", \"model\": \"sim-model\"}, \"cost_usd\": 0.0123}");
    Files.writeString(work.resolve("runs/broken.json"), "{\"run_id\": ");
    Path page = report(work, "--maxPairs=3");
    JsonNode data = dataOf(Files.readString(page, StandardCharsets.UTF_8));
    JsonNode run = null;
    for (JsonNode r : data.get("runs")) {
      run = r.get("run_id").asText().equals(generateRun) ? r : run;
    }
    assertThat(run.get("cost_usd").asDouble(), is(0.0123));
    assertThat(
        "no process holds the LOCK with its run id",
        run.get("status").asText(),
        is("ended without a record"));
    assertThat(run.get("answers").asLong(), is((long) TASKS + 2));
    assertThat(
        data.get("problems").get(0).asText(), containsString("broken.json: not a run manifest"));
    assertThat(page, is(work.resolve("report/index.html")));
    String dom = openInBrowser(page, "report-rounds.png");
    assertTrue(!dom.contains("no repair rounds recorded"), "draws the repair rounds");
    assertTrue(!dom.contains("no kernel resources recorded"), "draws the kernel resources");
    assertThat(attribute(dom, "data-pairs"), is("3"));
    assertTrue(dom.contains("$0.0123"), "shows the run manifest's cost");
    assertThat(
        "states, categories, rounds, tokens, latency, fidelity, two resources",
        Integer.parseInt(attribute(dom, "data-charts")),
        greaterThanOrEqualTo(7));
  }

  @Test
  void reportOfADirectoryWithoutManifestOrWithANegativeMaxPairsIsAUsageError() throws Exception {
    TestCorpus.Captured out = new TestCorpus.Captured();
    TestCorpus.Captured err = new TestCorpus.Captured();
    assertThat(
        Main.run(new String[] {"report", "--workDir=" + tmp.resolve("nothing")}, out.out, err.out),
        is(2));
    assertThat(err.text(), containsString("no manifest at"));
    assertThat(
        Main.run(
            new String[] {"report", "--workDir=" + sim.work, "--maxPairs=-1"}, out.out, err.out),
        is(2));
    assertThat(err.text(), containsString("--maxPairs must be >= 0, was -1"));
  }
}
