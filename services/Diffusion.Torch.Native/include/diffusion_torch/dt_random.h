/* Seeded random numbers from libtorch's CPU generator, bit-identical to
 * torch.Generator("cpu").manual_seed(seed) used with torch.randn / normal_ / uniform_. */
#ifndef DIFFUSION_TORCH_RANDOM_H
#define DIFFUSION_TORCH_RANDOM_H

#include "dt_common.h"

DT_EXPORT dt_status dt_generator_new(uint64_t seed, dt_generator* out);
DT_EXPORT void dt_generator_free(dt_generator g);
DT_EXPORT dt_status dt_generator_seed(dt_generator g, uint64_t* out);
/* Resets the generator (manual_seed). */
DT_EXPORT dt_status dt_generator_manual_seed(dt_generator g, uint64_t seed);
/* torch.randn(shape, generator=g, dtype=dtype) on the CPU; advances g. */
DT_EXPORT dt_status dt_generator_randn(dt_generator g, const int64_t* shape, int32_t ndim, int32_t dtype,
                                       dt_tensor* out);
/* torch.rand(shape, generator=g, dtype=dtype): uniform [0, 1) on the CPU; advances g. */
DT_EXPORT dt_status dt_generator_rand(dt_generator g, const int64_t* shape, int32_t ndim, int32_t dtype,
                                      dt_tensor* out);
/* In place on a CPU tensor: t.normal_(mean, std, generator=g) / t.uniform_(from, to, generator=g). */
DT_EXPORT dt_status dt_generator_normal_(dt_generator g, dt_tensor t, double mean, double std);
DT_EXPORT dt_status dt_generator_uniform_(dt_generator g, dt_tensor t, double from, double to);

#endif
