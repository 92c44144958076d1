// stencil/jacobi_2d.hip
// Jacobi iteration for the 2D Laplace equation on an nx x ny grid with
// fixed (Dirichlet) boundaries: u_new = average of the 4 neighbours.
// Ping-pongs between two buffers and tracks the max update with an
// atomicMax on the float's bit pattern (valid for non-negative floats).

#include <hip/hip_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
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

__global__ void jacobi_step(const float* __restrict__ u, float* __restrict__ u_new,
                            int nx, int ny, unsigned int* max_delta_bits) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x <= 0 || y <= 0 || x >= nx - 1 || y >= ny - 1) return;

  const int idx = y * nx + x;
  const float v = 0.25f * (u[idx - 1] + u[idx + 1] + u[idx - nx] + u[idx + nx]);
  u_new[idx] = v;

  const float delta = fabsf(v - u[idx]);
  atomicMax(max_delta_bits, __float_as_uint(delta));
}

int main() {
  const int nx = 512, ny = 512, max_iters = 2000;
  const float tol = 1e-4f;
  std::vector<float> h_u(nx * ny, 0.0f);
  for (int x = 0; x < nx; ++x) h_u[x] = 1.0f;  // hot top edge

  float *d_a, *d_b;
  unsigned int* d_delta;
  HIP_CHECK(hipMalloc(&d_a, nx * ny * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_b, nx * ny * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_delta, sizeof(unsigned int)));
  HIP_CHECK(hipMemcpy(d_a, h_u.data(), nx * ny * sizeof(float), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_b, h_u.data(), nx * ny * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(16, 16);
  dim3 grid((nx + block.x - 1) / block.x, (ny + block.y - 1) / block.y);

  int iter = 0;
  float delta = 0.0f;
  for (; iter < max_iters; ++iter) {
    HIP_CHECK(hipMemset(d_delta, 0, sizeof(unsigned int)));
    hipLaunchKernelGGL(jacobi_step, grid, block, 0, 0, d_a, d_b, nx, ny, d_delta);
    HIP_CHECK(hipGetLastError());
    std::swap(d_a, d_b);

    if (iter % 100 == 99) {
      unsigned int bits;
      HIP_CHECK(hipMemcpy(&bits, d_delta, sizeof(bits), hipMemcpyDeviceToHost));
      std::memcpy(&delta, &bits, sizeof(delta));
      if (delta < tol) break;
    }
  }

  HIP_CHECK(hipMemcpy(h_u.data(), d_a, nx * ny * sizeof(float), hipMemcpyDeviceToHost));
  printf("jacobi: %d iterations, last max delta %g, u(center) = %f\n", iter + 1,
         delta, h_u[(ny / 2) * nx + nx / 2]);

  HIP_CHECK(hipFree(d_a));
  HIP_CHECK(hipFree(d_b));
  HIP_CHECK(hipFree(d_delta));
  return EXIT_SUCCESS;
}
