// image/rgb_to_grayscale.hip
// Converts an interleaved 8-bit RGBA image to grayscale using the ITU-R
// BT.601 luma weights (0.299, 0.587, 0.114), and a second kernel that
// expands the gray image back to RGBA (gray replicated, alpha = 255).
// Uses 2D thread blocks and HIP's uchar4 vector type.

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

__device__ __forceinline__ unsigned char luma(uchar4 p) {
  float y = 0.299f * p.x + 0.587f * p.y + 0.114f * p.z;
  return static_cast<unsigned char>(fminf(y + 0.5f, 255.0f));
}

__global__ void rgba_to_gray(const uchar4* __restrict__ rgba,
                             unsigned char* __restrict__ gray,
                             int width, int height, int pitch_px) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < width && y < height) {
    gray[y * width + x] = luma(rgba[y * pitch_px + x]);
  }
}

__global__ void gray_to_rgba(const unsigned char* __restrict__ gray,
                             uchar4* __restrict__ rgba, int width, int height) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < width && y < height) {
    unsigned char g = gray[y * width + x];
    rgba[y * width + x] = make_uchar4(g, g, g, 255);
  }
}

int main() {
  const int width = 1920, height = 1080;
  const int npx = width * height;
  std::vector<uchar4> h_rgba(npx);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      h_rgba[y * width + x] = make_uchar4(x % 256, y % 256, (x + y) % 256, 255);

  uchar4 *d_rgba, *d_back;
  unsigned char* d_gray;
  HIP_CHECK(hipMalloc(&d_rgba, npx * sizeof(uchar4)));
  HIP_CHECK(hipMalloc(&d_back, npx * sizeof(uchar4)));
  HIP_CHECK(hipMalloc(&d_gray, npx));
  HIP_CHECK(hipMemcpy(d_rgba, h_rgba.data(), npx * sizeof(uchar4), hipMemcpyHostToDevice));

  dim3 block(32, 8);
  dim3 grid((width + block.x - 1) / block.x, (height + block.y - 1) / block.y);
  rgba_to_gray<<<grid, block>>>(d_rgba, d_gray, width, height, width);
  gray_to_rgba<<<grid, block>>>(d_gray, d_back, width, height);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  std::vector<unsigned char> h_gray(npx);
  HIP_CHECK(hipMemcpy(h_gray.data(), d_gray, npx, hipMemcpyDeviceToHost));
  int errors = 0;
  for (int i = 0; i < npx; ++i) {
    const uchar4 p = h_rgba[i];
    int ref = static_cast<int>(0.299f * p.x + 0.587f * p.y + 0.114f * p.z + 0.5f);
    if (std::abs(ref - h_gray[i]) > 1) ++errors;
  }
  printf("rgba_to_gray %dx%d: %d errors\n", width, height, errors);

  HIP_CHECK(hipFree(d_rgba));
  HIP_CHECK(hipFree(d_back));
  HIP_CHECK(hipFree(d_gray));
  return errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
