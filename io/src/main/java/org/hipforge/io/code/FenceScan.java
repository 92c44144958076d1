package org.hipforge.io.code;

import static org.hipforge.io.code.CodeText.afterEol;
import static org.hipforge.io.code.CodeText.isBlank;
import static org.hipforge.io.code.CodeText.isBlankChar;
import static org.hipforge.io.code.CodeText.isEol;

import java.util.Arrays;
import java.util.Locale;

/**
 * The fenced blocks of one answer (CommonMark fence rules, see {@link CodeExtractor}) that may hold
 * the code: C++-tagged and untagged blocks that are not blank, in order, with the kind of their
 * tag. One forward pass that jumps from fence candidate to fence candidate with {@link
 * String#indexOf(String, int)}; confined to one extraction.
 */
final class FenceScan {
  /** Kinds of fenced block, by their info string. */
  static final int OTHER = 0;

  static final int CPP = 1;
  static final int UNTAGGED = 2;

  private static final String[] CPP_TAGS = {
    "hip", "cpp", "c++", "cuda", "cu", "c", "cc", "cxx", "h", "hpp", "cuh", "hh", "hxx"
  };

  // The fields of a candidate block, flattened into one int array to keep allocation to one small
  // array; read with get(k, field).
  /** Where the block's content starts. */
  static final int START = 0;

  /** Where its content ends: the start of its closing fence's line, or the end of the answer. */
  static final int END = 1;

  /** How many spaces its opening fence was indented (removed from its lines). */
  static final int INDENT = 2;

  /** {@link #CPP} or {@link #UNTAGGED}. */
  static final int KIND = 3;

  /** 1 when it has no closing fence (a truncated answer), else 0. */
  static final int UNTERMINATED = 4;

  /** Where its tag starts in its info string (its end: TAG_END). */
  static final int TAG_START = 5;

  static final int TAG_END = 6;

  /** Its number among all fences (1, 2, ...): blocks of consecutive numbers are adjacent. */
  static final int FENCE = 7;

  /** Where its opening fence's line starts. */
  static final int OPEN = 8;

  private static final int FIELDS = 9;

  private final String s;
  private final int n;

  /**
   * Next known "```" / "~~~" at or after the search point; -2 = not searched yet, -1 = none left.
   */
  private int nextBacktick = -2;

  private int nextTilde = -2;

  // Outputs of isOpening / isClosing, read right after a true result.
  private int openIndent;
  private int openLineEnd;
  private int closeLineStart;
  private int closeLineEnd;
  // Outputs of kindOf: the tag's bounds in s.
  private int tagStart;
  private int tagEnd;

  // Room for 4 candidates: answers rarely have more than 2 C++ or untagged blocks; it grows if
  // needed.
  private int[] cands = new int[4 * FIELDS];
  private int count;
  private int fences;
  private int blankBlocks;

  private FenceScan(String s) {
    this.s = s;
    this.n = s.length();
  }

  /** Scans {@code s} for its fences and candidate blocks. */
  static FenceScan of(String s) {
    FenceScan f = new FenceScan(s);
    f.run();
    return f;
  }

  /** How many fences the answer has, of any language. */
  int fences() {
    return fences;
  }

  /** How many C++ or untagged blocks were left out for being blank. */
  int blankBlocks() {
    return blankBlocks;
  }

  /** How many candidate blocks there are. */
  int count() {
    return count;
  }

  /** Field {@code field} ({@link #START}, {@link #END}, ...) of candidate block k. */
  int get(int k, int field) {
    return cands[k * FIELDS + field];
  }

  /** Block k's code on its own: {@link CodeText#build} of its content. */
  String code(int k) {
    return CodeText.build(s, get(k, START), get(k, END), get(k, INDENT));
  }

  /** How block k was located. */
  ExtractedCode.Origin origin(int k) {
    return cands[k * FIELDS + UNTERMINATED] == 1
        ? ExtractedCode.Origin.UNTERMINATED_FENCE
        : ExtractedCode.Origin.FENCED;
  }

  /** The lower-cased tag of block k; a known tag is returned as its constant (no allocation). */
  String language(int k) {
    int from = cands[k * FIELDS + TAG_START];
    int len = cands[k * FIELDS + TAG_END] - from;
    for (String tag : CPP_TAGS) {
      if (tag.length() == len && s.regionMatches(true, from, tag, 0, len)) {
        return tag;
      }
    }
    return s.substring(from, from + len).toLowerCase(Locale.ROOT);
  }

  private void run() {
    int pos = 0;
    while (pos < n) {
      int q = nextFence(pos, '\0');
      if (q < 0) {
        break;
      }
      char c = s.charAt(q);
      int runEnd = runEnd(q, c);
      if (!isOpening(q, c, runEnd)) {
        // Not a fence (inline code, too indented): skip the whole run so its tail is not retried.
        pos = runEnd;
        continue;
      }
      fences++;
      int need = runEnd - q;
      int indent = openIndent;
      int lineEnd = openLineEnd;
      int kind = kindOf(runEnd, lineEnd);
      int contentStart = afterEol(s, lineEnd);
      int closeEnd = findClosing(contentStart, c, need);
      boolean unterminated = closeEnd < 0;
      int contentEnd = unterminated ? n : closeLineStart;
      if (kind != OTHER) {
        if (isBlank(s, contentStart, contentEnd)) {
          blankBlocks++;
        } else {
          add(contentStart, contentEnd, indent, kind, unterminated, q - indent);
        }
      }
      if (unterminated) {
        break;
      }
      pos = closeEnd;
    }
  }

  /**
   * Index of the next "```" or "~~~" at or after {@code from}, or -1; {@code only} restricts the
   * char.
   */
  private int nextFence(int from, char only) {
    if (only != '~' && nextBacktick != -1 && nextBacktick < from) {
      nextBacktick = s.indexOf("```", from);
    }
    if (only != '`' && nextTilde != -1 && nextTilde < from) {
      nextTilde = s.indexOf("~~~", from);
    }
    if (only == '`') {
      return nextBacktick;
    }
    if (only == '~') {
      return nextTilde;
    }
    if (nextBacktick < 0) {
      return nextTilde;
    }
    return nextTilde < 0 ? nextBacktick : Math.min(nextBacktick, nextTilde);
  }

  private int runEnd(int q, char c) {
    int i = q;
    while (i < n && s.charAt(i) == c) {
      i++;
    }
    return i;
  }

  /** Whether the run at q..runEnd opens a block; sets openIndent and openLineEnd. */
  private boolean isOpening(int q, char c, int runEnd) {
    int i = q;
    int spaces = 0;
    while (i > 0 && s.charAt(i - 1) == ' ') {
      // CommonMark: 4 spaces of indentation make an indented code block, not a fence.
      if (++spaces > 3) {
        return false;
      }
      i--;
    }
    if (i > 0 && !isEol(s.charAt(i - 1))) {
      return false;
    }
    int e = runEnd;
    while (e < n) {
      char ch = s.charAt(e);
      if (isEol(ch)) {
        break;
      }
      if (c == '`' && ch == '`') {
        return false;
      }
      e++;
    }
    openIndent = spaces;
    openLineEnd = e;
    return true;
  }

  /**
   * Finds the closing fence of a block of char c opened with need chars, from contentStart; returns
   * the index after the closing line (its terminator excluded) and sets closeLineStart, or -1.
   */
  private int findClosing(int contentStart, char c, int need) {
    int p = contentStart;
    while (p < n) {
      int q = nextFence(p, c);
      if (q < 0) {
        return -1;
      }
      int runEnd = runEnd(q, c);
      if (runEnd - q >= need && isClosing(q, runEnd)) {
        return closeLineEnd;
      }
      p = runEnd;
    }
    return -1;
  }

  /** Whether the run q..runEnd stands alone on its line (blanks around it are fine). */
  private boolean isClosing(int q, int runEnd) {
    int i = q;
    while (i > 0 && isBlankChar(s.charAt(i - 1))) {
      i--;
    }
    if (i > 0 && !isEol(s.charAt(i - 1))) {
      return false;
    }
    int j = runEnd;
    while (j < n && isBlankChar(s.charAt(j))) {
      j++;
    }
    if (j < n && !isEol(s.charAt(j))) {
      return false;
    }
    closeLineStart = i;
    closeLineEnd = j;
    return true;
  }

  /** Classifies the info string in from..to and remembers the tag's bounds. */
  private int kindOf(int from, int to) {
    int i = from;
    while (i < to && isBlankChar(s.charAt(i))) {
      i++;
    }
    // Pandoc style "{.cpp}" carries the same tag.
    if (i < to && s.charAt(i) == '{') {
      i++;
    }
    if (i < to && s.charAt(i) == '.') {
      i++;
    }
    int start = i;
    while (i < to && !isTagEnd(s.charAt(i))) {
      i++;
    }
    tagStart = start;
    tagEnd = i;
    if (start == i) {
      return UNTAGGED;
    }
    // A file name such as "vector_add.hip" is classified by its extension.
    // (A bounded backward loop, not lastIndexOf, which would run on to the start of the response.)
    int word = start;
    for (int d = i - 2; d >= start; d--) {
      if (s.charAt(d) == '.') {
        word = d + 1;
        break;
      }
    }
    int len = i - word;
    for (String tag : CPP_TAGS) {
      if (tag.length() == len && s.regionMatches(true, word, tag, 0, len)) {
        return CPP;
      }
    }
    return OTHER;
  }

  private void add(int start, int end, int indent, int kind, boolean unterminated, int open) {
    int base = count * FIELDS;
    if (base + FIELDS > cands.length) {
      cands = Arrays.copyOf(cands, cands.length * 2);
    }
    cands[base + START] = start;
    cands[base + END] = end;
    cands[base + INDENT] = indent;
    cands[base + KIND] = kind;
    cands[base + UNTERMINATED] = unterminated ? 1 : 0;
    cands[base + TAG_START] = tagStart;
    cands[base + TAG_END] = tagEnd;
    cands[base + FENCE] = fences;
    cands[base + OPEN] = open;
    count++;
  }

  private static boolean isTagEnd(char c) {
    return c <= ' ' || c == '{' || c == '}' || c == ',' || c == ';' || c == ':' || c == '='
        || c == '`';
  }
}
