// nbody_step.hip
// One time step of an all-pairs gravitational n-body simulation.
// Bodies are float4 (x, y, z, mass). Each thread computes the acceleration
// on one body, staging tiles of other bodies in shared memory, then does a
// leapfrog-style velocity and position update.

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

constexpr int kTile = 256;
constexpr float kSoftening2 = 1e-3f;

__device__ inline float3 body_interaction(float4 bi, float4 bj, float3 acc) {
  float3 r = make_float3(bj.x - bi.x, bj.y - bi.y, bj.z - bi.z);
  float dist2 = r.x * r.x + r.y * r.y + r.z * r.z + kSoftening2;
  float inv_dist = rsqrtf(dist2);
  float s = bj.w * inv_dist * inv_dist * inv_dist;
  acc.x += r.x * s;
  acc.y += r.y * s;
  acc.z += r.z * s;
  return acc;
}

__global__ void nbody_step(const float4* __restrict__ pos_in,
                           float4* __restrict__ pos_out,
                           float4* __restrict__ vel, int n, float dt) {
  __shared__ float4 tile[kTile];
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const float4 me = (i < n) ? pos_in[i] : make_float4(0.f, 0.f, 0.f, 0.f);
  float3 acc = make_float3(0.f, 0.f, 0.f);

  for (int base = 0; base < n; base += kTile) {
    const int j = base + threadIdx.x;
    tile[threadIdx.x] = (j < n) ? pos_in[j] : make_float4(0.f, 0.f, 0.f, 0.f);
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < kTile; ++k) acc = body_interaction(me, tile[k], acc);
    __syncthreads();
  }

  if (i < n) {
    float4 v = vel[i];
    v.x += acc.x * dt;
    v.y += acc.y * dt;
    v.z += acc.z * dt;
    vel[i] = v;
    pos_out[i] = make_float4(me.x + v.x * dt, me.y + v.y * dt, me.z + v.z * dt, me.w);
  }
}

int main() {
  const int n = 16384;
  const float dt = 0.01f;
  std::vector<float4> h_pos(n), h_vel(n, make_float4(0.f, 0.f, 0.f, 0.f));
  for (int i = 0; i < n; ++i) {
    float t = 0.001f * i;
    h_pos[i] = make_float4(std::cos(t * 7.f), std::sin(t * 5.f), std::cos(t * 3.f), 1.0f / n);
  }

  float4 *d_pos[2], *d_vel;
  HIP_CHECK(hipMalloc(&d_pos[0], n * sizeof(float4)));
  HIP_CHECK(hipMalloc(&d_pos[1], n * sizeof(float4)));
  HIP_CHECK(hipMalloc(&d_vel, n * sizeof(float4)));
  HIP_CHECK(hipMemcpy(d_pos[0], h_pos.data(), n * sizeof(float4), hipMemcpyHostToDevice));
  HIP_CHECK(hipMemcpy(d_vel, h_vel.data(), n * sizeof(float4), hipMemcpyHostToDevice));

  const int grid = (n + kTile - 1) / kTile;
  for (int step = 0; step < 10; ++step) {
    hipLaunchKernelGGL(nbody_step, dim3(grid), dim3(kTile), 0, 0,
                       d_pos[step & 1], d_pos[(step + 1) & 1], d_vel, n, dt);
  }
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipDeviceSynchronize());

  HIP_CHECK(hipMemcpy(h_pos.data(), d_pos[0], n * sizeof(float4), hipMemcpyDeviceToHost));
  printf("body 0 after 10 steps: (%f, %f, %f)\n", h_pos[0].x, h_pos[0].y, h_pos[0].z);

  HIP_CHECK(hipFree(d_pos[0]));
  HIP_CHECK(hipFree(d_pos[1]));
  HIP_CHECK(hipFree(d_vel));
  return std::isfinite(h_pos[0].x) ? EXIT_SUCCESS : EXIT_FAILURE;
}
