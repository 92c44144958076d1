package org.hipforge.io.jsonl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.hipforge.io.record.FileNames;

/**
 * What the Jackson codecs of JSONL lines ({@link StateRecordJson}, {@link ManifestJson}) share: one
 * factory, writing one object as a line, the envelope of reading one (blank, not an object,
 * trailing characters, invalid JSON: each a {@link MalformedLineException} saying so) and the typed
 * reads of a value with their error messages.
 */
final class JsonLines {
  static final JsonFactory FACTORY = new JsonFactory();

  private JsonLines() {}

  /** Writes the members of one JSON object. */
  interface Members {
    void write(JsonGenerator g) throws IOException;
  }

  /** Reads the members of one JSON object whose START_OBJECT the parser has just returned. */
  interface ObjectReader<T> {
    T read(JsonParser p) throws IOException, MalformedLineException;
  }

  /**
   * One JSON object, on one line without its line break: the keys every line starts with, {@code
   * id} and {@code file_name}, then {@code members}.
   */
  static String write(int sizeHint, long id, String fileName, Members members) {
    StringWriter out = new StringWriter(sizeHint);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("id", id);
      g.writeStringField("file_name", fileName);
      members.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /** Reads {@code line} as exactly one JSON object with {@code reader}. */
  static <T> T parse(String line, ObjectReader<T> reader) throws MalformedLineException {
    if (line == null || line.isBlank()) {
      throw new MalformedLineException("empty line");
    }
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedLineException("not a JSON object");
      }
      T value = reader.read(p);
      if (p.nextToken() != null) {
        throw new MalformedLineException("trailing characters after the JSON object");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new MalformedLineException("invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new MalformedLineException("unreadable line: " + e.getMessage(), e);
    }
  }

  /** Throws when the object the reader stopped at was not closed ({@code t}: its last token). */
  static void requireEnd(JsonToken t) throws MalformedLineException {
    if (t != JsonToken.END_OBJECT) {
      throw new MalformedLineException("truncated JSON object");
    }
  }

  /** Throws unless {@code seen}, naming the missing key. */
  static void require(boolean seen, String key) throws MalformedLineException {
    if (!seen) {
      throw new MalformedLineException("missing \"" + key + "\"");
    }
  }

  /** {@code name} when it passes {@link FileNames#problem}, the one rule for file names. */
  static String safeFileName(String name) throws MalformedLineException {
    String problem = FileNames.problem(name);
    if (problem != null) {
      throw new MalformedLineException("file_name '" + name + "' refused: " + problem);
    }
    return name;
  }

  static void writeIfSet(JsonGenerator g, String key, String value) throws IOException {
    if (value != null) {
      g.writeStringField(key, value);
    }
  }

  /** A non-negative id, as a number or a string of digits (the older scripts wrote both). */
  static long readId(JsonParser p, JsonToken v) throws IOException, MalformedLineException {
    if (v == JsonToken.VALUE_NUMBER_INT) {
      long id = p.getLongValue();
      if (id < 0) {
        throw new MalformedLineException("id must be >= 0, was " + id);
      }
      return id;
    }
    if (v == JsonToken.VALUE_STRING) {
      try {
        long id = Long.parseLong(p.getText().trim());
        if (id >= 0) {
          return id;
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
      throw new MalformedLineException(
          "id must be a non-negative integer, was '" + p.getText() + "'");
    }
    throw new MalformedLineException("id must be a non-negative integer");
  }

  /** A string or null; anything else names {@code key}. */
  static String text(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedLineException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    throw new MalformedLineException("\"" + key + "\" must be a string");
  }

  /** A number as a long (null reads as 0); anything else names {@code key}. */
  static long number(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedLineException {
    if (v == JsonToken.VALUE_NULL) {
      return 0;
    }
    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getValueAsLong();
    }
    throw new MalformedLineException("\"" + key + "\" must be a number");
  }
}
