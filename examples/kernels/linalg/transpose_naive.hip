// linalg/transpose_naive.hip
// Naive out-of-place matrix transpose: out[x][y] = in[y][x] for a row-major
// rows x cols float matrix. Reads are coalesced, writes are strided; this is
// the baseline for the shared-memory tiled version.

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

__global__ void transpose_naive(const float* __restrict__ in, float* __restrict__ out,
                                int rows, int cols) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;  // column in `in`
  const int y = blockIdx.y * blockDim.y + threadIdx.y;  // row in `in`
  if (x < cols && y < rows) {
    out[x * rows + y] = in[y * cols + x];
  }
}

int main() {
  const int rows = 1000, cols = 1500;
  std::vector<float> h_in(rows * cols), h_out(rows * cols);
  for (int i = 0; i < rows * cols; ++i) h_in[i] = static_cast<float>(i);

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, rows * cols * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_out, rows * cols * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), rows * cols * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(32, 8);
  dim3 grid((cols + block.x - 1) / block.x, (rows + block.y - 1) / block.y);
  hipLaunchKernelGGL(transpose_naive, grid, block, 0, 0, d_in, d_out, rows, cols);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, rows * cols * sizeof(float), hipMemcpyDeviceToHost));

  int errors = 0;
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      if (h_out[x * rows + y] != h_in[y * cols + x]) ++errors;
  printf("transpose_naive %dx%d: %d errors\n", rows, cols, errors);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
