package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.hipforge.io.record.StateRecord;

/**
 * The columns of an exported row, one line each: name, JSON type, whether it may be null, what it
 * means, and how it is read from a {@link Row}. The one home of the export's shape: the row writer,
 * the dataset card's column table and the type test all read {@link #ALL}.
 *
 * <p>Types are fixed per column, so the export loads with pandas ({@code read_json(lines=True)})
 * and Hugging Face {@code datasets} without mixed columns: a boolean or integer column is never
 * null (a task without a generation has {@code compiled: false} and 0 tokens, and {@code verdict}
 * says why); only strings, objects and the float {@code fidelity_score} are null, and always null
 * when absent (never a missing key, never an empty string standing for "none").
 */
final class ExportColumns {
  private ExportColumns() {}

  /** A column's JSON type: one per column in every row (null aside, where allowed). */
  enum Type {
    STRING("string"),
    INTEGER("integer"),
    NUMBER("number"),
    BOOLEAN("boolean"),
    ARRAY("array"),
    OBJECT("object");

    final String json;

    Type(String json) {
      this.json = json;
    }

    /**
     * The pandas dtype to load it with ({@code read_json(..., dtype={...})}): without it pandas
     * reads a column whose values are all null as float64 and an all-digit string column (a {@code
     * prompt_version} such as {@code 123456789012}) as int64.
     */
    String pandas() {
      switch (this) {
        case INTEGER:
          return "int64";
        case NUMBER:
          return "float64";
        case BOOLEAN:
          return "bool";
        default:
          return "object";
      }
    }
  }

  /**
   * What {@code describe_prompt_version}/{@code generate_prompt_version} say for the built-in
   * templates.
   */
  static final String BUILT_IN_PROMPTS = "built-in";

  /** {@code verdict} of a described task with no current generation. */
  static final String NOT_GENERATED = "not_generated";

  /** {@code verdict} of code that passed without a compile ({@code generate --validate=none}). */
  static final String UNVALIDATED = "unvalidated";

  /** {@code verdict} of code the HIP compiler accepted. */
  static final String COMPILED = "compiled";

  /**
   * One exported task: the manifest entry, its latest records and the texts read for it; {@code
   * generated} is the current latest generate record (passed or failed), or null (none, or stale);
   * {@code code} the generated code (verified against {@code code_sha256}), or null.
   */
  record Row(
      long id,
      String fileName,
      String sourceSha256,
      StateRecord described,
      StateRecord generated,
      String source,
      String code) {
    /**
     * {@code compiled}, {@code unvalidated}, the failed generation's category, or {@code
     * not_generated}.
     */
    String verdict() {
      return verdictOf(generated);
    }

    boolean compiled() {
      return generated != null && Boolean.TRUE.equals(generated.compiled());
    }
  }

  /** The verdict of a current generate record (null: {@code not_generated}). */
  static String verdictOf(StateRecord g) {
    if (g == null) {
      return NOT_GENERATED;
    }
    if (!g.pass()) {
      return g.errorCategory();
    }
    return Boolean.TRUE.equals(g.compiled()) ? COMPILED : UNVALIDATED;
  }

  /** Reads a value of a row, or writes it. */
  interface ValueWriter {
    void write(Row r, JsonGenerator g) throws IOException;
  }

  /**
   * One column: its name, JSON type, whether it may be null, its documentation, and how it is
   * written.
   */
  record Column(String name, Type type, boolean nullable, String doc, ValueWriter writer) {
    void write(Row r, JsonGenerator g) throws IOException {
      g.writeFieldName(name);
      writer.write(r, g);
    }
  }

  static Column string(String name, boolean nullable, String doc, Function<Row, String> f) {
    return orNull(name, Type.STRING, nullable, doc, f, (v, g) -> g.writeString(v));
  }

  static Column integer(String name, String doc, ToLongFunction<Row> f) {
    return new Column(name, Type.INTEGER, false, doc, (r, g) -> g.writeNumber(f.applyAsLong(r)));
  }

  static Column bool(String name, String doc, Predicate<Row> f) {
    return new Column(name, Type.BOOLEAN, false, doc, (r, g) -> g.writeBoolean(f.test(r)));
  }

  /** A float, or null: pandas reads it as float64 with NaN for null, which is what it is. */
  static Column number(String name, String doc, Function<Row, Double> f) {
    return orNull(name, Type.NUMBER, true, doc, f, (v, g) -> g.writeNumber(v.doubleValue()));
  }

  /** A list of strings, never null (empty when there is nothing). */
  static Column strings(String name, String doc, Function<Row, List<String>> f) {
    return new Column(
        name,
        Type.ARRAY,
        false,
        doc,
        (r, g) -> {
          List<String> v = f.apply(r);
          g.writeStartArray();
          for (String s : v == null ? List.<String>of() : v) {
            g.writeString(s);
          }
          g.writeEndArray();
        });
  }

  /**
   * An object (a {@code Map}, a list or a bean, written by Jackson), or null when {@code nullable}:
   * the easy way to export a structured field (kernel resources) in one line.
   */
  static Column object(String name, boolean nullable, String doc, Function<Row, Object> f) {
    return orNull(name, Type.OBJECT, nullable, doc, f, (v, g) -> g.writeObject(v));
  }

  /** Writes one value of a column; a null is written as null by {@link #orNull}. */
  @FunctionalInterface
  private interface Value<T> {
    void write(T value, JsonGenerator g) throws IOException;
  }

  /**
   * A column whose value may be null: written as JSON null when {@code nullable}, else an error
   * naming the row.
   */
  private static <T> Column orNull(
      String name, Type type, boolean nullable, String doc, Function<Row, T> f, Value<T> value) {
    return new Column(
        name,
        type,
        nullable,
        doc,
        (r, g) -> {
          T v = f.apply(r);
          if (v != null) {
            value.write(v, g);
          } else if (nullable) {
            g.writeNull();
          } else {
            throw new IllegalStateException(
                "export column "
                    + name
                    + " is null for id "
                    + r.id()
                    + " ("
                    + r.fileName()
                    + "), but the column is declared never null");
          }
        });
  }

  private static StateRecord gen(Row r) {
    return r.generated();
  }

  private static String ofGen(Row r, Function<StateRecord, String> f) {
    return r.generated() == null ? null : f.apply(r.generated());
  }

  private static String promptVersion(StateRecord rec) {
    return rec.promptVersion() == null ? BUILT_IN_PROMPTS : rec.promptVersion();
  }

  /** The columns, in the order they are written. */
  static final List<Column> ALL = columns();

  private static List<Column> columns() {
    List<Column> c = new java.util.ArrayList<>();
    c.add(integer("id", "the task's id in the manifest", r -> r.id()));
    c.add(
        string(
            "file_name",
            false,
            "the source's path relative to the source root",
            r -> r.fileName()));
    c.add(
        string(
            "instruction",
            false,
            "the describe step's answer: what to write",
            r -> r.described().instruction()));
    c.add(
        string(
            "source_code",
            false,
            "the source file's text as describe read it (checked against " + "source_sha256)",
            r -> r.source()));
    c.add(string("source_sha256", false, "SHA-256 of the source's bytes", r -> r.sourceSha256()));
    c.add(
        string(
            "source_encoding",
            false,
            "utf-8, or latin-1 when the source was read as Latin-1",
            r ->
                r.described().sourceEncoding() == null ? "utf-8" : r.described().sourceEncoding()));
    c.add(
        string(
            "generated_code",
            true,
            "the generated HIP file (checked against code_sha256); null when "
                + "no code was extracted",
            r -> r.code()));
    c.add(
        string(
            "code_sha256",
            true,
            "SHA-256 of the generated code",
            r -> ofGen(r, StateRecord::codeSha256)));
    c.add(
        string(
            "verdict",
            false,
            "compiled | unvalidated (generate --validate=none) | the failed "
                + "generation's error category (compile_error, no_code, truncated, ...) | not_generated",
            Row::verdict));
    c.add(
        bool(
            "compiled",
            "true only when the HIP compiler accepted the generated code",
            Row::compiled));
    c.add(
        string(
            "compile_error",
            true,
            "the compiler's first errors",
            r -> ofGen(r, StateRecord::compileError)));
    c.add(
        string(
            "generate_error",
            true,
            "error_msg of a failed generation (category: detail)",
            r -> ofGen(r, g -> g.pass() ? null : g.errorMsg())));
    c.add(
        string(
            "toolchain",
            true,
            "the HIP compiler that gave the verdict",
            r -> ofGen(r, StateRecord::toolchain)));
    c.add(
        string(
            "offload_arch",
            true,
            "the AMD GPU targets compiled for (the prompt's {{offload_arch}})",
            r -> ofGen(r, StateRecord::offloadArch)));
    c.add(
        string(
            "describe_provider",
            true,
            "the describe step's provider (config name)",
            r -> r.described().provider()));
    c.add(string("describe_model", true, "the describe step's model", r -> r.described().model()));
    c.add(
        string(
            "describe_finish_reason",
            true,
            "finish_reason/stop_reason of the describe answer",
            r -> r.described().finishReason()));
    c.add(
        string(
            "describe_prompt_version",
            false,
            "prompt_version of the describe templates, or built-in",
            r -> promptVersion(r.described())));
    c.add(
        string(
            "generate_provider",
            true,
            "the generate step's provider",
            r -> ofGen(r, StateRecord::provider)));
    c.add(
        string(
            "generate_model",
            true,
            "the generate step's model",
            r -> ofGen(r, StateRecord::model)));
    c.add(
        string(
            "generate_finish_reason",
            true,
            "finish_reason/stop_reason of the generate answer",
            r -> ofGen(r, StateRecord::finishReason)));
    c.add(
        string(
            "generate_prompt_version",
            true,
            "prompt_version of the generate templates, or built-in",
            r -> ofGen(r, ExportColumns::promptVersion)));
    c.add(
        object(
            "tokens",
            false,
            "billed tokens per step, failed answers included: {describe_input, "
                + "describe_output, generate_input, generate_output} (0 when the step made no call)",
            ExportColumns::tokens));
    c.add(
        object(
            "fidelity",
            true,
            "kernel fidelity counts of the generated file against the source "
                + "{kernels_source, kernels_generated, names_matched, params_matched, shared_matched, bounds_matched}",
            r -> ExportObjects.fidelity(gen(r) == null ? null : gen(r).fidelity())));
    c.add(
        number(
            "fidelity_score",
            "the fidelity score in [0, 1]",
            r -> gen(r) == null || gen(r).fidelity() == null ? null : gen(r).fidelity().score()));
    c.add(
        integer(
            "rounds",
            "repair rounds the generation was asked (generate --repairRounds); 0 without",
            r -> gen(r) == null || gen(r).rounds() == null ? 0 : gen(r).rounds()));
    c.add(
        strings(
            "round_verdicts",
            "each round's verdict, the first answer's first (e.g. [compile_error, "
                + "compiled]); [] without repair rounds",
            r ->
                gen(r) == null || gen(r).roundVerdicts() == null
                    ? List.of()
                    : gen(r).roundVerdicts()));
    c.add(
        object(
            "resources",
            true,
            "compiled code's resource usage per kernel per arch from the "
                + "compiler's device pass: {kernels: [{arch, kernel, vgprs, sgprs, agprs, lds_bytes, "
                + "scratch_bytes, vgpr_spills, sgpr_spills, occupancy}], vgprs_max, lds_bytes_max, "
                + "scratch_bytes_max, occupancy_min}; null when not recorded",
            ExportObjects::resources));
    return List.copyOf(c);
  }

  private static Map<String, Object> tokens(Row r) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("describe_input", r.described().inputTokens());
    m.put("describe_output", r.described().outputTokens());
    m.put("generate_input", gen(r) == null ? 0L : gen(r).inputTokens());
    m.put("generate_output", gen(r) == null ? 0L : gen(r).outputTokens());
    return m;
  }

  /** Column names that the messages format writes inside {@code messages} instead. */
  static final java.util.Set<String> IN_MESSAGES =
      java.util.Set.of("instruction", "generated_code");
}
