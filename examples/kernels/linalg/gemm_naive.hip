// linalg/gemm_naive.hip
// Naive single-precision GEMM: C = alpha * A * B + beta * C with row-major
// A (M x K), B (K x N), C (M x N). One thread computes one element of C by
// looping over K directly from global memory.

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

__global__ void sgemm_naive(int M, int N, int K, float alpha,
                            const float* __restrict__ A, const float* __restrict__ B,
                            float beta, float* __restrict__ C) {
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < M && col < N) {
    float acc = 0.0f;
    for (int k = 0; k < K; ++k) {
      acc += A[row * K + k] * B[k * N + col];
    }
    C[row * N + col] = alpha * acc + beta * C[row * N + col];
  }
}

int main() {
  const int M = 256, N = 192, K = 320;
  const float alpha = 1.0f, beta = 0.5f;
  std::vector<float> h_A(M * K), h_B(K * N), h_C(M * N, 1.0f), ref(M * N);
  for (int i = 0; i < M * K; ++i) h_A[i] = static_cast<float>(i % 7) * 0.1f;
  for (int i = 0; i < K * N; ++i) h_B[i] = static_cast<float>(i % 5) * 0.2f;

  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc += h_A[r * K + k] * h_B[k * N + c];
      ref[r * N + c] = alpha * acc + beta * h_C[r * N + c];
    }

  float *d_A, *d_B, *d_C;
  HIP_CHECK(hipMalloc(&d_A, M * K * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_B, K * N * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_C, M * N * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_A, h_A.data(), M * K * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_B, h_B.data(), K * N * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_C, h_C.data(), M * N * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(16, 16);
  dim3 grid((N + block.x - 1) / block.x, (M + block.y - 1) / block.y);
  hipLaunchKernelGGL(sgemm_naive, grid, block, 0, 0, M, N, K, alpha, d_A, d_B, beta, d_C);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_C.data(), d_C, M * N * sizeof(float), hipMemcpyDeviceToHost));

  float max_err = 0.0f;
  for (int i = 0; i < M * N; ++i) max_err = std::fmax(max_err, std::fabs(h_C[i] - ref[i]));
  printf("sgemm_naive %dx%dx%d: max error %g\n", M, N, K, max_err);

  HIP_CHECK(hipFree(d_A));
  HIP_CHECK(hipFree(d_B));
  HIP_CHECK(hipFree(d_C));
  return max_err < 1e-2f ? EXIT_SUCCESS : EXIT_FAILURE;
}
