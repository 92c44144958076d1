// stencil/stencil_1d_const.hip
// 1D weighted stencil of radius 3: out[i] = sum_{k=-R..R} w[k] * in[i + k].
// Weights live in __constant__ memory; each block loads its segment plus a
// halo of R elements on each side into shared memory. Out-of-range
// neighbours are treated as zero.

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

constexpr int kRadius = 3;
constexpr int kBlock = 256;

__constant__ float c_weights[2 * kRadius + 1];

__global__ void stencil_1d(const float* __restrict__ in, float* __restrict__ out, int n) {
  __shared__ float tile[kBlock + 2 * kRadius];
  const int gid = blockIdx.x * blockDim.x + threadIdx.x;
  const int lid = threadIdx.x + kRadius;

  tile[lid] = (gid < n) ? in[gid] : 0.0f;
  if (threadIdx.x < kRadius) {
    int left = gid - kRadius;
    int right = gid + kBlock;
    tile[lid - kRadius] = (left >= 0) ? in[left] : 0.0f;
    tile[lid + kBlock] = (right < n) ? in[right] : 0.0f;
  }
  __syncthreads();

  if (gid < n) {
    float acc = 0.0f;
#pragma unroll
    for (int k = -kRadius; k <= kRadius; ++k) {
      acc += c_weights[k + kRadius] * tile[lid + k];
    }
    out[gid] = acc;
  }
}

int main() {
  const int n = 1 << 20;
  const float h_weights[2 * kRadius + 1] = {0.05f, 0.1f, 0.2f, 0.3f, 0.2f, 0.1f, 0.05f};
  HIP_CHECK(hipMemcpyToSymbol(HIP_SYMBOL(c_weights), h_weights, sizeof(h_weights)));

  std::vector<float> h_in(n), h_out(n);
  for (int i = 0; i < n; ++i) h_in[i] = static_cast<float>(i % 10);

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_out, n * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(float), hipMemcpyHostToDevice));

  stencil_1d<<<(n + kBlock - 1) / kBlock, kBlock>>>(d_in, d_out, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, n * sizeof(float), hipMemcpyDeviceToHost));

  int errors = 0;
  for (int i = 0; i < n; ++i) {
    float ref = 0.0f;
    for (int k = -kRadius; k <= kRadius; ++k) {
      int j = i + k;
      if (j >= 0 && j < n) ref += h_weights[k + kRadius] * h_in[j];
    }
    if (std::fabs(ref - h_out[i]) > 1e-4f) ++errors;
  }
  printf("stencil_1d: %d errors\n", errors);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
