// softmax_rows.hip
// Numerically stable row-wise softmax of a row-major [rows x cols] matrix:
//   y[r][c] = exp(x[r][c] - max_r) / sum_c exp(x[r][c] - max_r)
// One block per row; the row max and the row sum are each reduced in
// dynamic shared memory (extern __shared__).

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

__global__ void softmax_rows(const float* __restrict__ x, float* __restrict__ y,
                             int cols) {
  extern __shared__ float sdata[];
  const float* row_in = x + static_cast<size_t>(blockIdx.x) * cols;
  float* row_out = y + static_cast<size_t>(blockIdx.x) * cols;
  const unsigned tid = threadIdx.x;

  // 1) row maximum
  float m = -INFINITY;
  for (int c = tid; c < cols; c += blockDim.x) m = fmaxf(m, row_in[c]);
  sdata[tid] = m;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] = fmaxf(sdata[tid], sdata[tid + s]);
    __syncthreads();
  }
  const float row_max = sdata[0];
  __syncthreads();

  // 2) sum of exponentials
  float sum = 0.0f;
  for (int c = tid; c < cols; c += blockDim.x) sum += __expf(row_in[c] - row_max);
  sdata[tid] = sum;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  const float inv_sum = 1.0f / sdata[0];

  // 3) normalize
  for (int c = tid; c < cols; c += blockDim.x) {
    row_out[c] = __expf(row_in[c] - row_max) * inv_sum;
  }
}

int main() {
  const int rows = 1024, cols = 1000;
  const size_t count = static_cast<size_t>(rows) * cols;
  std::vector<float> h_x(count), h_y(count);
  for (size_t i = 0; i < count; ++i) h_x[i] = static_cast<float>(i % 13) * 0.25f;

  float *d_x, *d_y;
  HIP_CHECK(hipMalloc(&d_x, count * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_y, count * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_x, h_x.data(), count * sizeof(float), hipMemcpyHostToDevice));

  const int block = 256;
  const size_t shmem = block * sizeof(float);
  softmax_rows<<<rows, block, shmem>>>(d_x, d_y, cols);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_y.data(), d_y, count * sizeof(float), hipMemcpyDeviceToHost));

  // Every row must sum to one.
  double worst = 0.0;
  for (int r = 0; r < rows; ++r) {
    double s = 0.0;
    for (int c = 0; c < cols; ++c) s += h_y[static_cast<size_t>(r) * cols + c];
    worst = std::fmax(worst, std::fabs(s - 1.0));
  }
  printf("softmax: worst |row_sum - 1| = %g\n", worst);

  HIP_CHECK(hipFree(d_x));
  HIP_CHECK(hipFree(d_y));
  return worst < 1e-3 ? EXIT_SUCCESS : EXIT_FAILURE;
}
