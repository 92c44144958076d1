package org.hipforge.transforms.pending;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.StateFileReader;
import org.hipforge.transforms.MalformedLine;
import org.hipforge.transforms.StageResult;
import org.hipforge.transforms.coders.MalformedLineCoder;
import org.hipforge.transforms.coders.StateRecordCoder;

/**
 * Reads every state record matching a set of file globs (finished runs' shards and journals),
 * sending unreadable lines to a dead-letter output instead of failing.
 *
 * <p>Each file is read whole by one worker so every bad line can be named by file and line; a torn
 * last line (a crash mid-append) is reported as torn. Globs that match nothing are fine: the first
 * run has no state.
 *
 * <pre>{@code
 * ReadState.Result state = p.apply("ReadState", ReadState.fromGlobs(List.of(shards, journals)));
 * state.output(); state.failures();
 * }</pre>
 */
final class ReadState extends PTransform<PBegin, ReadState.Result> {
  private final List<String> globs;

  private ReadState(List<String> globs) {
    this.globs = globs;
  }

  static ReadState fromGlobs(List<String> globs) {
    if (globs == null || globs.isEmpty()) {
      throw new IllegalArgumentException("globs must not be empty, was " + globs);
    }
    return new ReadState(List.copyOf(globs));
  }

  /** What was read: good records ({@code output()}) and dead letters ({@code failures()}). */
  static final class Result extends StageResult<StateRecord, MalformedLine> {
    Result(PCollection<StateRecord> records, PCollection<MalformedLine> malformed) {
      super(records, malformed);
    }
  }

  @Override
  public Result expand(PBegin input) {
    TupleTag<StateRecord> recordsTag = new TupleTag<>("records");
    TupleTag<MalformedLine> malformedTag = new TupleTag<>("malformed");
    PCollectionTuple read =
        input
            .apply("Globs", Create.of(new ArrayList<>(globs)).withCoder(StringUtf8Coder.of()))
            .apply(
                "MatchFiles", FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenFiles", FileIO.readMatches())
            .apply(
                "ParseLines",
                ParDo.of(new ReadFileFn(recordsTag, malformedTag))
                    .withOutputTags(recordsTag, TupleTagList.of(malformedTag)));
    PCollection<StateRecord> records = read.get(recordsTag).setCoder(StateRecordCoder.of());
    PCollection<MalformedLine> malformed = read.get(malformedTag).setCoder(MalformedLineCoder.of());
    return new Result(records, malformed);
  }

  private static final class ReadFileFn extends DoFn<FileIO.ReadableFile, StateRecord> {
    private final TupleTag<StateRecord> recordsTag;
    private final TupleTag<MalformedLine> malformedTag;
    private final Counter lines = Metrics.counter(ReadState.class, "state_lines");
    private final Counter bad = Metrics.counter(ReadState.class, "malformed_lines");
    private final Counter torn = Metrics.counter(ReadState.class, "torn_lines");

    ReadFileFn(TupleTag<StateRecord> recordsTag, TupleTag<MalformedLine> malformedTag) {
      this.recordsTag = recordsTag;
      this.malformedTag = malformedTag;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      try (InputStream in = Channels.newInputStream(file.open())) {
        long n =
            StateFileReader.read(
                in,
                name,
                new StateFileReader.Sink() {
                  @Override
                  public void record(StateRecord record) {
                    out.get(recordsTag).output(record);
                  }

                  @Override
                  public void malformed(String f, long line, String reason, boolean isTorn) {
                    (isTorn ? torn : bad).inc();
                    out.get(malformedTag).output(new MalformedLine(f, line, reason, isTorn));
                  }
                });
        lines.inc(n);
      }
    }
  }
}
