// warp_shuffle_reduce.hip
// Sum reduction of a large float array using wavefront shuffles
// (__shfl_down) instead of shared-memory trees. Works for both 32- and
// 64-lane wavefronts via HIP's warpSize. Block results are combined with
// atomicAdd into a single global accumulator.

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

// Max number of wavefronts per block: 1024 threads / 32-lane minimum.
constexpr int kMaxWarps = 32;

__device__ inline float warp_reduce_sum(float v) {
  for (int offset = warpSize / 2; offset > 0; offset >>= 1) {
    v += __shfl_down(v, offset);
  }
  return v;
}

__device__ float block_reduce_sum(float v) {
  __shared__ float warp_sums[kMaxWarps];
  const int lane = threadIdx.x % warpSize;
  const int warp = threadIdx.x / warpSize;

  v = warp_reduce_sum(v);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();

  const unsigned num_warps = (blockDim.x + warpSize - 1) / warpSize;
  v = (threadIdx.x < num_warps) ? warp_sums[lane] : 0.0f;
  if (warp == 0) v = warp_reduce_sum(v);
  return v;
}

__global__ void reduce_sum(const float* __restrict__ in, float* out, int n) {
  float sum = 0.0f;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += blockDim.x * gridDim.x) {
    sum += in[i];
  }
  sum = block_reduce_sum(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

int main() {
  const int n = 1 << 22;
  std::vector<float> h_in(n);
  for (int i = 0; i < n; ++i) h_in[i] = (i % 4 == 0) ? 1.0f : 0.0f;

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_out, sizeof(float)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemset(d_out, 0, sizeof(float)));

  const int block = 512;
  const int grid = 256;
  hipLaunchKernelGGL(reduce_sum, dim3(grid), dim3(block), 0, 0, d_in, d_out, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  float h_out = 0.0f;
  HIP_CHECK(hipMemcpy(&h_out, d_out, sizeof(float), hipMemcpyDeviceToHost));
  printf("sum = %.0f (expected %d)\n", h_out, n / 4);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return std::fabs(h_out - n / 4) < 1.0f ? EXIT_SUCCESS : EXIT_FAILURE;
}
