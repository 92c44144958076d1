package org.hipforge.io.code;

import static org.hipforge.io.code.FenceScan.CPP;
import static org.hipforge.io.code.FenceScan.END;
import static org.hipforge.io.code.FenceScan.FENCE;
import static org.hipforge.io.code.FenceScan.KIND;
import static org.hipforge.io.code.FenceScan.START;

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
 *       indentation is accepted, LLMs indent closing fences inconsistently). A backtick fence's
 *       info string may not contain a backtick, so {@code ```x```} at a line start is inline code.
 *   <li>Blocks tagged hip, cpp, c++, cuda, cu, c, cc, cxx, h, hpp (also cuh, hh, hxx, and a file
 *       name with one of those extensions) are C++ blocks, case-insensitively; the tag is the first
 *       word of the info string. Untagged blocks count only if they look like C++ source (inside a
 *       fence the lines of a block comment weigh as code: a long license comment is part of the
 *       file). Every other tag (bash, json, python, ...) is never picked.
 *   <li>Adjacent blocks that count (no other fence between them) are joined into one file when they
 *       are one file split up: a block with includes and no {@code main} followed by blocks without
 *       includes that bring {@code main} (or the kernel), or a header (include guard, {@code
 *       #pragma once}, or a {@code *.h}-like name in its fence, first comment line or the prose
 *       line above) followed by the block that includes it, whose include line becomes a comment. A
 *       block that repeats code of the blocks before it is never joined to them ({@link
 *       ExtractedCode#blocks()} says how many were joined).
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
 * <p>The code always has {@code \n} line endings, ends with {@code \n}, and loses the indentation
 * its opening fence had (as CommonMark does). Failures have category {@link ExtractedCode#NO_CODE}.
 * Never throws: any string, or null, gives a result.
 *
 * <p>Speed: one forward pass that jumps from fence candidate to fence candidate with {@link
 * String#indexOf(String, int)} (a vectorised JVM intrinsic), so in the common answer (one C++
 * block, maybe beside shell ones) prose and code are never looked at char by char; the C++-likeness
 * and kernel checks scan a block only when there is a choice to make, and every block at most once
 * (the join checks once more, only for answers with several blocks). The only copy is the chosen
 * block, usually as one {@code substring}. Stateless and thread-safe.
 *
 * <p>Where each rule lives: fences and tags in {@link FenceScan}, "looks like C++" and "holds a
 * kernel" in {@link CppHeuristics}, joining in {@link BlockJoiner} (with {@link BlockFacts}); the
 * choice among the candidates here.
 */
public final class CodeExtractor {
  /** Selection ranks; higher wins. */
  private static final int RANK_UNTAGGED = 1;

  private static final int RANK_CPP = 2;
  private static final int RANK_KERNEL = 3;

  private CodeExtractor() {}

  /**
   * Returns the HIP source in {@code response}, or a {@link ExtractedCode#NO_CODE} failure; never
   * throws.
   */
  public static ExtractedCode extract(String response) {
    if (response == null) {
      return ExtractedCode.noCode("response is null");
    }
    FenceScan blocks = FenceScan.of(response);
    if (blocks.fences() == 0) {
      return unfenced(response);
    }
    return choose(response, blocks);
  }

  private static ExtractedCode choose(String s, FenceScan blocks) {
    int count = blocks.count();
    if (count == 1 && blocks.get(0, KIND) == CPP) {
      // The common answer: one C++ block, maybe beside shell ones; nothing to compare or join.
      return single(blocks, 0);
    }
    // Which blocks count, and their rank: C++ or C++-looking, kernel first.
    int[] rank = new int[count];
    for (int k = 0; k < count; k++) {
      int start = blocks.get(k, START);
      int end = blocks.get(k, END);
      boolean cpp = blocks.get(k, KIND) == CPP;
      if (cpp || CppHeuristics.looksLikeCpp(s, start, end, true)) {
        rank[k] =
            CppHeuristics.holdsKernel(s, start, end) ? RANK_KERNEL : cpp ? RANK_CPP : RANK_UNTAGGED;
      }
    }
    // Runs of adjacent blocks that form one file are one candidate; the best candidate wins.
    int bestFirst = -1;
    int bestLast = -1;
    int bestRank = 0;
    int bestLen = -1;
    BlockJoiner joiner = new BlockJoiner(s, blocks);
    for (int k = 0; k < count; ) {
      if (rank[k] == 0) {
        k++;
        continue;
      }
      int last = k;
      int groupRank = rank[k];
      int len = blocks.get(k, END) - blocks.get(k, START);
      while (last + 1 < count
          && rank[last + 1] > 0
          && blocks.get(last + 1, FENCE) == blocks.get(last, FENCE) + 1
          && joiner.joins(k, last, last + 1)) {
        last++;
        groupRank = Math.max(groupRank, rank[last]);
        len += blocks.get(last, END) - blocks.get(last, START);
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
      if (blocks.blankBlocks() > 0) {
        return ExtractedCode.noCode("every C++ or untagged code block is empty");
      }
      return ExtractedCode.noCode("no C++ code block; the fenced blocks are in other languages");
    }
    if (bestFirst == bestLast) {
      return single(blocks, bestFirst);
    }
    return ExtractedCode.of(
        joiner.join(bestFirst, bestLast, bestLen),
        blocks.language(bestLast),
        blocks.origin(bestLast),
        bestLast - bestFirst + 1);
  }

  private static ExtractedCode single(FenceScan blocks, int k) {
    return ExtractedCode.of(blocks.code(k), blocks.language(k), blocks.origin(k));
  }

  private static ExtractedCode unfenced(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && s.charAt(a) <= ' ') {
      a++;
    }
    while (b > a && s.charAt(b - 1) <= ' ') {
      b--;
    }
    if (a == b) {
      return ExtractedCode.noCode("response is empty");
    }
    if (!CppHeuristics.looksLikeCpp(s, a, b, false)) {
      return ExtractedCode.noCode("no code fence and the text does not look like C++ source");
    }
    return ExtractedCode.of(CodeText.build(s, a, b, 0), "", ExtractedCode.Origin.UNFENCED);
  }
}
