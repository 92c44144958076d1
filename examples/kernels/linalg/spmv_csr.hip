// linalg/spmv_csr.hip
// Sparse matrix-vector product y = A * x with A in CSR format.
// Two variants: spmv_csr_scalar (one thread per row) and spmv_csr_vector
// (one wavefront per row, lanes stride over the row's nonzeros and combine
// with __shfl_down). The test matrix is the 1D Poisson tridiagonal [-1 2 -1].

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

__global__ void spmv_csr_scalar(int rows, const int* __restrict__ row_ptr,
                                const int* __restrict__ col_idx,
                                const float* __restrict__ vals,
                                const float* __restrict__ x, float* __restrict__ y) {
  const int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < rows) {
    float sum = 0.0f;
    for (int j = row_ptr[row]; j < row_ptr[row + 1]; ++j) sum += vals[j] * x[col_idx[j]];
    y[row] = sum;
  }
}

__global__ void spmv_csr_vector(int rows, const int* __restrict__ row_ptr,
                                const int* __restrict__ col_idx,
                                const float* __restrict__ vals,
                                const float* __restrict__ x, float* __restrict__ y) {
  const int lane = threadIdx.x % warpSize;
  const int row = (blockIdx.x * blockDim.x + threadIdx.x) / warpSize;
  if (row >= rows) return;  // whole wavefront exits together

  float sum = 0.0f;
  for (int j = row_ptr[row] + lane; j < row_ptr[row + 1]; j += warpSize) {
    sum += vals[j] * x[col_idx[j]];
  }
  for (int off = warpSize / 2; off > 0; off >>= 1) sum += __shfl_down(sum, off);
  if (lane == 0) y[row] = sum;
}

int main() {
  const int rows = 100000;
  std::vector<int> row_ptr(rows + 1), col_idx;
  std::vector<float> vals, x(rows, 1.0f), y(rows);
  for (int r = 0; r < rows; ++r) {
    row_ptr[r] = static_cast<int>(col_idx.size());
    if (r > 0) { col_idx.push_back(r - 1); vals.push_back(-1.0f); }
    col_idx.push_back(r); vals.push_back(2.0f);
    if (r < rows - 1) { col_idx.push_back(r + 1); vals.push_back(-1.0f); }
  }
  row_ptr[rows] = static_cast<int>(col_idx.size());
  const int nnz = row_ptr[rows];

  int *d_rp, *d_ci;
  float *d_v, *d_x, *d_y;
  HIP_CHECK(hipMalloc(&d_rp, (rows + 1) * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_ci, nnz * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_v, nnz * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_x, rows * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_y, rows * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_rp, row_ptr.data(), (rows + 1) * sizeof(int), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_ci, col_idx.data(), nnz * sizeof(int), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_v, vals.data(), nnz * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_x, x.data(), rows * sizeof(float), hipMemcpyHostToDevice));

  hipDeviceProp_t props;
  HIP_CHECK(hipGetDeviceProperties(&props, 0));
  const int block = 256;
  hipLaunchKernelGGL(spmv_csr_scalar, dim3((rows + block - 1) / block), dim3(block), 0, 0,
                     rows, d_rp, d_ci, d_v, d_x, d_y);
  const int rows_per_block = block / props.warpSize;
  hipLaunchKernelGGL(spmv_csr_vector, dim3((rows + rows_per_block - 1) / rows_per_block),
                     dim3(block), 0, 0, rows, d_rp, d_ci, d_v, d_x, d_y);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(y.data(), d_y, rows * sizeof(float), hipMemcpyDeviceToHost));

  // A * ones = [1, 0, 0, ..., 0, 1]
  int errors = 0;
  for (int r = 0; r < rows; ++r) {
    float expect = (r == 0 || r == rows - 1) ? 1.0f : 0.0f;
    if (std::fabs(y[r] - expect) > 1e-5f) ++errors;
  }
  printf("spmv_csr: nnz = %d, %d errors\n", nnz, errors);

  HIP_CHECK(hipFree(d_rp));
  HIP_CHECK(hipFree(d_ci));
  HIP_CHECK(hipFree(d_v));
  HIP_CHECK(hipFree(d_x));
  HIP_CHECK(hipFree(d_y));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
