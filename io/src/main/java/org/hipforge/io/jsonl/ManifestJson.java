package org.hipforge.io.jsonl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.hipforge.io.record.ManifestEntry;

/** Reads and writes manifest lines {@code {"id","file_name","bytes","sha256"}}. */
public final class ManifestJson {
  private ManifestJson() {}

  public static String toJson(ManifestEntry e) {
    return JsonLines.write(
        128,
        e.id(),
        e.fileName(),
        g -> {
          g.writeNumberField("bytes", e.bytes());
          JsonLines.writeIfSet(g, "sha256", e.sha256());
        });
  }

  public static ManifestEntry parse(String line) throws MalformedLineException {
    return JsonLines.parse(line, ManifestJson::readObject);
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
        case "id" -> id = JsonLines.readId(p, v);
        case "file_name" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new MalformedLineException("\"file_name\" must be a string");
          }
          fileName = p.getText();
        }
        case "bytes" -> bytes = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
        case "sha256" -> sha = v == JsonToken.VALUE_STRING ? p.getText() : null;
        default -> p.skipChildren();
      }
    }
    JsonLines.requireEnd(t);
    JsonLines.require(id != null, "id");
    JsonLines.require(fileName != null, "file_name");
    return new ManifestEntry(id, JsonLines.safeFileName(fileName), bytes, sha);
  }
}
