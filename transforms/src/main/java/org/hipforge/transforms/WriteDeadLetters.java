package org.hipforge.transforms;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.hipforge.io.state.JournalWriter;

/**
 * Appends unreadable state lines, with file, line and reason, to dead-letter JSONL files in {@code
 * dir} that people can inspect: {@code {"file","line","reason","torn"}}.
 *
 * <p>Files are created only when there is something to report, and live outside {@code state/}, so
 * they are never read back as state.
 *
 * <pre>{@code state.malformed().apply("WriteDeadLetters", WriteDeadLetters.to(dir));}</pre>
 */
public final class WriteDeadLetters extends PTransform<PCollection<MalformedLine>, PDone> {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final String dir;

  private WriteDeadLetters(String dir) {
    this.dir = dir;
  }

  public static WriteDeadLetters to(String dir) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("dir must be set, was '" + dir + "'");
    }
    return new WriteDeadLetters(dir);
  }

  static String toJson(MalformedLine m) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("file", m.file());
      g.writeNumberField("line", m.line());
      g.writeStringField("reason", m.reason());
      g.writeBooleanField("torn", m.torn());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  @Override
  public PDone expand(PCollection<MalformedLine> lines) {
    lines.apply("AppendDeadLetters", ParDo.of(new AppendFn(dir)));
    return PDone.in(lines.getPipeline());
  }

  private static final class AppendFn extends DoFn<MalformedLine, Void> {
    private final String dir;
    private transient JournalWriter writer;

    AppendFn(String dir) {
      this.dir = dir;
    }

    @Setup
    public void setup() {
      writer = JournalWriter.open(dir);
    }

    @ProcessElement
    public void process(@Element MalformedLine line) throws IOException {
      writer.append(toJson(line));
    }

    @Teardown
    public void teardown() throws IOException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
