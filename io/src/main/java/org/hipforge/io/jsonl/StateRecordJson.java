package org.hipforge.io.jsonl;

import static org.hipforge.io.jsonl.JsonLines.number;
import static org.hipforge.io.jsonl.JsonLines.text;
import static org.hipforge.io.jsonl.JsonLines.writeIfSet;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.List;
import org.hipforge.io.record.Fidelity;
import org.hipforge.io.record.KernelResources;
import org.hipforge.io.record.StateRecord;

/**
 * Reads and writes {@link StateRecord}s as one-line JSON objects with DESIGN.md's snake_case keys.
 *
 * <p>Streaming Jackson (no tree, no reflection) because state files are the hot path at millions of
 * lines. Unknown keys are skipped so older and newer files stay readable; the older Python scripts'
 * {@code results.jsonl} lines read as records too.
 */
public final class StateRecordJson {
  private StateRecordJson() {}

  public static String toJson(StateRecord r) {
    return JsonLines.write(
        256,
        r.id(),
        r.fileName(),
        g -> {
          g.writeBooleanField("pass", r.pass());
          writeIfSet(g, "instruction", r.instruction());
          writeIfSet(g, "error_msg", r.errorMsg());
          writeIfSet(g, "source_sha256", r.sourceSha256());
          writeIfSet(g, "provider", r.provider());
          writeIfSet(g, "model", r.model());
          g.writeNumberField("input_tokens", r.inputTokens());
          g.writeNumberField("output_tokens", r.outputTokens());
          g.writeNumberField("latency_ms", r.latencyMs());
          g.writeNumberField("attempts", r.attempts());
          g.writeStringField("finished_at", Timestamps.format(r.finishedAtMillis()));
          writeIfSet(g, "run_id", r.runId());
          writeIfSet(g, "prompt_sha256", r.promptSha256());
          writeIfSet(g, "prompt_version", r.promptVersion());
          writeIfSet(g, "source_encoding", r.sourceEncoding());
          if (r.sourceBytes() > 0) {
            g.writeNumberField("source_bytes", r.sourceBytes());
          }
          if (r.cached()) {
            g.writeBooleanField("cached", true);
          }
          writeIfSet(g, "finish_reason", r.finishReason());
          if (r.tokensEstimated()) {
            g.writeBooleanField("tokens_estimated", true);
          }
          if (r.cacheCreationInputTokens() > 0) {
            g.writeNumberField("cache_creation_input_tokens", r.cacheCreationInputTokens());
          }
          if (r.cacheReadInputTokens() > 0) {
            g.writeNumberField("cache_read_input_tokens", r.cacheReadInputTokens());
          }
          writeIfSet(g, "code_sha256", r.codeSha256());
          if (r.compiled() != null) {
            g.writeBooleanField("compiled", r.compiled());
          }
          writeIfSet(g, "compile_error", r.compileError());
          writeIfSet(g, "output_path", r.outputPath());
          writeIfSet(g, "toolchain", r.toolchain());
          writeIfSet(g, "offload_arch", r.offloadArch());
          writeIfSet(g, "response", r.response());
          if (r.fidelity() != null) {
            writeFidelity(g, r.fidelity());
          }
          if (!r.resources().isEmpty()) {
            writeResources(g, r.resources());
          }
          if (r.roundVerdictsText() != null) {
            // Flat (a number and a comma-separated string), so the byte scanner still reads the
            // line.
            g.writeNumberField("rounds", r.rounds());
            g.writeStringField("round_verdicts", r.roundVerdictsText());
          }
        });
  }

  /**
   * The {@link Fidelity} counts as flat {@code fidelity_*} integer keys and the derived {@code
   * fidelity_score}: flat, so {@link FlatLineScanner} still reads the line (a nested value would
   * send every generate line to the slower Jackson path). The export nests them as {@code
   * fidelity}.
   */
  private static void writeFidelity(JsonGenerator g, Fidelity f) throws IOException {
    g.writeNumberField(FIDELITY_KEYS.get(0), f.kernelsSource());
    g.writeNumberField(FIDELITY_KEYS.get(1), f.kernelsGenerated());
    g.writeNumberField(FIDELITY_KEYS.get(2), f.namesMatched());
    g.writeNumberField(FIDELITY_KEYS.get(3), f.paramsMatched());
    g.writeNumberField(FIDELITY_KEYS.get(4), f.sharedMatched());
    g.writeNumberField(FIDELITY_KEYS.get(5), f.boundsMatched());
    g.writeNumberField("fidelity_score", f.score());
  }

  /**
   * Kernel resources as flat keys: the per-file extremes over every kernel and architecture ({@link
   * #RESOURCE_KEYS}: maxima, and the minimum occupancy, the worst kernel's), for filters and
   * distributions without parsing, and {@code resources_kernels}, every kernel on every arch in
   * {@link KernelResources}' compact text. Flat and a string rather than a nested array, so {@link
   * FlatLineScanner} still reads the line; the extremes are derived from the text and not read back
   * (one source of truth).
   */
  private static void writeResources(JsonGenerator g, List<KernelResources> ks) throws IOException {
    long vgprs = 0;
    long sgprs = 0;
    long agprs = 0;
    long lds = 0;
    long scratch = 0;
    long vgprSpills = 0;
    long sgprSpills = 0;
    long occupancy = Long.MAX_VALUE;
    for (KernelResources k : ks) {
      vgprs = Math.max(vgprs, k.vgprs());
      sgprs = Math.max(sgprs, k.sgprs());
      agprs = Math.max(agprs, k.agprs());
      lds = Math.max(lds, k.ldsBytes());
      scratch = Math.max(scratch, k.scratchBytes());
      vgprSpills = Math.max(vgprSpills, k.vgprSpills());
      sgprSpills = Math.max(sgprSpills, k.sgprSpills());
      occupancy = Math.min(occupancy, k.occupancy());
    }
    g.writeNumberField(RESOURCE_KEYS.get(0), vgprs);
    g.writeNumberField(RESOURCE_KEYS.get(1), sgprs);
    g.writeNumberField(RESOURCE_KEYS.get(2), agprs);
    g.writeNumberField(RESOURCE_KEYS.get(3), lds);
    g.writeNumberField(RESOURCE_KEYS.get(4), scratch);
    g.writeNumberField(RESOURCE_KEYS.get(5), vgprSpills);
    g.writeNumberField(RESOURCE_KEYS.get(6), sgprSpills);
    g.writeNumberField(RESOURCE_KEYS.get(7), occupancy);
    g.writeStringField(RESOURCES_KERNELS_KEY, KernelResources.format(ks));
  }

  /** The flat per-file resource keys of {@link #writeResources}, in the order written. */
  public static final List<String> RESOURCE_KEYS =
      List.of(
          "resources_vgprs_max",
          "resources_sgprs_max",
          "resources_agprs_max",
          "resources_lds_bytes_max",
          "resources_scratch_bytes_max",
          "resources_vgpr_spills_max",
          "resources_sgpr_spills_max",
          "resources_occupancy_min");

  /** The key of the per-kernel per-arch compact text ({@link KernelResources#format(List)}). */
  public static final String RESOURCES_KERNELS_KEY = "resources_kernels";

  /** The flat keys of {@link #writeFidelity}, in the order of {@link Fidelity}'s constructor. */
  public static final List<String> FIDELITY_KEYS =
      List.of(
          "fidelity_kernels_source",
          "fidelity_kernels_generated",
          "fidelity_names_matched",
          "fidelity_params_matched",
          "fidelity_shared_matched",
          "fidelity_bounds_matched");

  /**
   * The fidelity of the counts read, or null when none was read or they are not a consistent set
   * (read leniently, as the other later-added fields: a record is not refused for its annotation).
   */
  private static Fidelity fidelityOf(int[] n, int seen) {
    if (seen != (1 << 6) - 1) {
      return null;
    }
    try {
      return new Fidelity(n[0], n[1], n[2], n[3], n[4], n[5]);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Parses one line; throws {@link MalformedLineException} naming what is wrong. */
  public static StateRecord parse(String line) throws MalformedLineException {
    return parse(line, true);
  }

  /**
   * Parses only what deciding "pending or done" needs (id, file_name, pass, source_sha256,
   * finished_at, run_id, attempts): the long text fields are skipped without being decoded, which
   * is most of a line. The line is still checked to be one whole, valid JSON object.
   */
  public static StateRecord parseSlim(String line) throws MalformedLineException {
    return parse(line, false);
  }

  private static StateRecord parse(String line, boolean full) throws MalformedLineException {
    Reading r = JsonLines.parse(line, p -> new Reading(full).read(p));
    JsonLines.require(r.sawId, "id");
    JsonLines.require(r.sawFileName, "file_name");
    JsonLines.require(r.sawPass, "pass");
    if (r.fidelitySeen != 0) {
      r.b.fidelity(fidelityOf(r.fidelity, r.fidelitySeen));
    }
    return r.b.build();
  }

  /** One line being read: the builder, and what was seen of the keys a record needs. */
  private static final class Reading {
    final StateRecord.Builder b = StateRecord.builder();
    final boolean full;
    final int[] fidelity;
    int fidelitySeen;
    boolean sawId;
    boolean sawFileName;
    boolean sawPass;

    Reading(boolean full) {
      this.full = full;
      this.fidelity = full ? new int[6] : null;
    }

    Reading read(JsonParser p) throws IOException, MalformedLineException {
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        member(p, key, p.nextToken());
      }
      JsonLines.requireEnd(t);
      return this;
    }

    private void member(JsonParser p, String key, JsonToken v)
        throws IOException, MalformedLineException {
      switch (key) {
        case "id" -> {
          b.id(JsonLines.readId(p, v));
          sawId = true;
        }
        case "file_name" -> {
          b.fileName(JsonLines.safeFileName(text(p, v, key)));
          sawFileName = true;
        }
        case "pass" -> {
          if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw new MalformedLineException("pass must be true or false");
          }
          b.pass(v == JsonToken.VALUE_TRUE);
          sawPass = true;
        }
        case "instruction" -> b.instruction(fullText(p, v, key));
        case "error_msg" -> b.errorMsg(fullText(p, v, key));
        case "source_sha256" -> b.sourceSha256(text(p, v, key));
        case "provider" -> b.provider(fullText(p, v, key));
        case "model" -> b.model(fullText(p, v, key));
        case "input_tokens" -> b.inputTokens(tokens(p, v, key));
        case "output_tokens" -> b.outputTokens(tokens(p, v, key));
        case "latency_ms" -> b.latencyMs(number(p, v, key));
        case "attempts" -> b.attempts((int) number(p, v, key));
        case "finished_at" -> b.finishedAtMillis(readTime(p, v));
        case "run_id" -> b.runId(text(p, v, key));
        case "prompt_sha256" -> b.promptSha256(fullText(p, v, key));
        case "prompt_version" -> b.promptVersion(text(p, v, key));
        case "source_encoding" -> b.sourceEncoding(text(p, v, key));
        case "source_bytes" -> b.sourceBytes(number(p, v, key));
        case "cached" -> b.cached(v == JsonToken.VALUE_TRUE);
        case "code_sha256" -> b.codeSha256(fullText(p, v, key));
        case "compiled" -> b.compiled(v == JsonToken.VALUE_NULL ? null : v == JsonToken.VALUE_TRUE);
        case "compile_error" -> b.compileError(fullText(p, v, key));
        case "output_path" -> b.outputPath(fullText(p, v, key));
        case "toolchain" -> b.toolchain(fullText(p, v, key));
        case "offload_arch" -> b.offloadArch(fullText(p, v, key));
        case "response" -> b.response(fullText(p, v, key));
        default -> lenient(p, key, v);
      }
    }

    /**
     * The keys added later (finish reason, estimate flag, cache tokens, rounds, fidelity,
     * resources): read leniently, as the byte scanner treats any scalar of a key it does not return
     * (a record is not refused for its annotation); older lines lack them. Unknown keys are
     * skipped.
     */
    private void lenient(JsonParser p, String key, JsonToken v)
        throws IOException, MalformedLineException {
      boolean string = full && v == JsonToken.VALUE_STRING;
      switch (key) {
        case "finish_reason" -> b.finishReason(string ? p.getText() : null);
        case "tokens_estimated" -> b.tokensEstimated(v == JsonToken.VALUE_TRUE);
        case "cache_creation_input_tokens" -> b.cacheCreationInputTokens(cacheTokens(p, v, key));
        case "cache_read_input_tokens" -> b.cacheReadInputTokens(cacheTokens(p, v, key));
        // "rounds" is derived from it.
        case "round_verdicts" -> b.roundVerdictsText(string ? p.getText() : null);
        case RESOURCES_KERNELS_KEY -> {
          if (string) {
            try {
              b.resources(KernelResources.parseList(p.getText()));
            } catch (IllegalArgumentException e) {
              b.resources(null); // text that does not read as kernel resources reads as none
            }
          }
        }
        default -> {
          int slot = FIDELITY_KEYS.indexOf(key);
          if (slot >= 0
              && full
              && v == JsonToken.VALUE_NUMBER_INT
              && p.getNumberType() == JsonParser.NumberType.INT) {
            fidelity[slot] = p.getIntValue();
            fidelitySeen |= 1 << slot;
          }
        }
      }
      p.skipChildren();
    }

    /** A text field only the full record keeps: skipped (not even type-checked) when slim. */
    private String fullText(JsonParser p, JsonToken v, String key)
        throws IOException, MalformedLineException {
      if (!full) {
        p.skipChildren();
        return null;
      }
      return text(p, v, key);
    }
  }

  private static long cacheTokens(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedLineException {
    return v == JsonToken.VALUE_NUMBER_INT ? Math.max(0, tokens(p, v, key)) : 0;
  }

  /**
   * A token count that never fails or wraps: an integer beyond a long (or a huge float) saturates
   * at Long.MAX_VALUE / MIN_VALUE instead of making the line unreadable.
   */
  private static long tokens(JsonParser p, JsonToken v, String key)
      throws IOException, MalformedLineException {
    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return p.getBigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (v == JsonToken.VALUE_NUMBER_FLOAT) {
      return (long) p.getDoubleValue(); // saturating cast; NaN cannot occur in JSON
    }
    return number(p, v, key);
  }

  private static long readTime(JsonParser p, JsonToken v)
      throws IOException, MalformedLineException {
    if (v == JsonToken.VALUE_NULL) {
      return 0;
    }
    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
      // Epoch seconds (the older scripts used time.time()) or millis: tell them apart by size.
      double d = p.getValueAsDouble();
      return d < 1e11 ? (long) (d * 1000) : (long) d;
    }
    if (v == JsonToken.VALUE_STRING) {
      try {
        return Timestamps.parse(p.getText());
      } catch (IllegalArgumentException e) {
        throw new MalformedLineException("finished_at: " + e.getMessage());
      }
    }
    throw new MalformedLineException("finished_at must be an ISO-8601 string");
  }
}
