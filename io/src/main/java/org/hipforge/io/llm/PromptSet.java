package org.hipforge.io.llm;

import static org.hipforge.io.llm.PromptTemplate.Placeholder.CODE;
import static org.hipforge.io.llm.PromptTemplate.Placeholder.ERRORS;
import static org.hipforge.io.llm.PromptTemplate.Placeholder.FILE_NAME;
import static org.hipforge.io.llm.PromptTemplate.Placeholder.INSTRUCTION;
import static org.hipforge.io.llm.PromptTemplate.Placeholder.OFFLOAD_ARCH;
import static org.hipforge.io.llm.PromptTemplate.Placeholder.SOURCE;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hipforge.io.llm.PromptTemplate.Placeholder;
import org.hipforge.io.util.Hex;
import org.hipforge.io.util.SourceText;

/**
 * The prompt templates of a run: system and user part of {@code describe}, {@code generate} and
 * {@code repair}, built in ({@link #defaults()}) or read from a directory ({@link #load}) that
 * {@code hipforge prompts --out=DIR} wrote and the user edited.
 *
 * <pre>{@code
 * PromptSet prompts = PromptSet.fromDir(options.getPromptDir()); // null: the built-in templates
 * ChatRequest r = prompts.describe("vector_add.hip", code);
 * String version = prompts.version(PromptSet.Kind.DESCRIBE);     // null for the built-in ones
 * }</pre>
 *
 * <p>Files: {@code <kind>.system.txt} and {@code <kind>.user.txt}. A file's text is used as it is,
 * except a leading UTF-8 byte-order mark, {@code \r\n} read as {@code \n}, and one final line end
 * dropped (editors add one; the written defaults end with one). Each kind may use only its own
 * placeholders ({@link Kind#allowed()}); everything is checked when the set is loaded, so a bad
 * template stops a command before any call. The built-in templates render byte for byte the prompts
 * hipforge always sent, so their prompt hashes (the response cache's keys) do not change. Immutable
 * and serializable (it travels inside the pipeline's prompt builders).
 */
public final class PromptSet implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The three prompts; each has a system and a user part. */
  public enum Kind {
    /** HIP source to instruction. */
    DESCRIBE("describe", SOURCE, FILE_NAME),
    /** Instruction to one HIP file. */
    GENERATE("generate", INSTRUCTION, FILE_NAME, OFFLOAD_ARCH),
    /** Code that did not compile and its errors to the whole corrected file (the repair loop). */
    REPAIR("repair", CODE, ERRORS, INSTRUCTION, FILE_NAME, OFFLOAD_ARCH);

    private final String base;
    private final Set<Placeholder> allowed;

    Kind(String base, Placeholder first, Placeholder... rest) {
      this.base = base;
      this.allowed = Collections.unmodifiableSet(EnumSet.of(first, rest));
    }

    /** The placeholders this kind's templates may use. */
    public Set<Placeholder> allowed() {
      return allowed;
    }

    /** {@code describe.system.txt} or {@code describe.user.txt}. */
    public String fileName(boolean system) {
      return base + (system ? ".system.txt" : ".user.txt");
    }
  }

  /** Hex digits of a {@link #version}: 48 bits, so two edits of one template set do not collide. */
  static final int VERSION_HEX_DIGITS = 12;

  private static final PromptSet DEFAULTS = builtIn();

  // By Kind.ordinal(): system and user templates.
  private final PromptTemplate[] systems;
  private final PromptTemplate[] users;
  private final String[] versions;

  private PromptSet(PromptTemplate[] systems, PromptTemplate[] users) {
    this.systems = systems;
    this.users = users;
    this.versions = new String[Kind.values().length];
    for (Kind k : Kind.values()) {
      // DEFAULTS is null only while the built-in set itself is made.
      versions[k.ordinal()] = DEFAULTS == null || sameText(k, DEFAULTS) ? null : hash(k);
    }
  }

  /** The built-in templates. */
  public static PromptSet defaults() {
    return DEFAULTS;
  }

  /** {@link #load} of {@code dir}, or the built-in templates when it is null or blank. */
  public static PromptSet fromDir(String dir) {
    return dir == null || dir.isBlank() ? DEFAULTS : load(Paths.get(dir));
  }

  /**
   * Reads and checks the six templates in {@code dir}; a missing or unreadable file, text that is
   * not UTF-8, an empty user template or a placeholder error throws {@link PromptTemplateException}
   * naming the file (and line).
   */
  public static PromptSet load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new PromptTemplateException(
          dir.toString(),
          "is not a directory (write the default "
              + "templates into one with: hipforge prompts --out="
              + dir
              + ")");
    }
    int n = Kind.values().length;
    PromptTemplate[] systems = new PromptTemplate[n];
    PromptTemplate[] users = new PromptTemplate[n];
    for (Kind k : Kind.values()) {
      systems[k.ordinal()] = read(dir.resolve(k.fileName(true)), k, true);
      users[k.ordinal()] = read(dir.resolve(k.fileName(false)), k, false);
    }
    return new PromptSet(systems, users);
  }

  /**
   * Writes the built-in templates into {@code dir} (created when missing), each file ending with a
   * line end; refuses, writing nothing, when one of the files already exists. Returns the files.
   */
  public static List<Path> writeDefaults(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Kind k : Kind.values()) {
      files.add(dir.resolve(k.fileName(true)));
      files.add(dir.resolve(k.fileName(false)));
    }
    for (Path f : files) {
      if (Files.exists(f)) {
        throw new PromptTemplateException(
            f.toString(),
            "exists already; remove it or choose another "
                + "directory (hipforge does not overwrite edited templates)");
      }
    }
    Files.createDirectories(dir);
    for (Kind k : Kind.values()) {
      write(dir.resolve(k.fileName(true)), DEFAULTS.systems[k.ordinal()].text());
      write(dir.resolve(k.fileName(false)), DEFAULTS.users[k.ordinal()].text());
    }
    return files;
  }

  /** The describe prompt for one source file. */
  public ChatRequest describe(String fileName, String source) {
    Map<Placeholder, String> v = new EnumMap<>(Placeholder.class);
    v.put(FILE_NAME, fileName);
    v.put(SOURCE, endWithNewline(source));
    return render(Kind.DESCRIBE, v);
  }

  /** The generate prompt for one instruction; {@code offloadArch} as given to --offloadArch. */
  public ChatRequest generate(String instruction, String fileName, String offloadArch) {
    Map<Placeholder, String> v = new EnumMap<>(Placeholder.class);
    v.put(INSTRUCTION, instruction);
    v.put(FILE_NAME, fileName);
    v.put(OFFLOAD_ARCH, offloadArch == null ? "" : offloadArch);
    return render(Kind.GENERATE, v);
  }

  /** The repair prompt: code that did not compile, with the compiler's errors. */
  public ChatRequest repair(
      String instruction, String fileName, String offloadArch, String code, String errors) {
    Map<Placeholder, String> v = new EnumMap<>(Placeholder.class);
    v.put(INSTRUCTION, instruction);
    v.put(FILE_NAME, fileName);
    v.put(OFFLOAD_ARCH, offloadArch == null ? "" : offloadArch);
    v.put(CODE, endWithNewline(code));
    v.put(ERRORS, errors);
    return render(Kind.REPAIR, v);
  }

  /**
   * The short version of this kind's two templates, recorded as {@code prompt_version}: the first
   * {@value #VERSION_HEX_DIGITS} hex digits of the SHA-256 of their file names and texts; null when
   * they are the built-in ones (records made with those carry no version).
   */
  public String version(Kind kind) {
    return versions[kind.ordinal()];
  }

  /** The template of {@code kind}'s system ({@code true}) or user part. */
  public PromptTemplate template(Kind kind, boolean system) {
    return (system ? systems : users)[kind.ordinal()];
  }

  private ChatRequest render(Kind k, Map<Placeholder, String> values) {
    return new ChatRequest(systems[k.ordinal()].render(values), users[k.ordinal()].render(values));
  }

  private static String endWithNewline(String s) {
    return s.endsWith("\n") ? s : s + "\n";
  }

  private boolean sameText(Kind k, PromptSet o) {
    int i = k.ordinal();
    return systems[i].text().equals(o.systems[i].text())
        && users[i].text().equals(o.users[i].text());
  }

  private String hash(Kind k) {
    MessageDigest md = Hex.sha256Digest();
    for (boolean system : new boolean[] {true, false}) {
      byte[] text = template(k, system).text().getBytes(StandardCharsets.UTF_8);
      // Name and length first, so no two different pairs of texts hash alike.
      md.update((k.fileName(system) + "\0" + text.length + "\0").getBytes(StandardCharsets.UTF_8));
      md.update(text);
    }
    return Hex.of(md.digest()).substring(0, VERSION_HEX_DIGITS);
  }

  private static PromptSet builtIn() {
    int n = Kind.values().length;
    PromptTemplate[] systems = new PromptTemplate[n];
    PromptTemplate[] users = new PromptTemplate[n];
    String[][] texts = {
      {Prompts.DESCRIBE_SYSTEM, Prompts.DESCRIBE_USER},
      {Prompts.GENERATE_SYSTEM, Prompts.GENERATE_USER},
      {Prompts.REPAIR_SYSTEM, Prompts.REPAIR_USER},
    };
    for (Kind k : Kind.values()) {
      systems[k.ordinal()] =
          PromptTemplate.parse(k.fileName(true), texts[k.ordinal()][0], k.allowed());
      users[k.ordinal()] =
          PromptTemplate.parse(k.fileName(false), texts[k.ordinal()][1], k.allowed());
    }
    return new PromptSet(systems, users);
  }

  private static PromptTemplate read(Path file, Kind k, boolean system) {
    String name = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new PromptTemplateException(
          name,
          "missing (hipforge prompts --out=DIR writes all six "
              + "templates: describe, generate and repair, .system.txt and .user.txt)");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new PromptTemplateException(name, "cannot be read: " + e.getMessage());
    }
    String text;
    try {
      text = SourceText.strictUtf8(bytes);
    } catch (CharacterCodingException e) {
      throw new PromptTemplateException(name, "is not UTF-8 text");
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    text = text.replace("\r\n", "\n");
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    if (!system && text.isBlank()) {
      throw new PromptTemplateException(name, "is empty: the user message must say what to do");
    }
    return PromptTemplate.parse(name, text, k.allowed());
  }

  private static void write(Path file, String text) throws IOException {
    Files.write(file, (text + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
