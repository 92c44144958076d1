// scan/blelloch_scan.hip
// Work-efficient (Blelloch) exclusive prefix sum of floats within one block.
// Each block scans 2 * blockDim.x elements using an up-sweep (reduce) and a
// down-sweep phase in shared memory. Shared indices are padded to avoid
// LDS bank conflicts. The inclusive result is exclusive[i] + in[i].

#include <hip/hip_runtime.h>

#include <cmath>
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

#define LOG_NUM_BANKS 5
#define PAD(i) ((i) >> LOG_NUM_BANKS)

template <int THREADS>
__global__ void blelloch_exclusive_scan(const float* in, float* out, int n) {
  constexpr int kElems = 2 * THREADS;
  __shared__ float temp[kElems + PAD(kElems)];
  const int tid = threadIdx.x;
  const int base = blockIdx.x * kElems;

  int ai = tid, bi = tid + THREADS;
  temp[ai + PAD(ai)] = (base + ai < n) ? in[base + ai] : 0.0f;
  temp[bi + PAD(bi)] = (base + bi < n) ? in[base + bi] : 0.0f;

  // Up-sweep: build partial sums in place.
  int offset = 1;
  for (int d = kElems >> 1; d > 0; d >>= 1) {
    __syncthreads();
    if (tid < d) {
      int a = offset * (2 * tid + 1) - 1;
      int b = offset * (2 * tid + 2) - 1;
      temp[b + PAD(b)] += temp[a + PAD(a)];
    }
    offset <<= 1;
  }

  if (tid == 0) temp[kElems - 1 + PAD(kElems - 1)] = 0.0f;

  // Down-sweep: distribute the prefix sums.
  for (int d = 1; d < kElems; d <<= 1) {
    offset >>= 1;
    __syncthreads();
    if (tid < d) {
      int a = offset * (2 * tid + 1) - 1;
      int b = offset * (2 * tid + 2) - 1;
      float t = temp[a + PAD(a)];
      temp[a + PAD(a)] = temp[b + PAD(b)];
      temp[b + PAD(b)] += t;
    }
  }
  __syncthreads();

  if (base + ai < n) out[base + ai] = temp[ai + PAD(ai)];
  if (base + bi < n) out[base + bi] = temp[bi + PAD(bi)];
}

int main() {
  constexpr int kThreads = 256;
  const int n = 2 * kThreads * 64;  // 64 independent segments
  std::vector<float> h_in(n, 1.0f), h_out(n);

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_out, n * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(float), hipMemcpyHostToDevice));

  const int grid = n / (2 * kThreads);
  blelloch_exclusive_scan<kThreads><<<grid, kThreads>>>(d_in, d_out, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, n * sizeof(float), hipMemcpyDeviceToHost));

  // With all-ones input, exclusive scan of each segment is 0, 1, 2, ...
  int errors = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(h_out[i] - static_cast<float>(i % (2 * kThreads))) > 0.5f) ++errors;
  }
  printf("blelloch scan: %d segments, %d errors\n", grid, errors);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
