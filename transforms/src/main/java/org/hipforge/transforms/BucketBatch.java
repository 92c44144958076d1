package org.hipforge.transforms;

import java.util.ArrayList;
import java.util.List;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/**
 * A batch of manifest entries and slim state records that hash to one bucket of ids.
 *
 * <p>The anti-join shuffles these batches instead of single records: a few hundred large
 * elements cross the engine instead of millions of small ones, which is what makes the data path
 * cheap (the per-element cost of a Beam runner dwarfs the per-record work here).
 */
public final class BucketBatch {
  final List<ManifestEntry> entries;
  final List<StateRecord> records;

  public BucketBatch(List<ManifestEntry> entries, List<StateRecord> records) {
    this.entries = entries;
    this.records = records;
  }

  static BucketBatch empty() {
    return new BucketBatch(new ArrayList<>(), new ArrayList<>());
  }

  public List<ManifestEntry> entries() {
    return entries;
  }

  public List<StateRecord> records() {
    return records;
  }

  int size() {
    return entries.size() + records.size();
  }
}
