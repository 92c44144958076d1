package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hipforge.io.manifest.ManifestStore;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.state.StatusReport;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users of the older Python scripts switch without losing ids or paid work. */
class MigrationTest {
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @Test
  void oldManifestIdsAndOldResultsAreKeptAndOnlyTheRestIsAskedFor() throws Exception {
    List<String> names = TestCorpus.writeKernels(tmp.resolve("src"), 6);
    // The old scripts numbered the files their own way and described two of them.
    StringBuilder oldManifest = new StringBuilder("[");
    for (int i = 0; i < names.size(); i++) {
      oldManifest
          .append(i == 0 ? "" : ",")
          .append("{\"id\": ")
          .append(100 + i)
          .append(", \"file_name\": \"")
          .append(names.get(i))
          .append("\"}");
    }
    Files.writeString(tmp.resolve("manifest.json"), oldManifest.append("]").toString());
    Files.writeString(
        tmp.resolve("results.jsonl"),
        "{\"id\": \"100\", \"file_name\": \""
            + names.get(0)
            + "\", \"pass\": true, \"instruction\": \"old one\"}\n"
            + "{\"id\": 101, \"file_name\": \""
            + names.get(1)
            + "\", \"pass\": true, \"instruction\": \"old two\", "
            + "\"finished_at\": 1700000000.5}\n"
            + "{\"id\": 999, \"file_name\": \"not/in/the/manifest.hip\", \"pass\": true}\n"
            + "this line is not json\n");
    TestCorpus.Captured log = new TestCorpus.Captured();

    ManifestCommand.run(
        TestCorpus.options(
            "--workDir=" + tmp.resolve("w"),
            "--sourceDir=" + tmp.resolve("src"),
            "--fromManifestJson=" + tmp.resolve("manifest.json"),
            "--importResults=" + tmp.resolve("results.jsonl")),
        log.out);

    List<ManifestEntry> manifest = ManifestStore.read(tmp.resolve("w/manifest.jsonl"));
    for (ManifestEntry e : manifest) {
      assertThat(e.fileName(), e.id(), is(100L + names.indexOf(e.fileName())));
    }
    assertThat(log.text(), containsString("import: 2 records"));
    assertThat(
        log.text(),
        containsString(
            "results.jsonl:3: skipped, 'not/in/the/manifest.hip' is not in the manifest"));
    assertThat(log.text(), containsString("results.jsonl:4: skipped"));

    sim =
        TestCorpus.SimulatedWork.provider(
            tmp, tmp.resolve("w"), SimulatorConfig.defaults().withLatencyMs(1));
    StatusReport report = DescribeCommand.run(sim.direct(), log.out);
    assertThat(report.passed, is(6L));
    assertThat(sim.server.totalRequests(), is(4L));
  }
}
