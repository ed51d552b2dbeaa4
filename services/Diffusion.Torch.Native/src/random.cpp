// Seeded CPU generators, bit-identical to torch.Generator("cpu").manual_seed(seed).
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "diffusion_torch/dt_random.h"
#include "internal.h"

struct dt_generator_s {
  at::Generator generator;
};

namespace {

at::Generator& get_generator(dt_generator g) {
  if (g == nullptr) throw dt::InvalidArgument("generator argument is null");
  return g->generator;
}

at::TensorOptions cpu_options(int32_t dtype) { return at::TensorOptions().dtype(dt::to_scalar_type(dtype)); }

void require_cpu(const at::Tensor& t) {
  if (!t.device().is_cpu())
    throw dt::InvalidArgument("a CPU generator fills CPU tensors only; draw on the CPU, then move the tensor");
}

}  // namespace

DT_EXPORT dt_status dt_generator_new(uint64_t seed, dt_generator* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = new dt_generator_s{at::make_generator<at::CPUGeneratorImpl>(seed)};
  });
}

DT_EXPORT void dt_generator_free(dt_generator g) { delete g; }

DT_EXPORT dt_status dt_generator_seed(dt_generator g, uint64_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = get_generator(g).current_seed();
  });
}

DT_EXPORT dt_status dt_generator_manual_seed(dt_generator g, uint64_t seed) {
  return dt::guard([&] {
    auto& gen = get_generator(g);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  });
}

// The draws take no lock here: libtorch's CPU samplers lock the generator's (non-recursive) mutex
// themselves, so concurrent draws on one generator are serialized without our help.
DT_EXPORT dt_status dt_generator_randn(dt_generator g, const int64_t* shape, int32_t ndim, int32_t dtype,
                                       dt_tensor* out) {
  return dt::guard([&] {
    auto& gen = get_generator(g);
    const auto sizes = dt::to_vector(shape, ndim, "shape");
    dt::set_out(out, at::randn(sizes, gen, cpu_options(dtype)));
  });
}

DT_EXPORT dt_status dt_generator_rand(dt_generator g, const int64_t* shape, int32_t ndim, int32_t dtype,
                                      dt_tensor* out) {
  return dt::guard([&] {
    auto& gen = get_generator(g);
    const auto sizes = dt::to_vector(shape, ndim, "shape");
    dt::set_out(out, at::rand(sizes, gen, cpu_options(dtype)));
  });
}

DT_EXPORT dt_status dt_generator_normal_(dt_generator g, dt_tensor t, double mean, double std) {
  return dt::guard([&] {
    auto& gen = get_generator(g);
    auto tensor = dt::get(t, "t");
    require_cpu(tensor);
    tensor.normal_(mean, std, gen);
  });
}

DT_EXPORT dt_status dt_generator_uniform_(dt_generator g, dt_tensor t, double from, double to) {
  return dt::guard([&] {
    auto& gen = get_generator(g);
    auto tensor = dt::get(t, "t");
    require_cpu(tensor);
    tensor.uniform_(from, to, gen);
  });
}
