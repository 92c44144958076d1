package org.hipforge.transforms.pending;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.hipforge.io.jsonl.FlatLineScanner;
import org.hipforge.io.record.ManifestEntry;
import org.hipforge.io.record.StateRecord;
import org.hipforge.io.state.PendingRule;

/**
 * A batch of manifest entries or of slim state records whose ids hash to one bucket, already in
 * their compact binary form; the one place that defines that form.
 *
 * <p>The anti-join shuffles these batches instead of single records: a few thousand large elements
 * cross the engine instead of millions of small ones (the per-element cost of a Beam runner dwarfs
 * the per-record work here), and the readers write each parsed line's fields straight into a batch,
 * so no record object is made before the shuffle. A state record keeps only what the pending
 * decision needs. SHA-256 hex strings travel as their 32 bytes.
 *
 * <pre>
 * batch:          {@code manifest} says which of the two kinds all {@code count} entries are
 * manifest entry: varlong id, zigzag bytes, string file_name, sha
 * state record:   varlong id, byte flags (1 = pass), zigzag finished_at, zigzag attempts,
 *                 string file_name, sha (source_sha256), nullable string run_id
 * varlong/varint: Beam's {@link org.apache.beam.sdk.util.VarInt}
 * string:         varint length + 1, UTF-8 (0 would be null: only run_id may be)
 * sha:            byte 0 = null | 1 + 32 bytes (64 lowercase hex digits) | 2 + string (anything else)
 * </pre>
 */
@SuppressWarnings("ArrayRecordComponent") // the batch is its bytes; batches are never compared
record BucketBatch(boolean manifest, int count, byte[] bytes) {
  static final int PASS = 1;
  static final int SHA_NULL = 0;
  static final int SHA_HEX = 1;
  static final int SHA_TEXT = 2;

  /** The value of each lowercase hex digit byte; -1 for every other byte. */
  private static final int[] HEX = new int[256];

  static {
    Arrays.fill(HEX, -1);
    for (int c = '0'; c <= '9'; c++) {
      HEX[c] = c - '0';
    }
    for (int c = 'a'; c <= 'f'; c++) {
      HEX[c] = c - 'a' + 10;
    }
  }

  // ---- writing ----

  /** Appends a scanned manifest line's entry. */
  static void writeManifest(ByteSink out, FlatLineScanner.ManifestFields f) {
    out.writeVarLong(f.id);
    out.writeZigZag(f.bytes);
    out.writeString(f.line, f.fileNameFrom, f.fileNameTo);
    writeSha(out, f.line, f.sha256From, f.sha256To);
  }

  /** Appends an entry read by Jackson: the same bytes as the scanned line's. */
  static void writeManifest(ByteSink out, ManifestEntry e) {
    out.writeVarLong(e.id());
    out.writeZigZag(e.bytes());
    writeText(out, e.fileName());
    writeSha(out, e.sha256());
  }

  /** Appends a scanned state line's slim record. */
  static void writeState(ByteSink out, FlatLineScanner.StateFields f) {
    out.writeVarLong(f.id);
    out.write(f.pass ? PASS : 0);
    out.writeZigZag(f.finishedAtMillis);
    out.writeZigZag(f.attempts);
    out.writeString(f.line, f.fileNameFrom, f.fileNameTo);
    writeSha(out, f.line, f.sourceSha256From, f.sourceSha256To);
    if (f.runIdFrom < 0) {
      out.write(0); // null
    } else {
      out.writeString(f.line, f.runIdFrom, f.runIdTo);
    }
  }

  /** Appends a record read by Jackson: the same bytes as the scanned line's. */
  static void writeState(ByteSink out, StateRecord r) {
    out.writeVarLong(r.id());
    out.write(r.pass() ? PASS : 0);
    out.writeZigZag(r.finishedAtMillis());
    out.writeZigZag(r.attempts());
    writeText(out, r.fileName());
    writeSha(out, r.sourceSha256());
    writeText(out, r.runId());
  }

  private static void writeText(ByteSink out, String s) {
    if (s == null) {
      out.write(0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeString(b, 0, b.length);
  }

  private static void writeSha(ByteSink out, String sha) {
    if (sha == null) {
      out.write(SHA_NULL);
      return;
    }
    byte[] b = sha.getBytes(StandardCharsets.UTF_8);
    writeSha(out, b, 0, b.length);
  }

  private static void writeSha(ByteSink out, byte[] b, int from, int to) {
    if (from < 0) {
      out.write(SHA_NULL);
      return;
    }
    if (to - from == 64) {
      int bad = 0;
      for (int i = from; i < to; i++) {
        bad |= HEX[b[i] & 0xFF]; // -1 (all bits) for anything but 0-9a-f
      }
      if (bad >= 0) {
        out.write(SHA_HEX);
        for (int i = from; i < to; i += 2) {
          out.write((HEX[b[i] & 0xFF] << 4) | HEX[b[i + 1] & 0xFF]);
        }
        return;
      }
    }
    out.write(SHA_TEXT);
    out.writeString(b, from, to);
  }

  // ---- reading ----

  /**
   * One decoded entry or record, read in place: its strings are ranges of the batch's bytes, so
   * reading a record allocates nothing. A reader that keeps a view reads the next one into another.
   */
  static final class View {
    byte[] buf;
    long id;
    long bytes; // manifest only
    boolean pass; // state only
    long finishedAtMillis; // state only
    int attempts; // state only
    int nameFrom;
    int nameLen;
    int shaKind;
    int shaFrom;
    int shaLen;
    int runIdFrom = -1; // state only; -1 = null
    int runIdLen;

    String fileName() {
      return new String(buf, nameFrom, nameLen, StandardCharsets.UTF_8);
    }

    String sha() {
      if (shaKind == SHA_NULL) {
        return null;
      }
      if (shaKind == SHA_TEXT) {
        return new String(buf, shaFrom, shaLen, StandardCharsets.UTF_8);
      }
      char[] hex = new char[64];
      for (int i = 0; i < 32; i++) {
        int v = buf[shaFrom + i] & 0xFF;
        hex[2 * i] = Character.forDigit(v >>> 4, 16);
        hex[2 * i + 1] = Character.forDigit(v & 0xF, 16);
      }
      return new String(hex);
    }

    String runId() {
      return runIdFrom < 0 ? null : new String(buf, runIdFrom, runIdLen, StandardCharsets.UTF_8);
    }

    boolean sameFileName(View o) {
      return Arrays.equals(
          buf, nameFrom, nameFrom + nameLen, o.buf, o.nameFrom, o.nameFrom + o.nameLen);
    }

    /** The source changed ({@link PendingRule#sourceChanged}): both hashes known and different. */
    boolean shaDiffers(View o) {
      boolean known = shaKind != SHA_NULL && o.shaKind != SHA_NULL;
      return PendingRule.sourceChanged(
          shaKind != SHA_NULL,
          o.shaKind != SHA_NULL,
          known
              && shaKind == o.shaKind
              && Arrays.equals(
                  buf, shaFrom, shaFrom + shaLen, o.buf, o.shaFrom, o.shaFrom + o.shaLen));
    }

    ManifestEntry toManifestEntry() {
      return new ManifestEntry(id, fileName(), bytes, sha());
    }
  }

  /** Reads the next manifest entry of {@code in} into {@code v}. */
  static void readManifest(ByteSource in, byte[] buf, View v) throws IOException {
    v.buf = buf;
    v.id = in.readVarLong();
    v.bytes = in.readZigZag();
    readName(in, v);
    readSha(in, v);
  }

  /** Reads the next state record of {@code in} into {@code v}. */
  static void readState(ByteSource in, byte[] buf, View v) throws IOException {
    v.buf = buf;
    v.id = in.readVarLong();
    v.pass = (in.readUnsignedByte() & PASS) != 0;
    v.finishedAtMillis = in.readZigZag();
    v.attempts = (int) in.readZigZag();
    readName(in, v);
    readSha(in, v);
    int n = in.readVarInt();
    if (n == 0) {
      v.runIdFrom = -1;
      v.runIdLen = 0;
    } else {
      v.runIdFrom = in.position();
      v.runIdLen = n - 1;
      in.skipExactly(n - 1);
    }
  }

  private static void readName(ByteSource in, View v) throws IOException {
    v.nameLen = in.readVarInt() - 1;
    v.nameFrom = in.position();
    in.skipExactly(v.nameLen);
  }

  private static void readSha(ByteSource in, View v) throws IOException {
    v.shaKind = in.readUnsignedByte();
    if (v.shaKind == SHA_HEX) {
      v.shaFrom = in.position();
      v.shaLen = 32;
      in.skipExactly(32);
    } else if (v.shaKind == SHA_TEXT) {
      v.shaLen = in.readVarInt() - 1;
      v.shaFrom = in.position();
      in.skipExactly(v.shaLen);
    } else if (v.shaKind == SHA_NULL) {
      v.shaFrom = 0;
      v.shaLen = 0;
    } else {
      throw new IOException("corrupt batch: sha kind " + v.shaKind);
    }
  }
}
