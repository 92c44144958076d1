package org.hipforge.io.state;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.util.Set;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule.Outcome;
import org.junit.jupiter.api.Test;

class PendingRuleTest {
  private static final String SHA = "a".repeat(64);

  private static StateRecord.Builder rec(long t, String run, int attempts, boolean pass) {
    return StateRecord.builder()
        .id(1)
        .fileName("a.hip")
        .sourceSha256(SHA)
        .finishedAtMillis(t)
        .runId(run)
        .attempts(attempts)
        .pass(pass)
        .instruction("do it");
  }

  private static void assertLater(StateRecord.Builder later, StateRecord.Builder earlier) {
    assertThat(PendingRule.compareLatest(later.build(), earlier.build()), greaterThan(0));
  }

  @Test
  void latestIsFinishedAtThenRunIdThenAttemptsThenPass() {
    assertLater(rec(2, "a", 1, false), rec(1, "z", 9, true));
    assertLater(rec(1, "b", 1, false), rec(1, "a", 9, true));
    assertLater(rec(1, null, 9, false), rec(1, "", 1, true));
    assertLater(rec(1, "a", 2, false), rec(1, "a", 1, true));
    assertThat(
        PendingRule.compareLatest(rec(1, "a", 1, false).build(), rec(1, "a", 1, true).build()),
        lessThan(0));
    StateRecord a = rec(1, "a", 1, true).build();
    StateRecord same = rec(1, "a", 1, true).errorMsg("other").build();
    assertThat(PendingRule.latest(a, same), is(a)); // ties keep the first
    assertThat(StateRecord.latest(a, same), is(a));
  }

  @Test
  void describeIsNewStaleFailedOrDone() {
    ManifestEntry e = new ManifestEntry(1, "a.hip", 10, SHA);
    assertThat(PendingRule.describe(e, null), is(Outcome.NEW));
    assertThat(
        PendingRule.describe(e, rec(1, "r", 1, true).fileName("b.hip").build()), is(Outcome.STALE));
    assertThat(
        PendingRule.describe(e, rec(1, "r", 1, true).sourceSha256("b".repeat(64)).build()),
        is(Outcome.STALE));
    assertThat(
        PendingRule.describe(e, rec(1, "r", 1, true).sourceSha256(null).build()), is(Outcome.DONE));
    assertThat(
        PendingRule.describe(new ManifestEntry(1, "a.hip", 10, null), rec(1, "r", 1, true).build()),
        is(Outcome.DONE));
    assertThat(PendingRule.describe(e, rec(1, "r", 1, false).build()), is(Outcome.FAILED));
    assertThat(
        PendingRule.describe(e, rec(1, "r", 1, false).fileName("b.hip").build()),
        is(Outcome.STALE));
    assertThat(PendingRule.describe(e, rec(1, "r", 1, true).build()), is(Outcome.DONE));
  }

  @Test
  void generateNeedsAPassedInstructedSelectedDescriptionAndACurrentPassedGeneration() {
    StateRecord d = rec(1, "d", 1, true).build();
    assertThat(
        PendingRule.generate(rec(1, "d", 1, false).build(), null, null), is(Outcome.NOT_READY));
    assertThat(
        PendingRule.generate(rec(1, "d", 1, true).instruction(" \n").build(), null, null),
        is(Outcome.NOT_READY));
    assertThat(
        PendingRule.generate(rec(1, "d", 1, true).instruction(null).build(), null, null),
        is(Outcome.NOT_READY));
    assertThat(PendingRule.generate(d, Set.of(2L), null), is(Outcome.NOT_READY));
    assertThat(PendingRule.generate(d, Set.of(1L), null), is(Outcome.NEW));
    StateRecord g = rec(5, "g", 1, true).build();
    assertThat(PendingRule.generate(d, null, g), is(Outcome.DONE));
    assertThat(PendingRule.generate(d, null, rec(5, "g", 1, false).build()), is(Outcome.FAILED));
    assertThat(
        PendingRule.generate(d, null, g.toBuilder().instruction("older").build()),
        is(Outcome.STALE));
    assertThat(
        PendingRule.generate(d, null, g.toBuilder().instruction(null).build()), is(Outcome.DONE));
    assertThat(
        PendingRule.generate(d, null, g.toBuilder().sourceSha256("b".repeat(64)).build()),
        is(Outcome.STALE));
    assertThat(
        PendingRule.generate(d, null, g.toBuilder().fileName("b.hip").pass(false).build()),
        is(Outcome.STALE));
    assertThat(
        Outcome.STALE.pending() && Outcome.NEW.pending() && Outcome.FAILED.pending(), is(true));
    assertThat(Outcome.DONE.pending() || Outcome.NOT_READY.pending(), is(false));
  }
}
