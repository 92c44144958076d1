// image/conv2d_constant.hip
// 2D convolution (cross-correlation) of a single-channel float image with a
// KSIZE x KSIZE filter stored in __constant__ memory. Each block loads its
// output tile plus a halo into shared memory; pixels outside the image use
// clamp-to-edge addressing. The demo filter is a 5x5 Gaussian blur.

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

#define KSIZE 5
#define KRAD (KSIZE / 2)
#define TILE_W 16
#define TILE_H 16

__constant__ float c_filter[KSIZE * KSIZE];

__global__ void conv2d(const float* __restrict__ in, float* __restrict__ out,
                       int width, int height) {
  __shared__ float smem[TILE_H + 2 * KRAD][TILE_W + 2 * KRAD];
  const int ox = blockIdx.x * TILE_W, oy = blockIdx.y * TILE_H;

  // Cooperative load of tile + halo (more cells than threads).
  for (int sy = threadIdx.y; sy < TILE_H + 2 * KRAD; sy += blockDim.y) {
    for (int sx = threadIdx.x; sx < TILE_W + 2 * KRAD; sx += blockDim.x) {
      int gx = min(max(ox + sx - KRAD, 0), width - 1);
      int gy = min(max(oy + sy - KRAD, 0), height - 1);
      smem[sy][sx] = in[gy * width + gx];
    }
  }
  __syncthreads();

  const int x = ox + threadIdx.x, y = oy + threadIdx.y;
  if (x >= width || y >= height) return;

  float acc = 0.0f;
#pragma unroll
  for (int ky = 0; ky < KSIZE; ++ky)
#pragma unroll
    for (int kx = 0; kx < KSIZE; ++kx)
      acc += c_filter[ky * KSIZE + kx] * smem[threadIdx.y + ky][threadIdx.x + kx];
  out[y * width + x] = acc;
}

int main() {
  const int width = 1280, height = 720;
  float h_filter[KSIZE * KSIZE];
  float norm = 0.0f;
  for (int ky = 0; ky < KSIZE; ++ky)
    for (int kx = 0; kx < KSIZE; ++kx) {
      float dx = kx - KRAD, dy = ky - KRAD;
      h_filter[ky * KSIZE + kx] = std::exp(-(dx * dx + dy * dy) / 2.0f);
      norm += h_filter[ky * KSIZE + kx];
    }
  for (float& w : h_filter) w /= norm;
  HIP_CHECK(hipMemcpyToSymbol(HIP_SYMBOL(c_filter), h_filter, sizeof(h_filter)));

  std::vector<float> h_img(width * height), h_out(width * height);
  for (int i = 0; i < width * height; ++i) h_img[i] = ((i / 8) % 2) ? 1.0f : 0.0f;

  float *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, width * height * sizeof(float)));
  HIP_CHECK(hipMalloc(&d_out, width * height * sizeof(float)));
  HIP_CHECK(hipMemcpy(d_in, h_img.data(), width * height * sizeof(float), hipMemcpyHostToDevice));

  dim3 block(TILE_W, TILE_H);
  dim3 grid((width + TILE_W - 1) / TILE_W, (height + TILE_H - 1) / TILE_H);
  hipLaunchKernelGGL(conv2d, grid, block, 0, 0, d_in, d_out, width, height);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, width * height * sizeof(float), hipMemcpyDeviceToHost));

  double mean_in = 0.0, mean_out = 0.0;
  for (int i = 0; i < width * height; ++i) { mean_in += h_img[i]; mean_out += h_out[i]; }
  printf("conv2d: mean in %.4f, mean out %.4f\n", mean_in / (width * height),
         mean_out / (width * height));

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
  return EXIT_SUCCESS;
}
