// reduce_max_argmax.hip
// Finds the maximum value of a float array and its index (argmax).
// Two-pass: each block writes its (value, index) pair, then a single block
// reduces the per-block pairs. Ties resolve to the smallest index.

#include <hip/hip_runtime.h>

#include <cfloat>
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

constexpr int kBlock = 256;

struct ValIdx {
  float val;
  int idx;
};

__device__ inline ValIdx better(ValIdx a, ValIdx b) {
  if (b.val > a.val || (b.val == a.val && b.idx < a.idx)) return b;
  return a;
}

__global__ void argmax_kernel(const float* __restrict__ vals,
                              const int* __restrict__ idxs,  // may be null
                              ValIdx* __restrict__ out, int n) {
  __shared__ ValIdx smem[kBlock];
  ValIdx best{-FLT_MAX, 0x7fffffff};
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += blockDim.x * gridDim.x) {
    best = better(best, ValIdx{vals[i], idxs ? idxs[i] : i});
  }
  smem[threadIdx.x] = best;
  __syncthreads();

  for (unsigned s = kBlock / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      smem[threadIdx.x] = better(smem[threadIdx.x], smem[threadIdx.x + s]);
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = smem[0];
}

// Unpacks an array of ValIdx into separate value/index arrays for pass 2.
__global__ void split_pairs(const ValIdx* in, float* vals, int* idxs, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    vals[i] = in[i].val;
    idxs[i] = in[i].idx;
  }
}

int main() {
  const int n = 3'000'000;
  const int grid = 120;
  std::vector<float> h(n);
  for (int i = 0; i < n; ++i) h[i] = static_cast<float>((i * 7919) % 100003);

  float *d_in, *d_vals;
  int* d_idxs;
  ValIdx *d_partial, *d_result;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_vals, grid * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_idxs, grid * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_partial, grid * sizeof(ValIdx)));
  HIP_CHECK(hipMalloc(&d_result, sizeof(ValIdx)));
  HIP_CHECK(hipMemcpy(d_in, h.data(), n * sizeof(float), hipMemcpyHostToDevice));

  argmax_kernel<<<grid, kBlock>>>(d_in, nullptr, d_partial, n);
  split_pairs<<<(grid + kBlock - 1) / kBlock, kBlock>>>(d_partial, d_vals, d_idxs, grid);
  argmax_kernel<<<1, kBlock>>>(d_vals, d_idxs, d_result, grid);
  HIP_CHECK(hipGetLastError());

  ValIdx result;
  HIP_CHECK(hipMemcpy(&result, d_result, sizeof(ValIdx), hipMemcpyDeviceToHost));

  int ref = 0;
  for (int i = 1; i < n; ++i) if (h[i] > h[ref]) ref = i;
  printf("max = %.0f at %d (reference %.0f at %d)\n", result.val, result.idx,
         h[ref], ref);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_vals));
  HIP_CHECK(hipFree(d_idxs));
  HIP_CHECK(hipFree(d_partial));
  HIP_CHECK(hipFree(d_result));
  return result.idx == ref ? EXIT_SUCCESS : EXIT_FAILURE;
}
