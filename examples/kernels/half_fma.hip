// half_fma.hip
// Fused multiply-add over half-precision vectors: d[i] = a[i] * b[i] + c[i].
// Data is stored as __half; the kernel processes two elements at a time with
// the packed __half2 type (__hfma2) and handles an odd tail with __hfma.
// The host converts between float and half with __float2half/__half2float.

#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>

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

__global__ void half_fma(const __half* __restrict__ a, const __half* __restrict__ b,
                         const __half* __restrict__ c, __half* __restrict__ d, int n) {
  const int pairs = n / 2;
  const __half2* a2 = reinterpret_cast<const __half2*>(a);
  const __half2* b2 = reinterpret_cast<const __half2*>(b);
  const __half2* c2 = reinterpret_cast<const __half2*>(c);
  __half2* d2 = reinterpret_cast<__half2*>(d);

  const int stride = blockDim.x * gridDim.x;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < pairs; i += stride) {
    d2[i] = __hfma2(a2[i], b2[i], c2[i]);
  }
  if ((n & 1) && blockIdx.x == 0 && threadIdx.x == 0) {
    d[n - 1] = __hfma(a[n - 1], b[n - 1], c[n - 1]);
  }
}

int main() {
  const int n = (1 << 20) + 1;  // odd on purpose to exercise the tail
  std::vector<__half> h_a(n), h_b(n), h_c(n), h_d(n);
  for (int i = 0; i < n; ++i) {
    h_a[i] = __float2half(0.5f);
    h_b[i] = __float2half(static_cast<float>(i % 8));
    h_c[i] = __float2half(1.0f);
  }

  __half *d_a, *d_b, *d_c, *d_d;
  const size_t bytes = n * sizeof(__half);
  HIP_CHECK(hipMalloc(&d_a, bytes));
  HIP_CHECK(hipMalloc(&d_b, bytes));
  HIP_CHECK(hipMalloc(&d_c, bytes));
  HIP_CHECK(hipMalloc(&d_d, bytes));
  HIP_CHECK(hipMemcpy(d_a, h_a.data(), bytes, hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_b, h_b.data(), bytes, hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_c, h_c.data(), bytes, hipMemcpyHostToDevice));

  hipLaunchKernelGGL(half_fma, dim3(512), dim3(256), 0, 0, d_a, d_b, d_c, d_d, n);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_d.data(), d_d, bytes, hipMemcpyDeviceToHost));

  int errors = 0;
  for (int i = 0; i < n; ++i) {
    float expect = 0.5f * static_cast<float>(i % 8) + 1.0f;
    if (std::fabs(__half2float(h_d[i]) - expect) > 1e-2f) ++errors;
  }
  printf("half_fma: %d elements, %d errors\n", n, errors);

  HIP_CHECK(hipFree(d_a));
  HIP_CHECK(hipFree(d_b));
  HIP_CHECK(hipFree(d_c));
  HIP_CHECK(hipFree(d_d));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
