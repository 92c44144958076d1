// linalg/transpose_tiled.hip
// Shared-memory tiled matrix transpose. A TILE x TILE block of the input is
// staged in LDS and written back transposed so both global reads and writes
// are coalesced. The tile has one padding column to avoid bank conflicts.
// Each thread handles TILE / ROWS elements.

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

constexpr int TILE = 32;
constexpr int ROWS = 8;

__global__ void transpose_tiled(const float* __restrict__ in, float* __restrict__ out,
                                int rows, int cols) {
  __shared__ float tile[TILE][TILE + 1];  // +1 column of padding

  int x = blockIdx.x * TILE + threadIdx.x;
  int y = blockIdx.y * TILE + threadIdx.y;
  for (int j = 0; j < TILE; j += ROWS) {
    if (x < cols && y + j < rows) {
      tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * cols + x];
    }
  }
  __syncthreads();

  // Swap block indices: the output is cols x rows.
  x = blockIdx.y * TILE + threadIdx.x;
  y = blockIdx.x * TILE + threadIdx.y;
  for (int j = 0; j < TILE; j += ROWS) {
    if (x < rows && y + j < cols) {
      out[(y + j) * rows + x] = tile[threadIdx.x][threadIdx.y + j];
    }
  }
}

int main() {
  const int rows = 2048, cols = 1000;
  const size_t bytes = static_cast<size_t>(rows) * cols * sizeof(float);
  std::vector<float> h_in(rows * cols), h_out(rows * cols);
  for (int i = 0; i < rows * cols; ++i) h_in[i] = static_cast<float>(i % 65521);

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, bytes));
  HIP_CHECK(hipMalloc(&d_out, bytes));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), bytes, hipMemcpyHostToDevice));

  dim3 block(TILE, ROWS);
  dim3 grid((cols + TILE - 1) / TILE, (rows + TILE - 1) / TILE);

  hipEvent_t start, stop;
  HIP_CHECK(hipEventCreate(&start));
  HIP_CHECK(hipEventCreate(&stop));
  HIP_CHECK(hipEventRecord(start, 0));
  transpose_tiled<<<grid, block>>>(d_in, d_out, rows, cols);
  HIP_CHECK(hipEventRecord(stop, 0));
  HIP_CHECK(hipEventSynchronize(stop));
  float ms = 0.0f;
  HIP_CHECK(hipEventElapsedTime(&ms, start, stop));

  HIP_CHECK(hipMemcpy(h_out.data(), d_out, bytes, hipMemcpyDeviceToHost));
  int errors = 0;
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      if (h_out[x * rows + y] != h_in[y * cols + x]) ++errors;
  printf("transpose_tiled: %.3f ms, %.1f GB/s, %d errors\n", ms,
         2.0 * bytes / (ms * 1e6), errors);

  HIP_CHECK(hipEventDestroy(start));
  HIP_CHECK(hipEventDestroy(stop));
  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
