// activations_template.hip
// Element-wise activation functions (ReLU, leaky ReLU, GELU tanh approx.)
// applied by a single kernel template parameterized on a functor type.
// Grid-stride loop; instantiated for float and double.

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

struct Relu {
  template <typename T>
  __device__ T operator()(T x) const { return x > T(0) ? x : T(0); }
};

struct LeakyRelu {
  float slope;
  template <typename T>
  __device__ T operator()(T x) const { return x > T(0) ? x : T(slope) * x; }
};

struct Gelu {
  // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
  template <typename T>
  __device__ T operator()(T x) const {
    const T k0 = T(0.7978845608028654);
    const T k1 = T(0.044715);
    return T(0.5) * x * (T(1) + tanh(k0 * (x + k1 * x * x * x)));
  }
};

template <typename T, typename Op>
__global__ void apply_activation(const T* __restrict__ in, T* __restrict__ out,
                                 size_t n, Op op) {
  size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < n; i += stride) {
    out[i] = op(in[i]);
  }
}

template <typename T, typename Op>
void run(const char* name, Op op, size_t n) {
  std::vector<T> h_in(n), h_out(n);
  for (size_t i = 0; i < n; ++i) h_in[i] = T(-4) + T(8) * T(i) / T(n);

  T *d_in, *d_out;
  HIP_CHECK(hipMalloc(&d_in, n * sizeof(T)));
  HIP_CHECK(hipMalloc(&d_out, n * sizeof(T)));
  HIP_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(T), hipMemcpyHostToDevice));

  apply_activation<T, Op><<<256, 256>>>(d_in, d_out, n, op);
  HIP_CHECK(hipGetLastError());
  HIP_CHECK(hipMemcpy(h_out.data(), d_out, n * sizeof(T), hipMemcpyDeviceToHost));

  printf("%-12s f(%.2f) = %.5f   f(%.2f) = %.5f\n", name,
         static_cast<double>(h_in[0]), static_cast<double>(h_out[0]),
         static_cast<double>(h_in[n - 1]), static_cast<double>(h_out[n - 1]));

  HIP_CHECK(hipFree(d_in));
  HIP_CHECK(hipFree(d_out));
}

int main() {
  const size_t n = 1 << 20;
  run<float>("relu", Relu{}, n);
  run<float>("leaky_relu", LeakyRelu{0.01f}, n);
  run<float>("gelu<f32>", Gelu{}, n);
  run<double>("gelu<f64>", Gelu{}, n);
  return EXIT_SUCCESS;
}
