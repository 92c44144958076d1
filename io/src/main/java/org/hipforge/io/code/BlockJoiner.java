package org.hipforge.io.code;

import static org.hipforge.io.code.CodeText.build;
import static org.hipforge.io.code.CodeText.indexIn;
import static org.hipforge.io.code.CodeText.isBlankChar;
import static org.hipforge.io.code.CodeText.isEol;
import static org.hipforge.io.code.CodeText.isHeaderName;
import static org.hipforge.io.code.CodeText.isPathChar;
import static org.hipforge.io.code.CodeText.lineEnd;
import static org.hipforge.io.code.CodeText.skipBlanks;
import static org.hipforge.io.code.FenceScan.END;
import static org.hipforge.io.code.FenceScan.INDENT;
import static org.hipforge.io.code.FenceScan.OPEN;
import static org.hipforge.io.code.FenceScan.START;
import static org.hipforge.io.code.FenceScan.TAG_START;

/**
 * Decides whether adjacent candidate blocks are one file split up, and joins them (the join rule of
 * {@link CodeExtractor}). Two shapes, both kept narrow so that two versions of one file are never
 * joined:
 *
 * <ul>
 *   <li>a file split in two: the run so far has an {@code #include} and no {@code main}; the next
 *       block has no {@code #include}, does not repeat the run's code (its first code line is not
 *       in it), and brings what the run lacks: {@code main}, or a kernel when the run has none;
 *   <li>a header and the file that includes it: a single header block (an include guard or {@code
 *       #pragma once}, or named {@code *.h}/{@code *.hpp}/... in its fence, first line or the prose
 *       line above it) with no {@code main}, followed by a block that includes it by that name
 *       ({@code #include "kernel.h"}; with no name known, its one local header include). The header
 *       is inlined: that include line becomes a comment.
 * </ul>
 *
 * <p>Confined to one extraction. Its facts ({@link BlockFacts}) are made in block order, so each
 * word's occurrences are searched once over the answer with the vectorised indexOf, never char by
 * char, and never past the next occurrence.
 */
final class BlockJoiner {
  private final String s;
  private final FenceScan blocks;
  private final BlockFacts[] facts;

  // Forward-only cursors of the join facts (-2: not searched yet, -1: none left).
  private int nextHash = -2;
  private int nextMain = -2;
  private int nextGlobal = -2;
  private int nextCr = -2;

  BlockJoiner(String s, FenceScan blocks) {
    this.s = s;
    this.blocks = blocks;
    this.facts = new BlockFacts[blocks.count()];
  }

  /**
   * Whether block {@code next} continues the file of blocks {@code first..last} (adjacent, both
   * counting).
   */
  boolean joins(int first, int last, int next) {
    boolean runHasInclude = false;
    boolean runHasMain = false;
    boolean runHasKernel = false;
    for (int k = first; k <= last; k++) {
      BlockFacts a = fact(k);
      runHasInclude |= a.include;
      runHasMain |= a.main;
      runHasKernel |= a.kernel;
    }
    if (runHasMain) {
      return false;
    }
    BlockFacts b = fact(next); // after the run's: facts are made in block order (see nextHash)
    if (runHasInclude
        && !b.include
        && (b.main || (!runHasKernel && b.kernel))
        && !repeats(b, first, last)) {
      return true;
    }
    if (first != last) {
      return false;
    }
    BlockFacts header = fact(first);
    String name = headerName(first);
    if (name == null && !header.guard) {
      return false;
    }
    String included = b.localInclude(s, name);
    if (included == null) {
      return false;
    }
    b.inlinedHeader = included;
    return true;
  }

  /** The code of blocks first..last as one file ({@code length}: their total, a size hint). */
  String join(int first, int last, int length) {
    StringBuilder code = new StringBuilder(length + 64);
    for (int k = first; k <= last; k++) {
      String inlined = k > first ? facts[k].inlinedHeader : null;
      if (inlined == null) {
        appendBlock(code, blocks.get(k, START), blocks.get(k, END), blocks.get(k, INDENT));
      } else {
        code.append(withoutInclude(blocks.code(k), inlined));
      }
    }
    return code.toString();
  }

  private BlockFacts fact(int k) {
    if (facts[k] == null) {
      facts[k] = facts(blocks.get(k, START), blocks.get(k, END));
    }
    return facts[k];
  }

  /** What joining needs to know about the block from..to ({@link BlockFacts}). */
  private BlockFacts facts(int from, int to) {
    BlockFacts b = new BlockFacts();
    for (nextHash = cursor(nextHash, "#", from);
        nextHash >= 0 && nextHash < to;
        nextHash = s.indexOf('#', nextHash + 1)) {
      if (firstOnLine(nextHash, from)) {
        nextHash = b.directive(s, nextHash, to);
      }
    }
    for (nextMain = cursor(nextMain, "main", from);
        nextMain >= 0 && nextMain + 4 <= to;
        nextMain = s.indexOf("main", nextMain + 4)) {
      if (BlockFacts.isMainAt(s, nextMain, to) && !onCommentLine(nextMain, from)) {
        b.main = true;
        break; // the cursor stays in this block: the next block searches again from its start
      }
    }
    for (nextGlobal = cursor(nextGlobal, "__global__", from);
        nextGlobal >= 0 && nextGlobal + 10 <= to;
        nextGlobal = s.indexOf("__global__", nextGlobal + 10)) {
      if (!onCommentLine(nextGlobal, from)) {
        b.kernel = true;
        break;
      }
    }
    firstCodeLine(b, from, to);
    return b;
  }

  private int cursor(int cursor, String word, int from) {
    return cursor == -1 || cursor >= from ? cursor : s.indexOf(word, from);
  }

  /** Whether only blanks stand between the start of i's line (not before from) and i. */
  private boolean firstOnLine(int i, int from) {
    int a = i;
    while (a > from && isBlankChar(s.charAt(a - 1))) {
      a--;
    }
    return a == from || isEol(s.charAt(a - 1));
  }

  /**
   * Whether i's line (not before from) starts with a comment: {@code //}, {@code /*} or {@code *}.
   */
  private boolean onCommentLine(int i, int from) {
    int a = i;
    while (a > from && !isEol(s.charAt(a - 1))) {
      a--;
    }
    a = skipBlanks(s, a, i);
    char c = s.charAt(a);
    return c == '*'
        || (c == '/' && a + 1 < s.length() && (s.charAt(a + 1) == '/' || s.charAt(a + 1) == '*'));
  }

  /** Sets b's first code line: not blank, not a directive, not a comment. */
  private void firstCodeLine(BlockFacts b, int from, int to) {
    boolean inComment = false;
    int i = from;
    while (i < to) {
      int e = i;
      while (e < to && !isEol(s.charAt(e))) {
        e++;
      }
      int a = skipBlanks(s, i, e);
      int z = e;
      while (z > a && s.charAt(z - 1) <= ' ') {
        z--;
      }
      if (inComment) {
        inComment = indexIn(s, "*/", a, e) < 0;
      } else if (s.startsWith("/*", a) && a + 2 <= e) {
        inComment = indexIn(s, "*/", a + 2, e) < 0;
      } else if (a < z && s.charAt(a) != '#' && !(s.startsWith("//", a) && a + 2 <= e)) {
        b.firstLineFrom = a;
        b.firstLineTo = z;
        return;
      }
      i = e + 1;
    }
  }

  /**
   * Appends the code of a block as {@link CodeText#build} makes it, without the intermediate copy
   * when it can.
   */
  private void appendBlock(StringBuilder sb, int from, int to, int indent) {
    nextCr = cursor(nextCr, "\r", from);
    if (indent != 0 || (nextCr >= 0 && nextCr < to)) {
      sb.append(build(s, from, to, indent));
      return;
    }
    sb.append(s, from, to);
    if (s.charAt(to - 1) != '\n') {
      sb.append('\n');
    }
  }

  /** Whether block {@code b}'s first code line already occurs in blocks first..last (a repeat). */
  private boolean repeats(BlockFacts b, int first, int last) {
    if (b.firstLineFrom < 0) {
      return true; // nothing but comments: nothing to add
    }
    String line = s.substring(b.firstLineFrom, b.firstLineTo);
    for (int k = first; k <= last; k++) {
      if (indexIn(s, line, blocks.get(k, START), blocks.get(k, END)) >= 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The header file name block k is given, or null: a word ending in a header extension in the info
   * string, the block's first line when it is a comment, or the last prose line before it.
   */
  private String headerName(int k) {
    int open = blocks.get(k, OPEN);
    int start = blocks.get(k, START);
    int end = blocks.get(k, END);
    String name = headerWord(blocks.get(k, TAG_START), lineEnd(s, open));
    if (name == null) {
      int firstEnd = lineEnd(s, start);
      int f = skipBlanks(s, start, firstEnd);
      if (f + 1 < firstEnd
          && s.charAt(f) == '/'
          && (s.charAt(f + 1) == '/' || s.charAt(f + 1) == '*')) {
        name = headerWord(f, Math.min(firstEnd, end));
      }
    }
    if (name == null && open > 0) {
      // The last non-blank line above the fence, when it is prose (not another block's fence).
      int e = open;
      while (e > 0 && s.charAt(e - 1) <= ' ') {
        e--;
      }
      int b = e;
      while (b > 0 && !isEol(s.charAt(b - 1))) {
        b--;
      }
      int text = skipBlanks(s, b, e);
      if (e > b && !s.startsWith("```", text) && !s.startsWith("~~~", text)) {
        name = headerWord(b, e);
      }
    }
    return name;
  }

  /** The last word in from..to that names a header file ({@code kernel.h}, {@code "util.hpp"}). */
  private String headerWord(int from, int to) {
    String found = null;
    int i = from;
    while (i < to) {
      while (i < to && !isPathChar(s.charAt(i))) {
        i++;
      }
      int w = i;
      while (i < to && isPathChar(s.charAt(i))) {
        i++;
      }
      int e = i;
      while (e > w && s.charAt(e - 1) == '.') {
        e--; // a sentence's full stop
      }
      if (e > w && isHeaderName(s, w, e)) {
        found = s.substring(w, e);
      }
    }
    return found;
  }

  /**
   * {@code code} with the line {@code #include "inc"} turned into a comment (the header is above).
   */
  private static String withoutInclude(String code, String inc) {
    String quoted = "\"" + inc + "\"";
    int at = code.indexOf(quoted);
    while (at >= 0) {
      int lineStart = code.lastIndexOf('\n', at) + 1;
      int lineEnd = code.indexOf('\n', at);
      String line = code.substring(lineStart, lineEnd < 0 ? code.length() : lineEnd);
      String t = line.strip();
      if (t.startsWith("#") && t.substring(1).strip().startsWith("include")) {
        return code.substring(0, lineStart)
            + "// "
            + t
            + " (inlined above)"
            + code.substring(lineEnd < 0 ? code.length() : lineEnd);
      }
      at = code.indexOf(quoted, at + 1);
    }
    return code;
  }
}
