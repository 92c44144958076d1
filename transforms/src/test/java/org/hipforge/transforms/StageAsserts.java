package org.hipforge.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollection;

/** The assertions stage tests make about a stage's outputs. */
final class StageAsserts {
  private StageAsserts() {}

  /** Checks of one element (serializable: it runs inside the pipeline's PAssert). */
  interface Check<T> extends Serializable {
    void check(T element);
  }

  /** Asserts that {@code elements} holds {@code count} elements and each passes {@code check}. */
  static <T> void assertEach(PCollection<T> elements, long count, Check<T> check) {
    PAssert.that(elements)
        .satisfies(
            es -> {
              List<T> all = Records.all(es);
              all.forEach(check::check);
              assertThat((long) all.size(), is(count));
              return null;
            });
  }

  /**
   * Asserts that {@code failures} holds exactly one failure, of task {@code id} in {@code stage}
   * with {@code category}, and that it passes {@code more}.
   */
  static void assertOneFailure(
      PCollection<Failure> failures, long id, String stage, String category, Check<Failure> more) {
    assertEach(
        failures,
        1,
        f -> {
          assertThat(f.id(), is(id));
          assertThat(f.stage(), is(stage));
          assertThat(f.category(), is(category));
          more.check(f);
        });
  }
}
