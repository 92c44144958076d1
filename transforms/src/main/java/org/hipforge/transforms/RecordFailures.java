package org.hipforge.transforms;

import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Flattens every stage's failures into {@code pass:false} state records: the one place where
 * failures become state, so the next run retries them.
 *
 * <pre>{@code PCollection<StateRecord> failed = PCollectionList.of(a).and(b).apply(RecordFailures.asRun(runId, name, model));}</pre>
 */
public final class RecordFailures extends PTransform<PCollectionList<Failure>, PCollection<StateRecord>> {
  private final String runId;
  private final String provider;
  private final String model;

  private RecordFailures(String runId, String provider, String model) {
    this.runId = runId;
    this.provider = provider;
    this.model = model;
  }

  public static RecordFailures asRun(String runId, String provider, String model) {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("runId must be set, was '" + runId + "'");
    }
    return new RecordFailures(runId, provider, model);
  }

  @Override
  public PCollection<StateRecord> expand(PCollectionList<Failure> failures) {
    String run = runId;
    String p = provider;
    String m = model;
    return failures
        .apply("FlattenFailures", Flatten.pCollections())
        .apply("ToStateRecord", MapElements.into(TypeDescriptor.of(StateRecord.class))
            .via((Failure f) -> f.toStateRecord(run, p, m)))
        .setCoder(StateRecordCoder.of());
  }
}
