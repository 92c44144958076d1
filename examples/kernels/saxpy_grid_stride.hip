// saxpy_grid_stride.hip
// Single-precision a*x + y (SAXPY): y[i] = a * x[i] + y[i].
// Uses a grid-stride loop so a fixed-size grid covers any vector length.

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

__global__ void saxpy(int n, float a, const float* __restrict__ x,
                      float* __restrict__ y) {
  const int stride = blockDim.x * gridDim.x;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    y[i] = a * x[i] + y[i];
  }
}

int main() {
  const int n = 10'000'000;
  const float a = 2.5f;
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);

  std::vector<float> h_x(n, 1.0f), h_y(n, 2.0f);

  float *d_x, *d_y;
  HIP_CHECK(hipMalloc(&d_x, bytes));
  HIP_CHECK(hipMalloc(&d_y, bytes));
  HIP_CHECK(hipMemcpy(d_x, h_x.data(), bytes, hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_y, h_y.data(), bytes, hipMemcpyHostToDevice));

  // Size the grid from the number of compute units, not from n.
  int device = 0;
  hipDeviceProp_t props;
  HIP_CHECK(hipGetDevice(&device));
  HIP_CHECK(hipGetDeviceProperties(&props, device));
  const int block = 256;
  const int grid = props.multiProcessorCount * 8;

  saxpy<<<grid, block>>>(n, a, d_x, d_y);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  HIP_CHECK(hipMemcpy(h_y.data(), d_y, bytes, hipMemcpyDeviceToHost));

  float max_err = 0.0f;
  for (int i = 0; i < n; ++i) {
    max_err = std::fmax(max_err, std::fabs(h_y[i] - (a * 1.0f + 2.0f)));
  }
  printf("saxpy on %s: max error = %g\n", props.name, max_err);

  HIP_CHECK(hipFree(d_x));
  HIP_CHECK(hipFree(d_y));
  return max_err < 1e-5f ? EXIT_SUCCESS : EXIT_FAILURE;
}
