// dot_product_shared.hip
// Dot product of two float vectors. Each block reduces its partial sums in
// static shared memory with a tree reduction; the host adds the per-block
// partial results.

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

constexpr int kBlockSize = 256;

__global__ void dot_partial(const float* __restrict__ a,
                            const float* __restrict__ b,
                            float* __restrict__ partial, int n) {
  __shared__ float cache[kBlockSize];

  float sum = 0.0f;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += blockDim.x * gridDim.x) {
    sum += a[i] * b[i];
  }
  cache[threadIdx.x] = sum;
  __syncthreads();

  // Tree reduction; blockDim.x must be a power of two.
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      cache[threadIdx.x] += cache[threadIdx.x + s];
    }
    __syncthreads();
  }

  if (threadIdx.x == 0) {
    partial[blockIdx.x] = cache[0];
  }
}

int main() {
  const int n = 1 << 24;
  const int grid = 512;

  std::vector<float> h_a(n, 0.5f), h_b(n, 2.0f), h_partial(grid);

  float *d_a, *d_b, *d_partial;
  HIP_CHECK(hipMalloc(&d_a, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_b, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_partial, grid * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_a, h_a.data(), n * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_b, h_b.data(), n * sizeof(float), hipMemcpyHostToDevice));

  dot_partial<<<grid, kBlockSize>>>(d_a, d_b, d_partial, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_partial.data(), d_partial, grid * sizeof(float),
                      hipMemcpyDeviceToHost));

  double dot = 0.0;
  for (int i = 0; i < grid; ++i) dot += h_partial[i];

  const double expected = static_cast<double>(n);  // 0.5 * 2.0 per element
  printf("dot = %.1f (expected %.1f)\n", dot, expected);

  HIP_CHECK(hipFree(d_a));
  HIP_CHECK(hipFree(d_b));
  HIP_CHECK(hipFree(d_partial));
  return std::fabs(dot - expected) < 1e-3 * expected ? EXIT_SUCCESS
                                                     : EXIT_FAILURE;
}
