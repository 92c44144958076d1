package org.hipforge.llmsim;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;

/** Jackson's pretty printer made to match OpenAI's: {@code "key": value}, {@code []}. */
final class OpenAiPrettyPrinter extends DefaultPrettyPrinter {
  private static final long serialVersionUID = 1L;
  private final int indent;

  OpenAiPrettyPrinter(int indent) {
    this.indent = indent;
    DefaultIndenter indenter = new DefaultIndenter(" ".repeat(indent), "\n");
    indentObjectsWith(indenter);
    indentArraysWith(indenter);
  }

  @Override
  public DefaultPrettyPrinter createInstance() {
    return new OpenAiPrettyPrinter(indent);
  }

  @Override
  public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
    g.writeRaw(": ");
  }

  @Override
  public void writeEndObject(JsonGenerator g, int entries) throws IOException {
    writeEnd(g, _objectIndenter, entries, '}');
  }

  @Override
  public void writeEndArray(JsonGenerator g, int values) throws IOException {
    writeEnd(g, _arrayIndenter, values, ']');
  }

  /** The closing bracket on a line of its own, except for an empty object or array. */
  private void writeEnd(JsonGenerator g, Indenter indenter, int entries, char bracket)
      throws IOException {
    if (!indenter.isInline()) {
      --_nesting;
    }
    if (entries > 0) {
      indenter.writeIndentation(g, _nesting);
    }
    g.writeRaw(bracket);
  }
}
