package org.hipforge.io.code;

import java.util.Arrays;
import java.util.Locale;

/**
 * Finds the HIP source file in an LLM's markdown answer, following CommonMark fence rules with a
 * preference for the block that holds the kernel.
 *
 * <p>{@code ExtractedCode r = CodeExtractor.extract(response); if (r.isPresent()) write(r.code());}
 *
 * <p>Rules, in order:
 *
 * <ul>
 *   <li>Fences are runs of 3 or more {@code `} or {@code ~}, indented at most 3 spaces; a block is
 *       closed by a run of the same character at least as long, with only blanks around it (any
 *       indentation is accepted, LLMs indent closing fences inconsistently). A backtick fence's info
 *       string may not contain a backtick, so {@code ```x```} at a line start is inline code.
 *   <li>Blocks tagged hip, cpp, c++, cuda, cu, c, cc, cxx, h, hpp (also cuh, hh, hxx, and a file name
 *       with one of those extensions) are C++ blocks, case-insensitively; the tag is the first word
 *       of the info string. Untagged blocks count only if they look like C++ source (inside a fence
 *       the lines of a block comment weigh as code: a long license comment is part of the file).
 *       Every other tag
 *       (bash, json, python, ...) is never picked.
 *   <li>Adjacent blocks that count (no other fence between them) are joined into one file when
 *       they are one file split up: a block with includes and no {@code main} followed by blocks
 *       without includes that bring {@code main} (or the kernel), or a header (include guard,
 *       {@code #pragma once}, or a {@code *.h}-like name in its fence, first comment line or the
 *       prose line above) followed by the block that includes it, whose include line becomes a
 *       comment. A block that repeats code of the blocks before it is never joined to them
 *       ({@link ExtractedCode#blocks()} says how many were joined).
 *   <li>Among the candidates (single or joined blocks), those holding a kernel ({@code __global__},
 *       {@code <<<}, {@code hipMalloc}, {@code hipLaunchKernel}, {@code hip/hip_runtime}) win, then
 *       C++ blocks, then untagged ones; the largest wins within a rank, the first on a tie. Blank
 *       blocks never count.
 *   <li>An unclosed last fence runs to the end of the response (a truncated answer).
 *   <li>With no fence at all the whole trimmed response is the code if it looks like C++ source (a
 *       marker such as {@code #include} or {@code __global__}, braces and semicolons, and no more
 *       prose lines than code lines).
 * </ul>
 *
 * <p>The code always has {@code \n} line endings, ends with {@code \n}, and loses the indentation its
 * opening fence had (as CommonMark does). Failures have category {@link ExtractedCode#NO_CODE}.
 * Never throws: any string, or null, gives a result.
 *
 * <p>Speed: one forward pass that jumps from fence candidate to fence candidate with {@link
 * String#indexOf(String, int)} (a vectorised JVM intrinsic), so in the common answer (one C++ block,
 * maybe beside shell ones) prose and code are never looked at char by char; the C++-likeness and
 * kernel checks scan a block only when there is a choice to make, and every block at most once (the
 * join checks once more, only for answers with several blocks). The only copy is the chosen block,
 * usually as one {@code substring}. Stateless and thread-safe.
 */
public final class CodeExtractor {

  private CodeExtractor() {}

  /** Returns the HIP source in {@code response}, or a {@link ExtractedCode#NO_CODE} failure; never throws. */
  public static ExtractedCode extract(String response) {
    if (response == null) {
      return ExtractedCode.noCode("response is null");
    }
    return new Scan(response).run();
  }

  /** Kinds of fenced block, by their info string. */
  private static final int OTHER = 0;

  private static final int CPP = 1;
  private static final int UNTAGGED = 2;

  /** Selection ranks; higher wins. */
  private static final int RANK_UNTAGGED = 1;

  private static final int RANK_CPP = 2;
  private static final int RANK_KERNEL = 3;

  private static final String[] CPP_TAGS = {
    "hip", "cpp", "c++", "cuda", "cu", "c", "cc", "cxx", "h", "hpp", "cuh", "hh", "hxx"
  };

  /** Per-candidate fields, flattened into one int array to keep allocation to one small array. */
  private static final int F_START = 0;

  private static final int F_END = 1;
  private static final int F_INDENT = 2;
  private static final int F_KIND = 3;
  private static final int F_UNTERMINATED = 4;
  private static final int F_TAG_START = 5;
  private static final int F_TAG_END = 6;
  /** The block's number among all fences (1, 2, ...): blocks of consecutive numbers are adjacent. */
  private static final int F_FENCE = 7;
  /** Where the opening fence's line starts. */
  private static final int F_OPEN = 8;
  private static final int FIELDS = 9;

  /** The state of one extraction; confined to one call, which is what makes the class thread-safe. */
  private static final class Scan {
    private final String s;
    private final int n;

    /** Next known "```" / "~~~" at or after the search point; -2 = not searched yet, -1 = none left. */
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

    // Room for 4 candidates: answers rarely have more than 2 C++ or untagged blocks; it grows if needed.
    private int[] cands = new int[4 * FIELDS];
    private int count;
    private int fences;
    private int blankBlocks;

    Scan(String s) {
      this.s = s;
      this.n = s.length();
    }

    ExtractedCode run() {
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
        int contentStart = afterEol(lineEnd);
        int closeEnd = findClosing(contentStart, c, need);
        boolean unterminated = closeEnd < 0;
        int contentEnd = unterminated ? n : closeLineStart;
        if (kind != OTHER) {
          if (isBlank(contentStart, contentEnd)) {
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
      if (fences == 0) {
        return unfenced();
      }
      return choose();
    }

    /** Index of the next "```" or "~~~" at or after {@code from}, or -1; {@code only} restricts the char. */
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
      cands[base + F_START] = start;
      cands[base + F_END] = end;
      cands[base + F_INDENT] = indent;
      cands[base + F_KIND] = kind;
      cands[base + F_UNTERMINATED] = unterminated ? 1 : 0;
      cands[base + F_TAG_START] = tagStart;
      cands[base + F_TAG_END] = tagEnd;
      cands[base + F_FENCE] = fences;
      cands[base + F_OPEN] = open;
      count++;
    }

    private ExtractedCode choose() {
      if (count == 1 && cands[F_KIND] == CPP) {
        // The common answer: one C++ block, maybe beside shell ones; nothing to compare or join.
        return single(0);
      }
      // Which blocks count, and their rank: C++ or C++-looking, kernel first.
      int[] rank = new int[count];
      for (int k = 0; k < count; k++) {
        int base = k * FIELDS;
        int start = cands[base + F_START];
        int end = cands[base + F_END];
        boolean cpp = cands[base + F_KIND] == CPP;
        if (cpp || looksLikeCpp(start, end, true)) {
          rank[k] = holdsKernel(start, end) ? RANK_KERNEL : cpp ? RANK_CPP : RANK_UNTAGGED;
        }
      }
      // Runs of adjacent blocks that form one file are one candidate; the best candidate wins.
      int bestFirst = -1;
      int bestLast = -1;
      int bestRank = 0;
      int bestLen = -1;
      Block[] facts = new Block[count];
      for (int k = 0; k < count; ) {
        if (rank[k] == 0) {
          k++;
          continue;
        }
        int last = k;
        int groupRank = rank[k];
        int len = cands[k * FIELDS + F_END] - cands[k * FIELDS + F_START];
        while (last + 1 < count && rank[last + 1] > 0
            && cands[(last + 1) * FIELDS + F_FENCE] == cands[last * FIELDS + F_FENCE] + 1
            && joins(facts, k, last, last + 1)) {
          last++;
          groupRank = Math.max(groupRank, rank[last]);
          len += cands[last * FIELDS + F_END] - cands[last * FIELDS + F_START];
        }
        if (groupRank > bestRank || (groupRank == bestRank && len > bestLen)) {
          bestFirst = k;
          bestLast = last;
          bestRank = groupRank;
          bestLen = len;
        }
        k = last + 1;
      }
      if (bestFirst < 0) {
        if (count > 0) {
          return ExtractedCode.noCode("no C++ code block; the untagged blocks do not look like C++");
        }
        if (blankBlocks > 0) {
          return ExtractedCode.noCode("every C++ or untagged code block is empty");
        }
        return ExtractedCode.noCode("no C++ code block; the fenced blocks are in other languages");
      }
      if (bestFirst == bestLast) {
        return single(bestFirst);
      }
      StringBuilder code = new StringBuilder(bestLen + 64);
      for (int k = bestFirst; k <= bestLast; k++) {
        int base = k * FIELDS;
        String inlined = k > bestFirst ? facts[k].inlinedHeader : null;
        if (inlined == null) {
          appendBlock(code, cands[base + F_START], cands[base + F_END], cands[base + F_INDENT]);
        } else {
          code.append(withoutInclude(build(cands[base + F_START], cands[base + F_END], cands[base + F_INDENT]),
              inlined));
        }
      }
      int base = bestLast * FIELDS;
      return ExtractedCode.of(
          code.toString(),
          language(cands[base + F_TAG_START], cands[base + F_TAG_END]),
          cands[base + F_UNTERMINATED] == 1
              ? ExtractedCode.Origin.UNTERMINATED_FENCE
              : ExtractedCode.Origin.FENCED,
          bestLast - bestFirst + 1);
    }

    private ExtractedCode single(int k) {
      int base = k * FIELDS;
      String code = build(cands[base + F_START], cands[base + F_END], cands[base + F_INDENT]);
      String language = language(cands[base + F_TAG_START], cands[base + F_TAG_END]);
      return ExtractedCode.of(
          code,
          language,
          cands[base + F_UNTERMINATED] == 1
              ? ExtractedCode.Origin.UNTERMINATED_FENCE
              : ExtractedCode.Origin.FENCED);
    }

    /**
     * Whether block {@code next} continues the file of blocks {@code first..last} (adjacent, both
     * counting). Two shapes, both kept narrow so that two versions of one file are never joined:
     *
     * <ul>
     *   <li>a file split in two: the run so far has an {@code #include} and no {@code main}; the next
     *       block has no {@code #include}, does not repeat the run's code (its first code line is
     *       not in it), and brings what the run lacks: {@code main}, or a kernel when the run has none;
     *   <li>a header and the file that includes it: a single header block (an include guard or
     *       {@code #pragma once}, or named {@code *.h}/{@code *.hpp}/... in its fence, first line or
     *       the prose line above it) with no {@code main}, followed by a block that includes it by
     *       that name ({@code #include "kernel.h"}; with no name known, its one local header
     *       include). The header is inlined: that include line becomes a comment.
     * </ul>
     */
    private boolean joins(Block[] facts, int first, int last, int next) {
      boolean runHasInclude = false;
      boolean runHasMain = false;
      boolean runHasKernel = false;
      for (int k = first; k <= last; k++) {
        Block a = fact(facts, k);
        runHasInclude |= a.include;
        runHasMain |= a.main;
        runHasKernel |= a.kernel;
      }
      if (runHasMain) {
        return false;
      }
      Block b = fact(facts, next); // after the run's: facts are made in block order (see nextHash)
      if (runHasInclude && !b.include && (b.main || (!runHasKernel && b.kernel))
          && !repeats(b, first, last)) {
        return true;
      }
      if (first != last) {
        return false;
      }
      Block header = fact(facts, first);
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

    private Block fact(Block[] facts, int k) {
      if (facts[k] == null) {
        facts[k] = facts(cands[k * FIELDS + F_START], cands[k * FIELDS + F_END]);
      }
      return facts[k];
    }

    // Forward-only cursors of the join facts (-2: not searched yet, -1: none left). Facts are made in
    // block order, so each word's occurrences are searched once over the answer with the vectorised
    // indexOf, never char by char, and never past the next occurrence.
    private int nextHash = -2;
    private int nextMain = -2;
    private int nextGlobal = -2;
    private int nextCr = -2;

    private int cursor(int cursor, String word, int from) {
      return cursor == -1 || cursor >= from ? cursor : s.indexOf(word, from);
    }

    /** What joining needs to know about the block from..to ({@link Block}). */
    private Block facts(int from, int to) {
      Block b = new Block();
      for (nextHash = cursor(nextHash, "#", from); nextHash >= 0 && nextHash < to;
          nextHash = s.indexOf('#', nextHash + 1)) {
        if (firstOnLine(nextHash, from)) {
          nextHash = b.directive(s, nextHash, to);
        }
      }
      for (nextMain = cursor(nextMain, "main", from); nextMain >= 0 && nextMain + 4 <= to;
          nextMain = s.indexOf("main", nextMain + 4)) {
        if (Block.isMainAt(s, nextMain, to) && !onCommentLine(nextMain, from)) {
          b.main = true;
          break; // the cursor stays in this block: the next block searches again from its start
        }
      }
      for (nextGlobal = cursor(nextGlobal, "__global__", from); nextGlobal >= 0 && nextGlobal + 10 <= to;
          nextGlobal = s.indexOf("__global__", nextGlobal + 10)) {
        if (!onCommentLine(nextGlobal, from)) {
          b.kernel = true;
          break;
        }
      }
      firstCodeLine(b, from, to);
      return b;
    }

    /** Whether only blanks stand between the start of i's line (not before from) and i. */
    private boolean firstOnLine(int i, int from) {
      int a = i;
      while (a > from && isBlankChar(s.charAt(a - 1))) {
        a--;
      }
      return a == from || isEol(s.charAt(a - 1));
    }

    /** Whether i's line (not before from) starts with a comment: {@code //}, {@code /*} or {@code *}. */
    private boolean onCommentLine(int i, int from) {
      int a = i;
      while (a > from && !isEol(s.charAt(a - 1))) {
        a--;
      }
      a = skipBlanks(a, i);
      char c = s.charAt(a);
      return c == '*' || (c == '/' && a + 1 < n && (s.charAt(a + 1) == '/' || s.charAt(a + 1) == '*'));
    }

    /** Sets b's first code line: not blank, not a directive, not a comment. */
    private void firstCodeLine(Block b, int from, int to) {
      boolean inComment = false;
      int i = from;
      while (i < to) {
        int e = i;
        while (e < to && !isEol(s.charAt(e))) {
          e++;
        }
        int a = skipBlanks(i, e);
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

    /** Appends the code of a block as {@link #build} makes it, without the intermediate copy when it can. */
    private void appendBlock(StringBuilder sb, int from, int to, int indent) {
      nextCr = cursor(nextCr, "\r", from);
      if (indent != 0 || (nextCr >= 0 && nextCr < to)) {
        sb.append(build(from, to, indent));
        return;
      }
      sb.append(s, from, to);
      if (s.charAt(to - 1) != '\n') {
        sb.append('\n');
      }
    }

    /** Whether block {@code b}'s first code line already occurs in blocks first..last (a repeat). */
    private boolean repeats(Block b, int first, int last) {
      if (b.firstLineFrom < 0) {
        return true; // nothing but comments: nothing to add
      }
      String line = s.substring(b.firstLineFrom, b.firstLineTo);
      for (int k = first; k <= last; k++) {
        int from = cands[k * FIELDS + F_START];
        int to = cands[k * FIELDS + F_END];
        if (indexIn(s, line, from, to) >= 0) {
          return true;
        }
      }
      return false;
    }

    /**
     * The header file name block k is given, or null: a word ending in a header extension in the
     * info string, the block's first line when it is a comment, or the last prose line before it.
     */
    private String headerName(int k) {
      int base = k * FIELDS;
      int open = cands[base + F_OPEN];
      int start = cands[base + F_START];
      int end = cands[base + F_END];
      String name = headerWord(cands[base + F_TAG_START], lineEnd(open));
      if (name == null) {
        int firstEnd = lineEnd(start);
        int f = start;
        while (f < firstEnd && isBlankChar(s.charAt(f))) {
          f++;
        }
        if (f + 1 < firstEnd && s.charAt(f) == '/' && (s.charAt(f + 1) == '/' || s.charAt(f + 1) == '*')) {
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
        if (e > b && !s.startsWith("```", skipBlanks(b, e)) && !s.startsWith("~~~", skipBlanks(b, e))) {
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

    private int lineEnd(int from) {
      int e = from;
      while (e < n && !isEol(s.charAt(e))) {
        e++;
      }
      return e;
    }

    private int skipBlanks(int from, int to) {
      int i = from;
      while (i < to && isBlankChar(s.charAt(i))) {
        i++;
      }
      return i;
    }

    /** The lower-cased tag; a known tag is returned as its constant, saving two allocations per call. */
    private String language(int from, int to) {
      int len = to - from;
      for (String tag : CPP_TAGS) {
        if (tag.length() == len && s.regionMatches(true, from, tag, 0, len)) {
          return tag;
        }
      }
      return s.substring(from, to).toLowerCase(Locale.ROOT);
    }

    private ExtractedCode unfenced() {
      int a = 0;
      int b = n;
      while (a < b && s.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && s.charAt(b - 1) <= ' ') {
        b--;
      }
      if (a == b) {
        return ExtractedCode.noCode("response is empty");
      }
      if (!looksLikeCpp(a, b, false)) {
        return ExtractedCode.noCode("no code fence and the text does not look like C++ source");
      }
      return ExtractedCode.of(build(a, b, 0), "", ExtractedCode.Origin.UNFENCED);
    }

    /** Copies from..to with \n line endings, up to indent leading spaces removed, ending in \n. */
    private String build(int from, int to, int indent) {
      int cr = s.indexOf('\r', from);
      if (indent == 0 && (cr < 0 || cr >= to)) {
        // The fast path: a closed block already ends with its \n, so this is the one copy.
        return s.charAt(to - 1) == '\n' ? s.substring(from, to) : s.substring(from, to).concat("\n");
      }
      StringBuilder sb = new StringBuilder(to - from + 1);
      int i = from;
      while (i < to) {
        int k = 0;
        while (k < indent && i < to && s.charAt(i) == ' ') {
          i++;
          k++;
        }
        int e = i;
        while (e < to && !isEol(s.charAt(e))) {
          e++;
        }
        sb.append(s, i, e).append('\n');
        i = e < to && s.charAt(e) == '\r' && e + 1 < to && s.charAt(e + 1) == '\n' ? e + 2 : e + 1;
      }
      return sb.toString();
    }

    /** Whether from..to holds a kernel or HIP runtime calls; a bounded scan, blocks never overlap. */
    private boolean holdsKernel(int from, int to) {
      for (int i = from; i < to; i++) {
        char ch = s.charAt(i);
        if (ch == '_') {
          if (at(i, to, "__global__")) {
            return true;
          }
        } else if (ch == '<') {
          if (at(i, to, "<<<")) {
            return true;
          }
        } else if (ch == 'h') {
          if (at(i, to, "hipMalloc") || at(i, to, "hipLaunchKernel") || at(i, to, "hip/hip_runtime")) {
            return true;
          }
        }
      }
      return false;
    }

    /**
     * Whether from..to looks like C++ source: a C/C++/HIP marker, braces and semicolons, and no more
     * prose lines than code lines (a line is code if it starts with #, {, }, // or /*, or ends with
     * ; { } ) , > or \). Inside a fence ({@code fenced}) every line of a block comment counts as
     * code too: a long license comment above a small kernel is the file's, not prose around it.
     */
    private boolean looksLikeCpp(int from, int to, boolean fenced) {
      boolean marker = false;
      boolean brace = false;
      boolean semicolon = false;
      boolean inComment = false;
      int commentOpen = -1;
      int codeLines = 0;
      int proseLines = 0;
      int i = from;
      while (i < to) {
        int first = -1;
        int last = -1;
        boolean startsInComment = inComment;
        boolean lineComment = false;
        int e = i;
        for (; e < to; e++) {
          char ch = s.charAt(e);
          if (isEol(ch)) {
            break;
          }
          if (e > i && !lineComment) {
            char prev = s.charAt(e - 1);
            if (!inComment && prev == '/' && ch == '/') {
              lineComment = true;
            } else if (!inComment && prev == '/' && ch == '*') {
              inComment = true;
              commentOpen = e;
            } else if (inComment && prev == '*' && ch == '/' && e - 1 > commentOpen) {
              inComment = false;
            }
          }
          if (ch > ' ') {
            if (first < 0) {
              first = e;
            }
            last = e;
          }
          if (ch == '{') {
            brace = true;
          } else if (ch == ';') {
            semicolon = true;
          } else if (!marker && (ch == '#' || ch == '_' || ch == 'i' || ch == 't' || ch == 'h' || ch == 'v')) {
            marker = isMarkerAt(e, to);
          }
        }
        if (first >= 0 && fenced && startsInComment) {
          codeLines++;
        } else if (first >= 0) {
          char f = s.charAt(first);
          char l = s.charAt(last);
          boolean comment =
              f == '/' && first + 1 <= last && (s.charAt(first + 1) == '/' || s.charAt(first + 1) == '*');
          if (f == '#' || f == '{' || f == '}' || comment
              || l == ';' || l == '{' || l == '}' || l == ')' || l == ',' || l == '>' || l == '\\') {
            codeLines++;
          } else if (f != '*') {
            // A leading * is a block-comment line or a markdown bullet: evidence for neither side.
            proseLines++;
          }
        }
        i = e + 1;
      }
      return marker && brace && semicolon && proseLines <= codeLines;
    }

    private boolean isMarkerAt(int i, int to) {
      switch (s.charAt(i)) {
        case '#':
          return at(i, to, "#include") || at(i, to, "#define") || at(i, to, "#pragma");
        case '_':
          return at(i, to, "__global__") || at(i, to, "__device__") || at(i, to, "__host__");
        case 'i':
          return at(i, to, "int main");
        case 't':
          return at(i, to, "template<") || at(i, to, "template <");
        case 'h':
          return at(i, to, "hipMalloc") || at(i, to, "hipLaunchKernel");
        case 'v':
          return at(i, to, "void ");
        default:
          return false;
      }
    }

    private boolean at(int i, int to, String word) {
      return i + word.length() <= to && s.startsWith(word, i);
    }

    private boolean isBlank(int from, int to) {
      for (int i = from; i < to; i++) {
        if (s.charAt(i) > ' ') {
          return false;
        }
      }
      return true;
    }

    /** The index after the line terminator at e (\r\n counts as one), or n at the end. */
    private int afterEol(int e) {
      if (e >= n) {
        return n;
      }
      return s.charAt(e) == '\r' && e + 1 < n && s.charAt(e + 1) == '\n' ? e + 2 : e + 1;
    }
  }

  private static boolean isEol(char c) {
    return c == '\n' || c == '\r';
  }

  private static boolean isBlankChar(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_' || c == '-' || c == '.' || c == '/';
  }

  private static final String[] HEADER_EXTENSIONS = {".h", ".hpp", ".hh", ".hxx", ".cuh", ".inl", ".inc"};

  private static boolean isHeaderName(String s, int from, int to) {
    for (String ext : HEADER_EXTENSIONS) {
      int len = ext.length();
      if (to - from > len && s.regionMatches(true, to - len, ext, 0, len)) {
        return true;
      }
    }
    return false;
  }

  /** The first index of {@code w} in {@code s} that lies wholly inside from..to, or -1 (a bounded indexOf). */
  private static int indexIn(String s, String w, int from, int to) {
    int last = to - w.length();
    for (int i = from; i <= last; i++) {
      if (s.charAt(i) == w.charAt(0) && s.startsWith(w, i)) {
        return i;
      }
    }
    return -1;
  }

  /** The base name of a path: what an include names and a header is called by, compared. */
  private static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /**
   * What joining needs to know about one block, from one pass over its lines: whether it includes,
   * defines {@code main} or a kernel, has an include guard, its first code line, and its local
   * includes. Made ({@code Scan.facts}) only for answers with several blocks.
   */
  private static final class Block {
    boolean include;
    boolean main;
    boolean kernel;
    boolean guard;
    int firstLineFrom = -1;
    int firstLineTo = -1;
    /** The local includes ({@code #include "x"}): ranges of x. */
    int[] locals = new int[0];
    /** Set when this block is joined after a header: the include name of that header. */
    String inlinedHeader;

    /** Reads the preprocessor line at {@code a} (at its '#'); returns its end. */
    int directive(String s, int a, int to) {
      int e = a;
      while (e < to && !isEol(s.charAt(e))) {
        e++;
      }
      int d = a + 1;
      while (d < e && isBlankChar(s.charAt(d))) {
        d++;
      }
      if (s.startsWith("include", d) && d + 7 <= e) {
        include = true;
        int q = d + 7;
        while (q < e && isBlankChar(s.charAt(q))) {
          q++;
        }
        if (q < e && s.charAt(q) == '"') {
          int q2 = q + 1;
          while (q2 < e && s.charAt(q2) != '"') {
            q2++;
          }
          if (q2 < e && q2 > q + 1) {
            locals = Arrays.copyOf(locals, locals.length + 2);
            locals[locals.length - 2] = q + 1;
            locals[locals.length - 1] = q2;
          }
        }
      } else if (s.startsWith("ifndef", d) && d + 6 <= e
          || s.startsWith("pragma", d) && indexIn(s, "once", d + 6, e) >= 0) {
        guard = true;
      }
      return e;
    }

    /** "main" at m is a function being defined: {@code int main(}, {@code auto main (}, ... */
    static boolean isMainAt(String s, int m, int z) {
      int p = m + 4;
      while (p < z && isBlankChar(s.charAt(p))) {
        p++;
      }
      if (p >= z || s.charAt(p) != '(') {
        return false;
      }
      int b = m;
      while (b > 0 && isBlankChar(s.charAt(b - 1))) {
        b--;
      }
      if (b == m) {
        return false; // "xmain(" or "(main(": not a definition of main
      }
      for (String type : new String[] {"int", "void", "auto"}) {
        int t = b - type.length();
        if (t >= 0 && s.startsWith(type, t) && (t == 0 || !isPathChar(s.charAt(t - 1)))) {
          return true;
        }
      }
      return false;
    }

    /**
     * The name this block includes the header by: the local include whose base name is {@code
     * name}'s, or with no name known the only local include of a header; null when there is none.
     */
    String localInclude(String s, String name) {
      String only = null;
      int headers = 0;
      for (int k = 0; k < locals.length; k += 2) {
        String inc = s.substring(locals[k], locals[k + 1]);
        if (name != null && baseName(inc).equals(baseName(name))) {
          return inc;
        }
        if (isHeaderName(inc, 0, inc.length())) {
          headers++;
          only = inc;
        }
      }
      return name == null && headers == 1 ? only : null;
    }
  }

  /** {@code code} with the line {@code #include "inc"} turned into a comment (the header is above). */
  private static String withoutInclude(String code, String inc) {
    String quoted = "\"" + inc + "\"";
    int at = code.indexOf(quoted);
    while (at >= 0) {
      int lineStart = code.lastIndexOf('\n', at) + 1;
      int lineEnd = code.indexOf('\n', at);
      String line = code.substring(lineStart, lineEnd < 0 ? code.length() : lineEnd);
      String t = line.strip();
      if (t.startsWith("#") && t.substring(1).strip().startsWith("include")) {
        return code.substring(0, lineStart) + "// " + t + " (inlined above)"
            + code.substring(lineEnd < 0 ? code.length() : lineEnd);
      }
      at = code.indexOf(quoted, at + 1);
    }
    return code;
  }

  private static boolean isTagEnd(char c) {
    return c <= ' ' || c == '{' || c == '}' || c == ',' || c == ';' || c == ':' || c == '=' || c == '`';
  }
}
