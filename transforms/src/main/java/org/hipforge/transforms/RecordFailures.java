package org.hipforge.transforms;

import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.hipforge.io.record.StateRecord;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Flattens every stage's failures into {@code pass:false} state records: the one place where
 * failures become state, so the next run retries them.
 *
 * <pre>
 * {@code PCollection<StateRecord> failed = PCollectionList.of(a).and(b).apply(RecordFailures.asRun(runId, name, model));}
 * </pre>
 */
public final class RecordFailures
    extends PTransform<PCollectionList<Failure>, PCollection<StateRecord>> {
  private final SerializableFunction<Failure, StateRecord> toRecord;

  private RecordFailures(SerializableFunction<Failure, StateRecord> toRecord) {
    this.toRecord = toRecord;
  }

  /**
   * Failures as {@code pass:false} records of run {@code runId}; {@code provider} and {@code model}
   * name the call where the failure's record does not ({@link Failure#toStateRecord}).
   */
  public static RecordFailures asRun(String runId, String provider, String model) {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("runId must be set, was '" + runId + "'");
    }
    return new RecordFailures(f -> f.toStateRecord(runId, provider, model));
  }

  @Override
  public PCollection<StateRecord> expand(PCollectionList<Failure> failures) {
    return failures
        .apply("FlattenFailures", Flatten.pCollections())
        .apply(
            "ToStateRecord", MapElements.into(TypeDescriptor.of(StateRecord.class)).via(toRecord))
        .setCoder(StateRecordCoder.of());
  }
}
