// axpby_template.cpp
// Generic AXPBY: y[i] = alpha * x[i] + beta * y[i], templated on the element
// type and instantiated for float and double. Compiled by hipcc as HIP source.

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

template <typename T>
__global__ void axpby(size_t n, T alpha, const T* __restrict__ x, T beta,
                      T* __restrict__ y) {
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  size_t stride = static_cast<size_t>(blockDim.x) * gridDim.x;
  for (; i < n; i += stride) {
    y[i] = alpha * x[i] + beta * y[i];
  }
}

template <typename T>
bool run_axpby(size_t n, T alpha, T beta) {
  std::vector<T> h_x(n), h_y(n);
  for (size_t i = 0; i < n; ++i) {
    h_x[i] = static_cast<T>(i % 17);
    h_y[i] = static_cast<T>(1);
  }

  T *d_x, *d_y;
  HIP_CHECK(hipMalloc(&d_x, n * sizeof(T)));
  HIP_CHECK(hipMalloc(&d_y, n * sizeof(T)));
  HIP_CHECK(hipMemcpy(d_x, h_x.data(), n * sizeof(T), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_y, h_y.data(), n * sizeof(T), hipMemcpyHostToDevice));

  const unsigned block = 256;
  const unsigned grid = static_cast<unsigned>((n + block - 1) / block);
  hipLaunchKernelGGL(axpby<T>, dim3(grid), dim3(block), 0, 0,
                     n, alpha, d_x, beta, d_y);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());
  HIP_CHECK(hipMemcpy(h_y.data(), d_y, n * sizeof(T), hipMemcpyDeviceToHost));

  bool ok = true;
  for (size_t i = 0; i < n && ok; ++i) {
    T expected = alpha * static_cast<T>(i % 17) + beta;
    ok = std::fabs(static_cast<double>(h_y[i] - expected)) < 1e-4;
  }

  HIP_CHECK(hipFree(d_x));
  HIP_CHECK(hipFree(d_y));
  return ok;
}

int main() {
  const size_t n = 1 << 22;
  bool ok_f = run_axpby<float>(n, 2.0f, 0.5f);
  bool ok_d = run_axpby<double>(n, -1.5, 3.0);
  printf("axpby<float>:  %s\n", ok_f ? "PASSED" : "FAILED");
  printf("axpby<double>: %s\n", ok_d ? "PASSED" : "FAILED");
  return (ok_f && ok_d) ? EXIT_SUCCESS : EXIT_FAILURE;
}
