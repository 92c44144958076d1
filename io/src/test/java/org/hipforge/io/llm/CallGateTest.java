package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallGateTest {

  @Test
  void aClosedGateLetsNoCallInAndCountsNothingInFlight() {
    CallGate g = CallGate.standalone();
    assertThat(g.enter(), is(true));
    g.close(CallGate.Kind.SIGINT, "Ctrl-C");
    assertThat(g.enter(), is(false));
    assertThat(g.inFlight(), is(1));
    g.leave();
    assertThat(g.inFlight(), is(0));
  }

  @Test
  void theFirstCloseIsKept() {
    CallGate g = CallGate.standalone();
    assertThat(g.stop(), nullValue());
    assertThat(g.close(CallGate.Kind.JOURNAL_FAILED, "disk full"), is(true));
    assertThat(g.close(CallGate.Kind.SIGINT, "Ctrl-C"), is(false));
    assertThat(g.stop().kind(), is(CallGate.Kind.JOURNAL_FAILED));
    assertThat(g.stop().reason(), is("disk full"));
  }

  @Test
  void closingAChildStopsOnlyThatInstanceButClosingTheRunStopsEveryChild() {
    CallGate run = CallGate.standalone();
    CallGate a = run.child();
    CallGate b = run.child();
    a.close(CallGate.Kind.CANCELLED, "teardown");
    assertThat(a.isOpen(), is(false));
    assertThat(b.isOpen(), is(true));
    assertThat(run.isOpen(), is(true));
    run.close(CallGate.Kind.SIGTERM, "kill");
    assertThat(b.isOpen(), is(false));
    assertThat("the run's stop wins", b.stop().kind(), is(CallGate.Kind.SIGTERM));
    assertThat(
        "the run's stop wins over the child's own", a.stop().kind(), is(CallGate.Kind.SIGTERM));
  }

  @Test
  void childrenCountInFlightAndTheLedgerOnTheRun() {
    CallGate run = CallGate.standalone();
    CallGate a = run.child();
    CallGate b = run.child();
    assertThat(a.enter(), is(true));
    assertThat(b.enter(), is(true));
    assertThat(run.inFlight(), is(2));
    a.requestSent();
    assertThat("counted on the run", run.requestsOnTheWire(), is(1));
    a.requestReturned();
    assertThat(run.requestsOnTheWire(), is(0));
    a.count(CallGate.Tally.JOURNALED);
    b.count(CallGate.Tally.NOT_JOURNALED);
    b.count(CallGate.Tally.NOT_SENT);
    a.leave();
    b.leave();
    assertThat(run.inFlight(), is(0));
    assertThat(run.total(CallGate.Tally.JOURNALED), is(1L));
    assertThat(run.total(CallGate.Tally.NOT_JOURNALED), is(1L));
    assertThat(run.total(CallGate.Tally.NOT_SENT), is(1L));
  }

  @Test
  void awaitIdleReturnsWhenTheLastCallLeavesAndTimesOutOtherwise() throws Exception {
    CallGate run = CallGate.standalone();
    CallGate a = run.child();
    assertThat(a.enter(), is(true));
    assertThat(run.awaitIdle(Duration.ofMillis(50)), is(false));
    CompletableFuture<Boolean> idle =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return run.awaitIdle(Duration.ofMinutes(1));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(50);
    a.leave();
    assertThat(idle.get(60, TimeUnit.SECONDS), is(true));
  }

  @Test
  void closingTheRunWakesAPauseOfAChild() throws Exception {
    CallGate run = CallGate.standalone();
    CallGate child = run.child();
    CompletableFuture<Boolean> paused =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                child.pause(TimeUnit.MINUTES.toNanos(10), RateLimiter.SYSTEM_SLEEPER);
                return Thread.currentThread().isInterrupted();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(100);
    assertThat(paused.isDone(), is(false));
    run.close(CallGate.Kind.SIGINT, "Ctrl-C");
    assertThat(
        "woken, and the interrupt that woke it is consumed",
        paused.get(60, TimeUnit.SECONDS),
        is(false));
  }

  @Test
  void aRunIdGetsOneGatePerJvmAndStartRunGivesAFreshOne() {
    CallGate a = CallGate.forRun("gate-test-run");
    assertThat(CallGate.forRun("gate-test-run"), is(sameInstance(a)));
    a.close(CallGate.Kind.AUTH, "401");
    CallGate fresh = CallGate.startRun("gate-test-run");
    assertThat(fresh, is(not(sameInstance(a))));
    assertThat(fresh.isOpen(), is(true));
    assertThat(CallGate.forRun("gate-test-run"), is(sameInstance(fresh)));
    CallGate.endRun("gate-test-run");
    assertThat(CallGate.forRun("gate-test-run"), is(not(sameInstance(fresh))));
    CallGate.endRun("gate-test-run");
  }
}
