package org.hipforge.io.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batch ledger of one step: which provider batches a work directory has prepared, uploaded,
 * created and finished, written before and right after each step so a killed run is resumed instead
 * of paying again ({@code W/state/<step>/batches/}).
 *
 * <p>Layout: {@code ledger.jsonl}, one event per line, appended with one write and forced to disk
 * before the method returns ({@code intent}, {@code uploaded}, {@code created}, {@code ended}); and
 * per batch {@code <key>.tasks.jsonl}, the tasks in it (ids, prompt hashes and whole prompts, one
 * line each, opaque here), written to a temp file, forced and renamed into place before its {@code
 * intent} event. So an {@code intent} always names a complete task file, and a batch id is on disk
 * before anything waits on it. The order of a batch's life is intent, uploaded (OpenAI: the input
 * file id; Anthropic: none), created (the provider's batch id), ended (its final state and counts,
 * once every answer in it is journaled).
 *
 * <p>A torn last line (a kill in the middle of an append) is cut off when the ledger is opened and
 * counted ({@link #tornLines}); any other unreadable line stops with its file and line. One writer:
 * the run holding the step's {@link WorkLock}; readers ({@code hipforge batches}) use {@link
 * #read}, which changes nothing. Local work directories only.
 *
 * <pre>{@code
 * BatchLedger ledger = BatchLedger.open(layout, WorkLayout.Step.DESCRIBE);
 * ledger.writeTasks("run1-r1-0", taskLines);
 * ledger.intent("run1-r1-0", "openai", "run1", taskLines.size(), bytes);
 * ledger.created("run1-r1-0", api.create(ledger.uploaded("run1-r1-0", api.uploadInput(lines)), lines));
 * }</pre>
 */
public final class BatchLedger {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final String LEDGER = "ledger.jsonl";
  static final String TASKS_SUFFIX = ".tasks.jsonl";

  /** How far a batch got. */
  public enum Phase {
    /** Its tasks file and intent are on disk; nothing was sent to the provider. */
    INTENT,
    /** Its input is at the provider (OpenAI: a file id; Anthropic: nothing to upload). */
    UPLOADED,
    /** The provider created it: its batch id is known. */
    CREATED,
    /** It ended and every answer it brought is journaled. */
    ENDED
  }

  /** One batch as the ledger knows it. */
  public static final class Entry {
    public final String key;
    public String provider;
    public String runId;
    public int requests;
    public long bytes;
    public Instant intentAt;
    public String fileId;
    public String batchId;
    public Instant createdAt;
    public Phase phase = Phase.INTENT;

    /**
     * The provider's final state ({@code ENDED}, {@code EXPIRED}, ...) once {@link Phase#ENDED}.
     */
    public String endState;

    public int succeeded;
    public int errored;
    public int expiredOrCanceled;

    /**
     * Answers of this batch journaled by the run that ended it (fewer when a killed run had some).
     */
    public int journaled;

    public Instant endedAt;

    Entry(String key) {
      this.key = key;
    }
  }

  private final Path dir;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final boolean writable;
  private long tornLines;

  private BatchLedger(Path dir, boolean writable) {
    this.dir = dir;
    this.writable = writable;
  }

  /** The ledger directory of {@code step}: {@code W/state/<step>/batches}. */
  public static String dir(WorkLayout layout, WorkLayout.Step step) {
    return layout.batchesDir(step);
  }

  /**
   * Opens the ledger for writing (the caller holds the step's lock): reads it, and cuts a torn last
   * line off so the next event starts on a line of its own.
   */
  public static BatchLedger open(WorkLayout layout, WorkLayout.Step step) throws IOException {
    BatchLedger l = new BatchLedger(local(dir(layout, step)), true);
    Files.createDirectories(l.dir);
    l.load(true);
    return l;
  }

  /** Reads the ledger without changing anything (an absent one is empty). */
  public static BatchLedger read(WorkLayout layout, WorkLayout.Step step) throws IOException {
    BatchLedger l = new BatchLedger(local(dir(layout, step)), false);
    l.load(false);
    return l;
  }

  private static Path local(String path) {
    if (!WorkLayout.isLocal(path)) {
      throw new IllegalArgumentException(
          "batch mode needs a local work directory (the ledger is forced to "
              + "disk line by line), not "
              + path);
    }
    return WorkLayout.localPath(path);
  }

  private void load(boolean repair) throws IOException {
    Path file = dir.resolve(LEDGER);
    if (!Files.exists(file)) {
      return;
    }
    byte[] bytes = Files.readAllBytes(file);
    int end = bytes.length;
    if (end > 0 && bytes[end - 1] != '\n') {
      int lastNewline = end - 1;
      while (lastNewline >= 0 && bytes[lastNewline] != '\n') {
        lastNewline--;
      }
      end = lastNewline + 1;
      tornLines++;
      if (repair) {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
          c.truncate(end);
          c.force(true);
        }
      }
    }
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode e;
      try {
        e = MAPPER.readTree(line);
      } catch (com.fasterxml.jackson.core.JsonProcessingException bad) {
        throw new IOException(
            file
                + ":"
                + lineNo
                + ": not a ledger event ("
                + bad.getOriginalMessage()
                + "); the ledger must not be edited by hand");
      }
      apply(e, file + ":" + lineNo);
    }
  }

  /**
   * Applies one event to its batch's entry: the one home of what an event means, for the events
   * read back and those just written. {@code where} names the event in a message (file:line).
   */
  private Entry apply(JsonNode e, String where) throws IOException {
    String event = e.path("event").asText("");
    String key = e.path("key").asText("");
    if (key.isEmpty()) {
      throw new IOException(where + ": ledger event without a key");
    }
    Entry x = entries.get(key);
    if (!event.equals("intent") && x == null) {
      throw new IOException(where + ": event " + event + " of batch " + key + " before its intent");
    }
    switch (event) {
      case "intent":
        x = new Entry(key);
        x.provider = e.path("provider").asText(null);
        x.runId = e.path("run_id").asText(null);
        x.requests = e.path("requests").asInt();
        x.bytes = e.path("bytes").asLong();
        x.intentAt = instant(e);
        entries.put(key, x);
        break;
      case "uploaded":
        x.fileId = e.path("file_id").isTextual() ? e.get("file_id").asText() : null;
        x.phase = Phase.UPLOADED;
        break;
      case "created":
        x.batchId = e.path("batch_id").asText();
        x.createdAt = instant(e);
        x.phase = Phase.CREATED;
        break;
      case "ended":
        x.endState = e.path("state").asText(null);
        x.succeeded = e.path("succeeded").asInt();
        x.errored = e.path("errored").asInt();
        x.expiredOrCanceled = e.path("expired_or_canceled").asInt();
        x.journaled = e.path("journaled").asInt();
        x.endedAt = instant(e);
        x.phase = Phase.ENDED;
        break;
      default:
        throw new IOException(where + ": unknown ledger event '" + event + "'");
    }
    return x;
  }

  private static Instant instant(JsonNode e) {
    String at = e.path("at").asText(null);
    try {
      return at == null ? null : Instant.parse(at);
    } catch (RuntimeException bad) {
      return null;
    }
  }

  /** Every batch, in the order their intents were written. */
  public List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  /** Batches not {@link Phase#ENDED}: a run resumes these before it prepares new ones. */
  public List<Entry> unfinished() {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.phase != Phase.ENDED) {
        out.add(e);
      }
    }
    return out;
  }

  public Entry get(String key) {
    return entries.get(key);
  }

  /** Torn last lines found (and, when opened for writing, cut off). */
  public long tornLines() {
    return tornLines;
  }

  /** The directory of the ledger. */
  public Path dir() {
    return dir;
  }

  /** The task file of batch {@code key}. */
  public Path tasksFile(String key) {
    return dir.resolve(key + TASKS_SUFFIX);
  }

  /**
   * Writes batch {@code key}'s task lines (a temp file, forced, renamed into place, the directory
   * forced): complete on disk before its {@link #intent} is written.
   */
  public void writeTasks(String key, List<String> lines) throws IOException {
    checkWritable();
    Path target = tasksFile(key);
    Path tmp = dir.resolve(key + TASKS_SUFFIX + ".tmp");
    try (FileChannel c =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      StringBuilder b = new StringBuilder();
      for (String line : lines) {
        if (line.indexOf('\n') >= 0) {
          throw new IllegalArgumentException("a task line must not contain a newline");
        }
        b.append(line).append('\n');
        if (b.length() > (1 << 20)) {
          writeFully(c, b);
          b.setLength(0);
        }
      }
      writeFully(c, b);
      c.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDir();
  }

  /** Batch {@code key}'s task lines, as {@link #writeTasks} wrote them. */
  public List<String> readTasks(String key) throws IOException {
    Path f = tasksFile(key);
    if (!Files.exists(f)) {
      throw new IOException(
          "the ledger names batch " + key + " but its task file " + f + " is missing");
    }
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(line);
      }
    }
    return out;
  }

  /**
   * Records that batch {@code key} ({@code requests} tasks, {@code bytes} encoded) is about to be
   * sent.
   */
  public Entry intent(String key, String provider, String runId, int requests, long bytes)
      throws IOException {
    ObjectNode e = event("intent", key);
    e.put("provider", provider);
    e.put("run_id", runId);
    e.put("requests", requests);
    e.put("bytes", bytes);
    return append(e);
  }

  /**
   * Records batch {@code key}'s uploaded input file ({@code null}: nothing to upload); returns it.
   */
  public String uploaded(String key, String fileId) throws IOException {
    append("uploaded", key, "file_id", fileId);
    return fileId;
  }

  /** Records the provider's id of batch {@code key}, right after it was created. */
  public void created(String key, String batchId) throws IOException {
    append("created", key, "batch_id", batchId);
  }

  /** Appends event {@code event} of batch {@code key} with one text field. */
  private void append(String event, String key, String field, String value) throws IOException {
    ObjectNode e = event(event, key);
    e.put(field, value);
    append(e);
  }

  /** Records that batch {@code key} ended in {@code state} and its answers are journaled. */
  public void ended(
      String key, String state, int succeeded, int errored, int expiredOrCanceled, int journaled)
      throws IOException {
    ObjectNode e = event("ended", key);
    e.put("state", state);
    e.put("succeeded", succeeded);
    e.put("errored", errored);
    e.put("expired_or_canceled", expiredOrCanceled);
    e.put("journaled", journaled);
    append(e);
  }

  private static ObjectNode event(String event, String key) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("event", event);
    e.put("key", key);
    e.put("at", Instant.now().toString());
    return e;
  }

  /** Writes event {@code e} (forced to disk), then applies it; returns its batch's entry. */
  private Entry append(ObjectNode e) throws IOException {
    checkWritable();
    if (!e.get("event").asText().equals("intent") && !entries.containsKey(e.get("key").asText())) {
      throw new IllegalStateException(
          "batch " + e.get("key").asText() + " has no intent in the ledger");
    }
    byte[] line = (MAPPER.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel c =
        FileChannel.open(
            dir.resolve(LEDGER),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      ByteBuffer b = ByteBuffer.wrap(line);
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.force(true);
    }
    return apply(e, dir.resolve(LEDGER).toString());
  }

  private void checkWritable() {
    if (!writable) {
      throw new IllegalStateException("this ledger was opened for reading");
    }
  }

  private static void writeFully(FileChannel c, StringBuilder b) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      c.write(buf);
    }
  }

  /** Forces the directory entry of a rename (POSIX); silently not possible on some systems. */
  private void forceDir() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | RuntimeException notSupported) {
      // The file itself is forced; the rename is durable on the next journal commit of the
      // filesystem.
    }
  }
}
