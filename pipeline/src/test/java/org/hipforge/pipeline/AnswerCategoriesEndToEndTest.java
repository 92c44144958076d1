package org.hipforge.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.ResponseCache;
import org.hipforge.io.state.StatusReport;
import org.hipforge.io.state.WorkLayout;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Answer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * describe against a provider that refuses, filters and cuts answers: each such answer is one
 * request, recorded {@code pass:false} with its category and billed tokens, and a rerun asks
 * nothing again (the same prompt would get the same verdict).
 */
class AnswerCategoriesEndToEndTest {
  @TempDir Path tmp;
  @AutoClose private TestCorpus.SimulatedWork sim;

  @Test
  void unusableAnswersAreRecordedWithTheirCategoryAndTokensOnceAndARerunMakesNoRequest()
      throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp,
            80,
            SimulatorConfig.defaults()
                .withLatencyMs(5)
                .withAnswerRate(Answer.REFUSAL, 0.15)
                .withAnswerRate(Answer.REFUSAL_AS_TEXT, 0.1)
                .withAnswerRate(Answer.CONTENT_FILTER, 0.1)
                .withAnswerRate(Answer.TRUNCATED, 0.1)
                .withAnswerRate(Answer.REASONING_CUT, 0.05)
                .withAnswerRate(Answer.NO_CHOICES, 0.05)
                .withAnswerRate(Answer.THINK, 0.1)
                .withAnswerRate(Answer.PARTS, 0.1));
    TestCorpus.Captured log = new TestCorpus.Captured();
    StatusReport first = DescribeCommand.run(sim.direct(), log.out);
    assertThat("one request per task: nothing retried", sim.server.totalRequests(), is(80L));
    Map<String, Long> categories = first.failedByCategory;
    assertThat(
        categories.keySet(),
        is(
            new java.util.TreeSet<>(
                List.of("bad_instruction", "empty_answer", "filtered", "refused", "truncated"))));
    assertThat(first.passed + first.failed, is(80L));

    // The state holds each verdict with the tokens the provider billed and its finish_reason.
    Map<Long, StateRecord> latest = new TreeMap<>();
    for (StateRecord r : shards(sim.work)) {
      latest.merge(r.id(), r, StateRecord::latest);
    }
    assertThat(latest.size(), is(80));
    for (StateRecord r : latest.values()) {
      assertThat("billed tokens recorded: " + r, r.inputTokens() > 0, is(true));
      if (r.pass()) {
        assertThat(r.instruction(), r.instruction().contains("<think>"), is(false));
        assertThat(r.finishReason(), is("stop"));
      } else if (r.errorCategory().equals("truncated")) {
        assertThat(r.finishReason(), is("length"));
      }
    }
    // And the journal (the run's bill) has one line per request, usable or not.
    assertThat(TestCorpus.journaled(sim.work, WorkLayout.Step.DESCRIBE).size(), is(80));

    ResponseCache.clearLoaded();
    StatusReport second = DescribeCommand.run(sim.direct(), log.out);
    assertThat(
        "the rerun replays the verdicts from the journal", sim.server.totalRequests(), is(80L));
    assertThat(second.failedByCategory, is(categories));
    assertThat(second.passed, is(first.passed));
    assertThat(
        log.text(),
        containsString("LLM requests 0 (retries 0, 429s 0), cache hits " + first.failed));
  }

  private static List<StateRecord> shards(Path work) throws Exception {
    List<StateRecord> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(work.resolve("state/describe"))) {
      for (Path f :
          s.filter(p -> p.toString().endsWith(".jsonl") && !p.toString().contains("/journal/"))
              .toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            out.add(StateRecordJson.parse(line));
          }
        }
      }
    }
    return out;
  }

  @Test
  void aGenerateAnswerCutAtMaxTokensIsTruncatedNotPassedOrACompileErrorAndIsNotBoughtAgain()
      throws Exception {
    sim =
        TestCorpus.SimulatedWork.start(
            tmp,
            40,
            SimulatorConfig.defaults().withLatencyMs(2).withAnswerRate(Answer.TRUNCATED, 0.5));
    StatusReport described =
        DescribeCommand.run(sim.options("--quiet=true"), new TestCorpus.Captured().out);
    long ready = described.passed;
    assertThat(
        "some describe answers were cut too",
        described.failedByCategory.get("truncated") > 0,
        is(true));
    long before = sim.server.totalRequests();

    StatusReport generated =
        GenerateCommand.run(
            sim.options("--quiet=true", "--validate=none"), new TestCorpus.Captured().out);
    assertThat("one request per ready task", sim.server.totalRequests() - before, is(ready));
    assertThat(generated.failedByCategory.keySet(), is(java.util.Set.of("truncated")));
    assertThat(generated.passed + generated.failed, is(ready));
    for (StateRecord r : TestCorpus.journaled(sim.work, WorkLayout.Step.GENERATE)) {
      assertThat(r.inputTokens() > 0, is(true));
      assertThat(r.finishReason(), is(r.pass() ? "stop" : "length"));
    }

    ResponseCache.clearLoaded();
    long afterFirst = sim.server.totalRequests();
    StatusReport again =
        GenerateCommand.run(
            sim.options("--quiet=true", "--validate=none"), new TestCorpus.Captured().out);
    assertThat(sim.server.totalRequests(), is(afterFirst));
    assertThat(again.failedByCategory, is(generated.failedByCategory));
  }
}
