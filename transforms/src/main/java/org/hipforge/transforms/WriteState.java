package org.hipforge.transforms;

import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.hipforge.io.jsonl.StateRecordJson;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.WorkLayout;

/**
 * Writes a run's records as sharded JSONL: {@code <prefix>-00000-of-00004.jsonl}, the names and
 * lines {@link org.hipforge.io.state.StateShardWriter} writes outside a pipeline.
 *
 * <p>Shards appear only when the run finishes (Beam writes temp files and renames them), which is
 * why every answer is also journaled the moment it arrives.
 *
 * <pre>
 * {@code records.apply("WriteState", WriteState.to(layout.shardPrefix(step, runId)).withShards(4));}
 * </pre>
 */
public final class WriteState extends PTransform<PCollection<StateRecord>, PDone> {
  /** Default shards: a few files per run keep listing cheap and reads parallel. */
  public static final int DEFAULT_SHARDS = 4;

  /** The shards' writer, which holds the settings: the prefix, the names and the shard count. */
  private final TextIO.Write write;

  private WriteState(TextIO.Write write) {
    this.write = write;
  }

  public static WriteState to(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("prefix must be set, was '" + prefix + "'");
    }
    return new WriteState(
        TextIO.write()
            .to(prefix)
            .withShardNameTemplate(WorkLayout.SHARD_TEMPLATE)
            .withSuffix(WorkLayout.JSONL)
            .withNumShards(DEFAULT_SHARDS));
  }

  public WriteState withShards(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("shards must be >= 1, was " + n);
    }
    return new WriteState(write.withNumShards(n));
  }

  @Override
  public PDone expand(PCollection<StateRecord> records) {
    return records
        .apply("ToJson", MapElements.into(TypeDescriptors.strings()).via(StateRecordJson::toJson))
        .apply("WriteShards", write);
  }
}
