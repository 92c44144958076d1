// monte_carlo_pi.hip
// Estimates pi by Monte Carlo sampling of points in the unit square.
// Each thread draws samples from a stateless counter-based hash RNG
// (PCG-style integer hash), counts hits inside the quarter circle, and the
// block total is accumulated with a single atomicAdd.

#include <hip/hip_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#define HIP_CHECK(cmd)                                                        \
  do {                                                                        \
    hipError_t err_ = (cmd);                                                  \
    if (err_ != hipSuccess) {                                                 \
      fprintf(stderr, "HIP error '%s' at %s:%d\n", hipGetErrorString(err_),  \
              __FILE__, __LINE__);                                            \
      exit(EXIT_FAILURE);                                                     \
    }                                                                         \
  } while (0)

__device__ inline unsigned int pcg_hash(unsigned int v) {
  unsigned int state = v * 747796405u + 2891336453u;
  unsigned int word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

__device__ inline float to_unit_float(unsigned int bits) {
  return (bits >> 8) * (1.0f / 16777216.0f);  // 24 random bits -> [0, 1)
}

__global__ void count_hits(unsigned int seed, int samples_per_thread,
                           unsigned long long* hits) {
  __shared__ unsigned int block_hits;
  if (threadIdx.x == 0) block_hits = 0;
  __syncthreads();

  const unsigned int tid = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned int local = 0;
  for (int s = 0; s < samples_per_thread; ++s) {
    unsigned int key = pcg_hash(tid ^ pcg_hash(seed + s));
    float x = to_unit_float(pcg_hash(key));
    float y = to_unit_float(pcg_hash(key + 0x9e3779b9u));
    local += (x * x + y * y <= 1.0f) ? 1u : 0u;
  }
  atomicAdd(&block_hits, local);
  __syncthreads();

  if (threadIdx.x == 0) atomicAdd(hits, static_cast<unsigned long long>(block_hits));
}

int main() {
  const int block = 256, grid = 1024, per_thread = 1000;
  const double total = static_cast<double>(block) * grid * per_thread;

  unsigned long long* d_hits;
  HIP_CHECK(hipMalloc(&d_hits, sizeof(unsigned long long)));
  HIP_CHECK(hipMemset(d_hits, 0, sizeof(unsigned long long)));

  count_hits<<<grid, block>>>(20240601u, per_thread, d_hits);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  unsigned long long h_hits = 0;
  HIP_CHECK(hipMemcpy(&h_hits, d_hits, sizeof(h_hits), hipMemcpyDeviceToHost));
  const double pi = 4.0 * static_cast<double>(h_hits) / total;
  printf("pi ~= %.6f from %.0f samples (error %.2e)\n", pi, total,
         std::fabs(pi - M_PI));

  HIP_CHECK(hipFree(d_hits));
  return std::fabs(pi - M_PI) < 1e-2 ? EXIT_SUCCESS : EXIT_FAILURE;
}
