package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which describe answers are instructions: a code block or a refusal sentence is not. */
class InstructionCheckTest {

  @ParameterizedTest(name = "{0} -> bad: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      Write a HIP kernel that adds two float vectors element-wise.                          | false
      I can't help with that.                                                                | true
      I cannot help with that request.                                                       | true
      I'm sorry, but I can't assist with this.                                              | true
      I’m sorry, but I can’t help with that.                                                | true
      Sorry, I can't provide that.                                                           | true
      I am unable to comply with this request.                                               | true
      As an AI, I cannot write that.                                                         | true
      Unfortunately, I cannot help with describing this file.                                | true
      "I can't help with that."                                                              | true
      I'm sorry for the long description: write a kernel that reduces an array.             | false
      Implement a kernel; I can't stress enough that it must use shared memory.             | false
      Cannot-fail reduction: write a kernel that sums an array with atomics.                | false
      ```cpp\\n__global__ void k() {}\\n```                                                 | true
      ~~~\\nint main() {}\\n~~~                                                             | true
      Write a kernel like this:\\n```\\n__global__ void add(float* a, float* b, float* c, int n) { int i = threadIdx.x; c[i] = a[i] + b[i]; }\\n``` | true
      Write a kernel that adds two arrays; use `hipMalloc` and a ```grid``` of 256 threads per block and check errors after every launch. | false
      ''                                                                                     | true
      """)
  void instructionOrNot(String text, boolean bad) {
    String t = text.replace("\\n", "\n");
    assertThat(InstructionCheck.problem(t), bad ? notNullValue() : nullValue());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      I can't help with that.                 | refusal
      ```cpp\\n__global__ void k() {}\\n```   | code block
      """)
  void theReasonSaysWhichRuleRefusedIt(String text, String word) {
    String why = InstructionCheck.problem(text.replace("\\n", "\n"));
    assertThat(why, why.contains(word), is(true));
  }
}
