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
import org.hipforge.io.record.ManifestEntry;

/** Reads and writes manifest lines {@code {"id","file_name","bytes","sha256"}}. */
public final class ManifestJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private ManifestJson() {}

  public static String toJson(ManifestEntry e) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("id", e.id());
      g.writeStringField("file_name", e.fileName());
      g.writeNumberField("bytes", e.bytes());
      if (e.sha256() != null) {
        g.writeStringField("sha256", e.sha256());
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString();
  }

  public static ManifestEntry parse(String line) throws MalformedLineException {
    if (line == null || line.isBlank()) {
      throw new MalformedLineException("empty line");
    }
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedLineException("not a JSON object");
      }
      ManifestEntry e = readObject(p);
      if (p.nextToken() != null) {
        throw new MalformedLineException("trailing characters after the JSON object");
      }
      return e;
    } catch (JsonProcessingException e) {
      throw new MalformedLineException("invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new MalformedLineException("unreadable line: " + e.getMessage(), e);
    }
  }

  /**
   * Reads one manifest object whose START_OBJECT the parser has just returned; used for lines and
   * for the elements of the older {@code manifest.json} array (which may lack bytes and sha256).
   */
  public static ManifestEntry readObject(JsonParser p) throws IOException, MalformedLineException {
    Long id = null;
    String fileName = null;
    long bytes = -1;
    String sha = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      switch (key) {
        case "id":
          id = StateRecordJson.readId(p, v);
          break;
        case "file_name":
          if (v != JsonToken.VALUE_STRING) {
            throw new MalformedLineException("\"file_name\" must be a string");
          }
          fileName = p.getText();
          break;
        case "bytes":
          bytes = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          break;
        case "sha256":
          sha = v == JsonToken.VALUE_STRING ? p.getText() : null;
          break;
        default:
          p.skipChildren();
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new MalformedLineException("truncated JSON object");
    }
    if (id == null) {
      throw new MalformedLineException("missing \"id\"");
    }
    if (fileName == null) {
      throw new MalformedLineException("missing \"file_name\"");
    }
    String problem = FileNames.problem(fileName);
    if (problem != null) {
      throw new MalformedLineException("file_name '" + fileName + "' refused: " + problem);
    }
    return new ManifestEntry(id, fileName, bytes, sha);
  }
}
