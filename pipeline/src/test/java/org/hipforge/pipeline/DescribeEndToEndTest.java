package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** describe end to end: real files, real HTTP on loopback, the real runners. */
class DescribeEndToEndTest {
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  private DemoOptions options(String... extra) {
    List<String> args = new ArrayList<>(List.of("--quiet=true"));
    args.addAll(List.of(extra));
    return sim.options(args.toArray(new String[0]));
  }

  @Test
  void describes200FilesThenARerunCallsNothingAndDeletedStateIsAskedAgainExactly()
      throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 200, SimulatorConfig.defaults().withLatencyMs(5));
    SimulatedLlmServer server = sim.server;
    List<String> names = sim.names;
    TestCorpus.Captured log = new TestCorpus.Captured();

    StatusReport first = DescribeCommand.run(options("--runner=DirectRunner"), log.out);
    assertThat(first.passed, is(200L));
    assertThat(first.pending(), is(0L));
    assertThat(server.successCountsByPrompt().size(), is(200));
    assertThat(server.successCountsByPrompt().values(), everyItem(is(1L)));

    long callsAfterFirst = server.totalRequests();
    StatusReport second = DescribeCommand.run(options("--runner=DirectRunner"), log.out);
    assertThat(second.passed, is(200L));
    assertThat(server.totalRequests(), is(callsAfterFirst));
    assertThat(log.text(), containsString("nothing to do"));

    // Delete the state of every even id, in shards and journals alike, as a new process would see
    // it.
    Set<Long> deleted = dropEvenIds(tmp.resolve("work/state/describe"));
    assertThat(deleted.size(), is(100));
    ResponseCache.clearLoaded();
    StatusReport third = DescribeCommand.run(options("--runner=DirectRunner"), log.out);
    assertThat(third.passed, is(200L));
    assertThat(server.totalRequests(), is(callsAfterFirst + 100));
    Set<String> askedTwice = new HashSet<>();
    for (Map.Entry<String, Long> e : server.successCountsByPrompt().entrySet()) {
      if (e.getValue() == 2L) {
        askedTwice.add(e.getKey());
      }
    }
    Set<String> expected = new HashSet<>();
    for (String name : names) {
      long id = names.stream().sorted().toList().indexOf(name);
      if (id % 2 == 0) {
        expected.add(sim.describeKey(name));
      }
    }
    assertThat(askedTwice, is(expected));
  }

  @Test
  void describeRunsOnEmbeddedFlink() throws Exception {
    sim = TestCorpus.SimulatedWork.start(tmp, 30, SimulatorConfig.defaults().withLatencyMs(5));
    TestCorpus.Captured log = new TestCorpus.Captured();
    StatusReport report =
        DescribeCommand.run(
            options("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2"), log.out);
    assertThat(report.passed, is(30L));
    assertThat(sim.server.successCountsByPrompt().size(), is(30));
  }

  @Test
  void headersAndHostOnlyFilesAreRecordedNoKernelWithoutARequestUnlessKernelsOnlyIsOff()
      throws Exception {
    sim =
        TestCorpus.SimulatedWork.provider(
            tmp, tmp.resolve("work"), SimulatorConfig.defaults().withLatencyMs(5), 30);
    TestCorpus.writeKernels(sim.src, 3);
    Files.createDirectories(sim.src.resolve("include"));
    Files.writeString(
        sim.src.resolve("include/sq.h"),
        "#pragma once\n// a header; the __global__ kernels are elsewhere\n__device__ inline float sq(float x) { return x * x; }\n");
    Files.writeString(
        sim.src.resolve("host.cpp"),
        "#include <cstdio>\nint main() { std::puts(\"__global__\"); return 0; }\n");
    ManifestCommand.run(
        TestCorpus.options("--workDir=" + sim.work, "--sourceDir=" + sim.src),
        new TestCorpus.Captured().out);
    TestCorpus.Captured log = new TestCorpus.Captured();

    StatusReport first = DescribeCommand.run(options("--runner=DirectRunner"), log.out);
    assertThat(first.passed, is(3L));
    assertThat(first.failedByCategory, is(Map.of("no_kernel", 2L)));
    assertThat(sim.server.totalRequests(), is(3L));
    List<StateRecord> records = TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE);
    // Recorded without a call: no journal line, a state line with no tokens.
    assertThat(records.size(), is(3));

    StatusReport second = DescribeCommand.run(options("--runner=DirectRunner"), log.out);
    assertThat(second.failedByCategory, is(Map.of("no_kernel", 2L)));
    assertThat(sim.server.totalRequests(), is(3L));

    StatusReport kept =
        DescribeCommand.run(options("--runner=DirectRunner", "--kernelsOnly=false"), log.out);
    // Both were asked (the simulator's answer for the host-only file may fail the instruction
    // check).
    assertThat(kept.failedByCategory.containsKey("no_kernel"), is(false));
    assertThat(kept.passed + kept.failed, is(5L));
    assertThat(sim.server.totalRequests(), is(5L));
  }

  @Test
  void aLatin1LicenseCommentIsDescribedAsUtf8TextAndTheRecordSaysLatin1() throws Exception {
    sim =
        TestCorpus.SimulatedWork.provider(
            tmp, tmp.resolve("work"), SimulatorConfig.defaults().withLatencyMs(5), 30);
    TestCorpus.writeKernels(sim.src, 1);
    Files.write(
        sim.src.resolve("licensed.hip"),
        ("// Copyright \u00A9 2020 Advanced Micro Devices\n"
                + "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 0.5f; }\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    Files.write(
        sim.src.resolve("blob.hip"), new byte[] {'_', '_', 0, 1, 2, (byte) 0xFF, (byte) 0x80});
    ManifestCommand.run(
        TestCorpus.options("--workDir=" + sim.work, "--sourceDir=" + sim.src),
        new TestCorpus.Captured().out);

    StatusReport first =
        DescribeCommand.run(options("--runner=DirectRunner"), new TestCorpus.Captured().out);
    assertThat(first.passed, is(2L));
    assertThat(first.failedByCategory, is(Map.of("not_utf8", 1L)));
    assertThat(sim.server.totalRequests(), is(2L));
    StateRecord licensed =
        TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE).stream()
            .filter(r -> r.fileName().equals("licensed.hip"))
            .findFirst()
            .orElseThrow();
    assertThat(licensed.pass(), is(true));
    assertThat(licensed.sourceEncoding(), is("latin-1"));
    // Its size is kept for generate's max_tokens.
    assertThat(licensed.sourceBytes(), is(Files.size(sim.src.resolve("licensed.hip"))));
    // The prompt held the sign as text: the key of the file's Latin-1 text, decoded.
    String text =
        new String(
            Files.readAllBytes(sim.src.resolve("licensed.hip")), StandardCharsets.ISO_8859_1);
    assertThat(
        sim.server
            .successCountsByPrompt()
            .containsKey(
                SimulatedLlmServer.promptKey(
                    org.hipforge.io.llm.Prompts.describe("licensed.hip", text).user())),
        is(true));
  }

  /** Rewrites every state file without the records of even ids; returns the ids dropped. */
  static Set<Long> dropEvenIds(Path stateDir) throws Exception {
    Set<Long> dropped = new HashSet<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(stateDir)) {
      files = s.filter(p -> p.toString().endsWith(".jsonl")).toList();
    }
    for (Path f : files) {
      StringBuilder kept = new StringBuilder();
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        StateRecord r = StateRecordJson.parse(line);
        if (r.id() % 2 == 0) {
          dropped.add(r.id());
        } else {
          kept.append(line).append('\n');
        }
      }
      Files.writeString(f, kept.toString(), StandardCharsets.UTF_8);
    }
    return dropped;
  }
}
