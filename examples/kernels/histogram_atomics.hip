// histogram_atomics.hip
// 256-bin byte histogram computed two ways:
//   1. histogram_global: every thread does atomicAdd directly on global bins.
//   2. histogram_shared: each block builds a privatized histogram in shared
//      memory, then merges it into the global bins once per block.

#include <hip/hip_runtime.h>

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

constexpr int kNumBins = 256;

__global__ void histogram_global(const unsigned char* data, size_t n,
                                 unsigned int* bins) {
  size_t stride = static_cast<size_t>(blockDim.x) * gridDim.x;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    atomicAdd(&bins[data[i]], 1u);
  }
}

__global__ void histogram_shared(const unsigned char* data, size_t n,
                                 unsigned int* bins) {
  __shared__ unsigned int local[kNumBins];
  for (int b = threadIdx.x; b < kNumBins; b += blockDim.x) local[b] = 0;
  __syncthreads();

  size_t stride = static_cast<size_t>(blockDim.x) * gridDim.x;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    atomicAdd(&local[data[i]], 1u);
  }
  __syncthreads();

  for (int b = threadIdx.x; b < kNumBins; b += blockDim.x) {
    if (local[b] != 0) atomicAdd(&bins[b], local[b]);
  }
}

int main() {
  const size_t n = 64 << 20;
  std::vector<unsigned char> h_data(n);
  unsigned int seed = 12345u;
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    h_data[i] = static_cast<unsigned char>(seed >> 24);
  }

  unsigned char* d_data;
  unsigned int *d_bins_g, *d_bins_s;
  HIP_CHECK(hipMalloc(&d_data, n));
  HIP_CHECK(hipMalloc(&d_bins_g, kNumBins * sizeof(unsigned int)));
  HIP_CHECK(hipMalloc(&d_bins_s, kNumBins * sizeof(unsigned int)));
  HIP_CHECK(hipMemcpy(d_data, h_data.data(), n, hipMemcpyHostToDevice));
  HIP_CHECK(hipMemset(d_bins_g, 0, kNumBins * sizeof(unsigned int)));
  HIP_CHECK(hipMemset(d_bins_s, 0, kNumBins * sizeof(unsigned int)));

  const int block = 256, grid = 240;
  hipLaunchKernelGGL(histogram_global, dim3(grid), dim3(block), 0, 0,
                     d_data, n, d_bins_g);
  hipLaunchKernelGGL(histogram_shared, dim3(grid), dim3(block), 0, 0,
                     d_data, n, d_bins_s);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  std::vector<unsigned int> g(kNumBins), s(kNumBins), ref(kNumBins, 0);
  HIP_CHECK(hipMemcpy(g.data(), d_bins_g, kNumBins * sizeof(unsigned int), hipMemcpyDeviceToHost));
  HIP_CHECK(hipMemcpy(s.data(), d_bins_s, kNumBins * sizeof(unsigned int), hipMemcpyDeviceToHost));
  for (size_t i = 0; i < n; ++i) ref[h_data[i]]++;

  int mismatches = 0;
  for (int b = 0; b < kNumBins; ++b) {
    if (g[b] != ref[b] || s[b] != ref[b]) ++mismatches;
  }
  printf("histogram: %d mismatching bins\n", mismatches);

  HIP_CHECK(hipFree(d_data));
  HIP_CHECK(hipFree(d_bins_g));
  HIP_CHECK(hipFree(d_bins_s));
  return mismatches == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
