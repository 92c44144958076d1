// bitonic_sort.hip
// Sorts a power-of-two array of unsigned ints on the GPU with bitonic sort.
// The host loops over (k, j) stages; each kernel launch performs one
// compare-and-swap step of the bitonic network.

#include <hip/hip_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define HIP_CHECK(cmd)                                                        \
  do {                                                                        \
    hipError_t err_ = (cmd);                                                  \
    if (err_ != hipSuccess) {                                                 \
      fprintf(stderr, "HIP error '%s' at %s:%d\n", hipGetErrorString(err_),  \
              __FILE__, __LINE__);                                            \
      exit(EXIT_FAILURE);                                                     \
    }                                                                         \
  } while (0)

// One step of the network: element i is compared with its partner i ^ j.
// k is the size of the bitonic sequences being merged in this stage.
__global__ void bitonic_step(unsigned int* data, unsigned int j, unsigned int k) {
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned int partner = i ^ j;
  if (partner > i) {
    bool ascending = (i & k) == 0;
    unsigned int a = data[i];
    unsigned int b = data[partner];
    if ((a > b) == ascending) {
      data[i] = b;
      data[partner] = a;
    }
  }
}

int main() {
  const unsigned int n = 1u << 20;  // must be a power of two
  std::vector<unsigned int> h(n);
  unsigned int state = 2463534242u;
  for (auto& v : h) {  // xorshift32
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    v = state;
  }

  unsigned int* d;
  HIP_CHECK(hipMalloc(&d, n * sizeof(unsigned int)));
  HIP_CHECK(hipMemcpy(d, h.data(), n * sizeof(unsigned int), hipMemcpyHostToDevice));

  const unsigned int block = 256;
  const unsigned int grid = n / block;
  for (unsigned int k = 2; k <= n; k <<= 1) {
    for (unsigned int j = k >> 1; j > 0; j >>= 1) {
      hipLaunchKernelGGL(bitonic_step, dim3(grid), dim3(block), 0, 0, d, j, k);
    }
  }
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  std::vector<unsigned int> out(n);
  HIP_CHECK(hipMemcpy(out.data(), d, n * sizeof(unsigned int), hipMemcpyDeviceToHost));
  std::sort(h.begin(), h.end());
  bool ok = (out == h);
  printf("bitonic sort of %u keys: %s\n", n, ok ? "PASSED" : "FAILED");

  HIP_CHECK(hipFree(d));
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
