package org.hipforge.transforms;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Writes unreadable state lines, with file, line and reason, to a dead-letter JSONL file that
 * people can inspect: {@code {"file","line","reason","torn"}}. Outside {@code state/}, so it is
 * never read back as state.
 */
public final class WriteDeadLetters extends PTransform<PCollection<MalformedLine>, PDone> {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final String prefix;

  private WriteDeadLetters(String prefix) {
    this.prefix = prefix;
  }

  public static WriteDeadLetters to(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("prefix must be set, was '" + prefix + "'");
    }
    return new WriteDeadLetters(prefix);
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
    return lines
        .apply("ToJson", MapElements.into(TypeDescriptors.strings()).via(WriteDeadLetters::toJson))
        .apply("WriteFile", TextIO.write().to(prefix).withSuffix(".jsonl").withNumShards(1));
  }
}
