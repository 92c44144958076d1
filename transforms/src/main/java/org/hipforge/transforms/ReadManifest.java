package org.hipforge.transforms;

import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.hipforge.io.jsonl.MalformedLineException;
import org.hipforge.io.jsonl.ManifestJson;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.transforms.coders.ManifestEntryCoder;

/**
 * Reads {@code manifest.jsonl} into {@link ManifestEntry}s.
 *
 * <p>The manifest is written by {@code hipforge manifest} and checked before a run starts, so a
 * bad line here means the file changed under the run: that fails loudly rather than dropping tasks.
 *
 * <pre>{@code PCollection<ManifestEntry> tasks = p.apply("ReadManifest", ReadManifest.from(path));}</pre>
 */
public final class ReadManifest extends PTransform<PBegin, PCollection<ManifestEntry>> {
  private final String path;

  private ReadManifest(String path) {
    this.path = path;
  }

  public static ReadManifest from(String path) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("path must be set, was '" + path + "'");
    }
    return new ReadManifest(path);
  }

  @Override
  public PCollection<ManifestEntry> expand(PBegin input) {
    return input
        .apply("ReadLines", TextIO.read().from(path))
        .apply("ParseEntries", ParDo.of(new ParseFn(path)))
        .setCoder(ManifestEntryCoder.of());
  }

  private static final class ParseFn extends DoFn<String, ManifestEntry> {
    private final String path;

    ParseFn(String path) {
      this.path = path;
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<ManifestEntry> out) {
      if (line.isBlank()) {
        return;
      }
      try {
        out.output(ManifestJson.parse(line));
      } catch (MalformedLineException e) {
        throw new IllegalStateException(path + ": malformed manifest line (" + e.getMessage()
            + "): " + (line.length() > 200 ? line.substring(0, 200) + "..." : line));
      }
    }
  }
}
