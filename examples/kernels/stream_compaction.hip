// stream_compaction.hip
// Stream compaction: copies the elements of an int array that satisfy a
// predicate (value is even) into a dense output array, preserving order.
// Steps: flag kernel -> per-block exclusive scan of flags in shared memory
// -> host scan of block totals -> scatter kernel.

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

constexpr int kBlock = 256;

__device__ inline int keep(int v) { return (v & 1) == 0; }

// Exclusive scan of the keep-flags within each block (Hillis-Steele in
// shared memory). Writes per-element local offsets and per-block totals.
__global__ void scan_flags(const int* in, int* offsets, int* block_totals, int n) {
  __shared__ int temp[kBlock];
  const int gid = blockIdx.x * kBlock + threadIdx.x;
  const int flag = (gid < n) ? keep(in[gid]) : 0;
  temp[threadIdx.x] = flag;
  __syncthreads();

  for (unsigned offset = 1; offset < kBlock; offset <<= 1) {
    int add = (threadIdx.x >= offset) ? temp[threadIdx.x - offset] : 0;
    __syncthreads();
    temp[threadIdx.x] += add;
    __syncthreads();
  }
  if (gid < n) offsets[gid] = temp[threadIdx.x] - flag;  // inclusive -> exclusive
  if (threadIdx.x == kBlock - 1) block_totals[blockIdx.x] = temp[threadIdx.x];
}

__global__ void scatter(const int* in, const int* offsets, const int* block_base,
                        int* out, int n) {
  const int gid = blockIdx.x * kBlock + threadIdx.x;
  if (gid < n && keep(in[gid])) {
    out[block_base[blockIdx.x] + offsets[gid]] = in[gid];
  }
}

int main() {
  const int n = 1'000'003;
  const int grid = (n + kBlock - 1) / kBlock;
  std::vector<int> h_in(n);
  for (int i = 0; i < n; ++i) h_in[i] = (i * 37) % 1001;

  int *d_in, *d_offsets, *d_totals, *d_base, *d_out;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_offsets, n * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_totals, grid * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_base, grid * sizeof(int)));
  HIP_CHECK(hipMalloc(&d_out, n * sizeof(int)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(int), hipMemcpyHostToDevice));

  scan_flags<<<grid, kBlock>>>(d_in, d_offsets, d_totals, n);
  HIP_CHECK(hipGetLastError());

  // Block totals are few; scan them on the host.
  std::vector<int> totals(grid), base(grid);
  HIP_CHECK(hipMemcpy(totals.data(), d_totals, grid * sizeof(int), hipMemcpyDeviceToHost));
  int running = 0;
  for (int b = 0; b < grid; ++b) { base[b] = running; running += totals[b]; }
  HIP_CHECK(hipMemcpy(d_base, base.data(), grid * sizeof(int), hipMemcpyHostToDevice));

  scatter<<<grid, kBlock>>>(d_in, d_offsets, d_base, d_out, n);
  HIP_CHECK(hipGetLastError());

  std::vector<int> h_out(running), ref;
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, running * sizeof(int), hipMemcpyDeviceToHost));
  for (int v : h_in) if ((v & 1) == 0) ref.push_back(v);
  bool ok = (h_out == ref);
  printf("compaction kept %d of %d elements: %s\n", running, n, ok ? "PASSED" : "FAILED");

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_offsets));
  HIP_CHECK(hipFree(d_totals));
  HIP_CHECK(hipFree(d_base));
  HIP_CHECK(hipFree(d_out));
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
