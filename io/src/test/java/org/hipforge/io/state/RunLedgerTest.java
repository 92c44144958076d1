package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hipforge.io.state.AnswerLines.answer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.record.StateRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLedgerTest {
  @TempDir Path tmp;

  private WorkLayout layout;

  @BeforeEach
  void setUp() {
    layout = new WorkLayout(tmp.toString());
  }

  /** Run {@code runId}'s journal directory of {@code step}, created. */
  private Path journalDir(WorkLayout.Step step, String runId) throws Exception {
    return Files.createDirectories(WorkLayout.localPath(layout.journalDir(step, runId)));
  }

  @Test
  void sumsTheTokensOfEveryJournaledAnswerOfTheRunAcrossWorkersAndSkipsTornLines()
      throws Exception {
    Path run = journalDir(WorkLayout.Step.GENERATE, "r1");
    // Two workers (or a failed attempt and its restart); an escaped instruction takes the Jackson
    // path.
    Files.writeString(
        run.resolve("worker-a.jsonl"),
        answer(1, "plain", 100, 20, true)
            + "\n"
            + answer(2, "with \"quotes\"\nand a newline", 200, 40, true)
            + "\n",
        StandardCharsets.UTF_8);
    Files.writeString(
        run.resolve("worker-b.jsonl"),
        answer(3, "rejected later by the compiler", 300, 60, true) + "\n" + "{\"id\":4,\"file_na",
        StandardCharsets.UTF_8);
    // Another run's journal is not this run's bill.
    Path other = journalDir(WorkLayout.Step.GENERATE, "r0");
    Files.writeString(other.resolve("w.jsonl"), answer(9, "older", 1000, 1000, true) + "\n");

    RunLedger paid = RunLedger.read(layout, WorkLayout.Step.GENERATE, "r1");
    assertThat(paid.answers, is(3L));
    assertThat(paid.inputTokens, is(600L));
    assertThat(paid.outputTokens, is(120L));
    assertThat(paid.unreadableLines, is(1L));
    Path config = tmp.resolve("config.json");
    Files.writeString(
        config,
        "{\"p\": {\"api\": \"openai\", \"base_url\": \"http://localhost:1/v1\", "
            + "\"model\": \"m\", \"api_key_env\": \"K\", \"input_price_per_mtok\": 0.15, "
            + "\"output_price_per_mtok\": 0.6}}");
    ProviderConfig priced = ProviderConfig.load(config, "p");
    assertThat(
        paid.summary(priced),
        is(
            "3 answers journaled, tokens in/out 600/120, estimated cost $0.0002, 1 unreadable journal lines"));
    assertThat(RunLedger.read(layout, WorkLayout.Step.DESCRIBE, "none").answers, is(0L));
  }

  @Test
  void tokenSumsSaturateInsteadOfTurningNegative() throws Exception {
    Path run = journalDir(WorkLayout.Step.DESCRIBE, "r1");
    // Records written before absurd usage was read as unknown: each near Long.MAX_VALUE.
    long huge = Long.MAX_VALUE / 2 + 1;
    Files.writeString(
        run.resolve("w.jsonl"),
        answer(1, "a", huge, huge, true)
            + "\n"
            + answer(2, "b", huge, 5, true)
            + "\n"
            + answer(3, "c", -1, -1, true)
            + "\n");
    RunLedger paid = RunLedger.read(layout, WorkLayout.Step.DESCRIBE, "r1");
    assertThat(paid.answers, is(3L));
    assertThat(paid.inputTokens, is(Long.MAX_VALUE));
    assertThat(paid.outputTokens, is(huge + 5));
  }

  @Test
  void aRefusedOrTruncatedAnswerIsBilledLikeAnyOther() throws Exception {
    Path run = journalDir(WorkLayout.Step.DESCRIBE, "r1");
    Files.writeString(
        run.resolve("w.jsonl"),
        answer(1, "ok", 100, 20, true)
            + "\n"
            + StateRecordJson.toJson(
                StateRecord.builder()
                    .id(2)
                    .fileName("b.hip")
                    .failure("refused", "no")
                    .inputTokens(80)
                    .outputTokens(11)
                    .finishReason("refusal")
                    .promptSha256("p2")
                    .runId("r1")
                    .build())
            + "\n");
    RunLedger paid = RunLedger.read(layout, WorkLayout.Step.DESCRIBE, "r1");
    assertThat(paid.answers, is(2L));
    assertThat(paid.inputTokens, is(180L));
    assertThat(paid.outputTokens, is(31L));
  }
}
