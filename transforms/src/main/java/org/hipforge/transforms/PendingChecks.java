package org.hipforge.transforms;

import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;

/** Builds {@link PendingCheck}s for the coder, which lives in another package. */
public final class PendingChecks {
  private PendingChecks() {}

  public static PendingCheck of(ManifestEntry entry, StateRecord latest) {
    return new PendingCheck(entry, latest);
  }
}
