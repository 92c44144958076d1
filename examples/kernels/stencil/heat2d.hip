// stencil/heat2d.hip
// Explicit finite-difference time stepping of the 2D heat equation
//   T' = T + alpha * dt / h^2 * (T_n + T_s + T_e + T_w - 4 T)
// Each 2D block loads a (BX+2) x (BY+2) tile with a one-cell halo into
// shared memory; boundary cells are held at their initial value.

#include <hip/hip_runtime.h>

#include <cstdio>
#include <cstdlib>
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

constexpr int BX = 32;
constexpr int BY = 8;

__device__ __forceinline__ float load_clamped(const float* t, int x, int y, int nx, int ny) {
  x = min(max(x, 0), nx - 1);
  y = min(max(y, 0), ny - 1);
  return t[y * nx + x];
}

__global__ void heat_step(const float* __restrict__ t_old, float* __restrict__ t_new,
                          int nx, int ny, float r) {
  __shared__ float tile[BY + 2][BX + 2];
  const int x = blockIdx.x * BX + threadIdx.x;
  const int y = blockIdx.y * BY + threadIdx.y;
  const int tx = threadIdx.x + 1, ty = threadIdx.y + 1;

  tile[ty][tx] = load_clamped(t_old, x, y, nx, ny);
  if (threadIdx.x == 0)      tile[ty][0]      = load_clamped(t_old, x - 1, y, nx, ny);
  if (threadIdx.x == BX - 1) tile[ty][BX + 1] = load_clamped(t_old, x + 1, y, nx, ny);
  if (threadIdx.y == 0)      tile[0][tx]      = load_clamped(t_old, x, y - 1, nx, ny);
  if (threadIdx.y == BY - 1) tile[BY + 1][tx] = load_clamped(t_old, x, y + 1, nx, ny);
  __syncthreads();

  if (x >= nx || y >= ny) return;
  if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
    t_new[y * nx + x] = tile[ty][tx];  // Dirichlet boundary
    return;
  }
  const float c = tile[ty][tx];
  const float lap = tile[ty - 1][tx] + tile[ty + 1][tx] + tile[ty][tx - 1] +
                    tile[ty][tx + 1] - 4.0f * c;
  t_new[y * nx + x] = c + r * lap;
}

int main() {
  const int nx = 1024, ny = 768, steps = 500;
  const float alpha = 1.0f, h = 1.0f, dt = 0.2f;  // r = 0.2 < 0.25: stable
  const float r = alpha * dt / (h * h);

  std::vector<float> h_t(nx * ny, 20.0f);
  for (int y = ny / 2 - 16; y < ny / 2 + 16; ++y)
    for (int x = nx / 2 - 16; x < nx / 2 + 16; ++x) h_t[y * nx + x] = 100.0f;

  float *d_t0, *d_t1;
  HIP_CHECK(hipMalloc(&d_t0, nx * ny * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_t1, nx * ny * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_t0, h_t.data(), nx * ny * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(BX, BY);
  dim3 grid((nx + BX - 1) / BX, (ny + BY - 1) / BY);
  for (int s = 0; s < steps; ++s) {
    heat_step<<<grid, block>>>(d_t0, d_t1, nx, ny, r);
    std::swap(d_t0, d_t1);
  }
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  HIP_CHECK(hipMemcpy(h_t.data(), d_t0, nx * ny * sizeof(float), hipMemcpyDeviceToHost));
  printf("heat2d: T(center) after %d steps = %f\n", steps, h_t[(ny / 2) * nx + nx / 2]);

  HIP_CHECK(hipFree(d_t0));
  HIP_CHECK(hipFree(d_t1));
  return EXIT_SUCCESS;
}
