// linalg/matvec.cpp
// Dense matrix-vector product y = A * x for a row-major M x N float matrix.
// One block per row: threads stride across the row, partial sums are reduced
// in dynamic shared memory (size passed at launch).
// Written as a .cpp file; hipcc compiles it as HIP source.

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

__global__ void matvec_row_per_block(const float* __restrict__ A,
                                     const float* __restrict__ x,
                                     float* __restrict__ y, int M, int N) {
  extern __shared__ float partial[];  // blockDim.x floats
  const int row = blockIdx.x;
  if (row >= M) return;

  const float* a_row = A + static_cast<size_t>(row) * N;
  float sum = 0.0f;
  for (int c = threadIdx.x; c < N; c += blockDim.x) sum += a_row[c] * x[c];
  partial[threadIdx.x] = sum;
  __syncthreads();

  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[row] = partial[0];
}

int main() {
  const int M = 4096, N = 3000;
  const size_t a_count = static_cast<size_t>(M) * N;
  std::vector<float> h_A(a_count), h_x(N), h_y(M);
  for (size_t i = 0; i < a_count; ++i) h_A[i] = static_cast<float>(i % 3);
  for (int j = 0; j < N; ++j) h_x[j] = 1.0f / static_cast<float>(j + 1);

  float *d_A, *d_x, *d_y;
  HIP_CHECK(hipMalloc(&d_A, a_count * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_x, N * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_y, M * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_A, h_A.data(), a_count * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_x, h_x.data(), N * sizeof(float), hipMemcpyHostToDevice));

  const int block = 256;
  hipLaunchKernelGGL(matvec_row_per_block, dim3(M), dim3(block),
                     block * sizeof(float), 0, d_A, d_x, d_y, M, N);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());
  HIP_CHECK(hipMemcpy(h_y.data(), d_y, M * sizeof(float), hipMemcpyDeviceToHost));

  double max_rel = 0.0;
  for (int r = 0; r < M; r += 97) {
    double ref = 0.0;
    for (int c = 0; c < N; ++c) ref += h_A[static_cast<size_t>(r) * N + c] * h_x[c];
    max_rel = std::fmax(max_rel, std::fabs(ref - h_y[r]) / (std::fabs(ref) + 1e-6));
  }
  printf("matvec %dx%d: max relative error %g\n", M, N, max_rel);

  HIP_CHECK(hipFree(d_A));
  HIP_CHECK(hipFree(d_x));
  HIP_CHECK(hipFree(d_y));
  return max_rel < 1e-4 ? EXIT_SUCCESS : EXIT_FAILURE;
}
