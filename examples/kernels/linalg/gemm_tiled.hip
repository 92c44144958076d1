// linalg/gemm_tiled.hip
// Shared-memory tiled SGEMM: C = A * B for row-major A (M x K), B (K x N).
// Each TILE x TILE thread block walks over K in TILE-wide steps, staging
// sub-tiles of A and B in LDS so each global element is loaded once per
// block. Handles sizes that are not multiples of TILE by zero-padding.

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

template <int TILE>
__global__ void sgemm_tiled(int M, int N, int K, const float* __restrict__ A,
                            const float* __restrict__ B, float* __restrict__ C) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];

  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * TILE + ty;
  const int col = blockIdx.x * TILE + tx;
  float acc = 0.0f;

  for (int t = 0; t < K; t += TILE) {
    As[ty][tx] = (row < M && t + tx < K) ? A[row * K + t + tx] : 0.0f;
    Bs[ty][tx] = (t + ty < K && col < N) ? B[(t + ty) * N + col] : 0.0f;
    __syncthreads();

#pragma unroll
    for (int k = 0; k < TILE; ++k) {
      acc = fmaf(As[ty][k], Bs[k][tx], acc);
    }
    __syncthreads();
  }

  if (row < M && col < N) C[row * N + col] = acc;
}

int main() {
  constexpr int kTile = 16;
  const int M = 500, N = 300, K = 700;
  std::vector<float> h_A(M * K), h_B(K * N), h_C(M * N);
  for (int i = 0; i < M * K; ++i) h_A[i] = static_cast<float>((i * 3) % 11) - 5.0f;
  for (int i = 0; i < K * N; ++i) h_B[i] = static_cast<float>((i * 7) % 13) * 0.1f;

  float *d_A, *d_B, *d_C;
  HIP_CHECK(hipMalloc(&d_A, M * K * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_B, K * N * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_C, M * N * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_A, h_A.data(), M * K * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_B, h_B.data(), K * N * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(kTile, kTile);
  dim3 grid((N + kTile - 1) / kTile, (M + kTile - 1) / kTile);
  sgemm_tiled<kTile><<<grid, block>>>(M, N, K, d_A, d_B, d_C);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());
  HIP_CHECK(hipMemcpy(h_C.data(), d_C, M * N * sizeof(float), hipMemcpyDeviceToHost));

  // Spot-check a few entries against a CPU dot product.
  int errors = 0;
  for (int s = 0; s < 64; ++s) {
    const int r = (s * 37) % M, c = (s * 53) % N;
    double ref = 0.0;
    for (int k = 0; k < K; ++k) ref += static_cast<double>(h_A[r * K + k]) * h_B[k * N + c];
    if (std::fabs(ref - h_C[r * N + c]) > 1e-2 * (1.0 + std::fabs(ref))) ++errors;
  }
  printf("sgemm_tiled<%d> %dx%dx%d: %d spot-check errors\n", kTile, M, N, K, errors);

  HIP_CHECK(hipFree(d_A));
  HIP_CHECK(hipFree(d_B));
  HIP_CHECK(hipFree(d_C));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
