package org.hipforge.io.state;

import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;

/** Journal lines of answers for the state tests: task {@code id} of k{id}.hip in run r1. */
final class AnswerLines {
  private AnswerLines() {}

  static String answer(long id, String instruction, long in, long out, boolean pass) {
    return StateRecordJson.toJson(
        StateRecord.builder()
            .id(id)
            .fileName("k" + id + ".hip")
            .pass(pass)
            .instruction(instruction)
            .inputTokens(in)
            .outputTokens(out)
            .runId("r1")
            .build());
  }
}
