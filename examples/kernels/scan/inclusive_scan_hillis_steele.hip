// scan/inclusive_scan_hillis_steele.hip
// Inclusive prefix sum of an int array with the Hillis-Steele algorithm.
// Three phases: (1) each block scans its segment in double-buffered dynamic
// shared memory and emits its total, (2) the block totals are scanned by the
// same kernel in a single block, (3) each block adds the preceding total.

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

__global__ void block_inclusive_scan(const int* in, int* out, int* block_sums, int n) {
  extern __shared__ int buf[];  // 2 * blockDim.x ints (ping-pong buffers)
  const unsigned tid = threadIdx.x;
  const int gid = blockIdx.x * blockDim.x + tid;
  int pout = 0, pin = 1;

  buf[pout * blockDim.x + tid] = (gid < n) ? in[gid] : 0;
  __syncthreads();

  for (unsigned offset = 1; offset < blockDim.x; offset <<= 1) {
    pout = 1 - pout;
    pin = 1 - pout;
    int v = buf[pin * blockDim.x + tid];
    if (tid >= offset) v += buf[pin * blockDim.x + tid - offset];
    buf[pout * blockDim.x + tid] = v;
    __syncthreads();
  }

  if (gid < n) out[gid] = buf[pout * blockDim.x + tid];
  if (block_sums != nullptr && tid == blockDim.x - 1) {
    block_sums[blockIdx.x] = buf[pout * blockDim.x + tid];
  }
}

__global__ void add_block_offsets(int* data, const int* scanned_sums, int n) {
  const int gid = blockIdx.x * blockDim.x + threadIdx.x;
  if (blockIdx.x > 0 && gid < n) data[gid] += scanned_sums[blockIdx.x - 1];
}

int main() {
  const int block = 512;
  const int n = 200'000;
  const int grid = (n + block - 1) / block;  // must be <= block for phase 2
  const size_t shmem = 2 * block * sizeof(int);

  std::vector<int> h_in(n), h_out(n);
  for (int i = 0; i < n; ++i) h_in[i] = (i % 5) - 1;

  int *d_in, *d_out, *d_sums;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_out, n * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_sums, grid * sizeof(int)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(int), hipMemcpyHostToDevice));

  hipLaunchKernelGGL(block_inclusive_scan, dim3(grid), dim3(block), shmem, 0,
                     d_in, d_out, d_sums, n);
  hipLaunchKernelGGL(block_inclusive_scan, dim3(1), dim3(block), shmem, 0,
                     d_sums, d_sums, static_cast<int*>(nullptr), grid);
  hipLaunchKernelGGL(add_block_offsets, dim3(grid), dim3(block), 0, 0,
                     d_out, d_sums, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, n * sizeof(int), hipMemcpyDeviceToHost));

  int running = 0, errors = 0;
  for (int i = 0; i < n; ++i) {
    running += h_in[i];
    if (h_out[i] != running) ++errors;
  }
  printf("inclusive scan: last = %d, %d errors\n", h_out[n - 1], errors);

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  HIP_CHECK(hipFree(d_sums));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
