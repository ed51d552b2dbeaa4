// Element-wise math, comparisons and selection.
#include "diffusion_torch/dt_ops.h"
#include "internal.h"

#define DT_UNARY(name, expr)                                     \
  DT_EXPORT dt_status dt_tensor_##name(dt_tensor t, dt_tensor* out) { \
    return dt::guard([&] {                                       \
      const auto& x = dt::get(t, "t");                           \
      dt::set_out(out, expr);                                    \
    });                                                          \
  }

DT_UNARY(neg, x.neg())
DT_UNARY(abs, x.abs())
DT_UNARY(exp, x.exp())
DT_UNARY(log, x.log())
DT_UNARY(sqrt, x.sqrt())
DT_UNARY(rsqrt, x.rsqrt())
DT_UNARY(sin, x.sin())
DT_UNARY(cos, x.cos())
DT_UNARY(tanh, x.tanh())
DT_UNARY(sigmoid, x.sigmoid())
DT_UNARY(erf, x.erf())
DT_UNARY(floor, x.floor())
DT_UNARY(round, x.round())
DT_UNARY(logical_not, x.logical_not())

#define DT_BINARY(name, expr)                                                   \
  DT_EXPORT dt_status dt_tensor_##name(dt_tensor a, dt_tensor b, dt_tensor* out) { \
    return dt::guard([&] {                                                      \
      const auto& x = dt::get(a, "a");                                          \
      const auto& y = dt::get(b, "b");                                          \
      dt::set_out(out, expr);                                                   \
    });                                                                         \
  }

DT_BINARY(mul, x.mul(y))
DT_BINARY(div, x.div(y))
DT_BINARY(pow, x.pow(y))
DT_BINARY(maximum, at::maximum(x, y))
DT_BINARY(minimum, at::minimum(x, y))

DT_EXPORT dt_status dt_tensor_add(dt_tensor a, dt_tensor b, double alpha, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(a, "a").add(dt::get(b, "b"), alpha)); });
}

DT_EXPORT dt_status dt_tensor_sub(dt_tensor a, dt_tensor b, double alpha, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(a, "a").sub(dt::get(b, "b"), alpha)); });
}

DT_EXPORT dt_status dt_tensor_add_(dt_tensor a, dt_tensor b, double alpha) {
  return dt::guard([&] {
    auto x = dt::get(a, "a");
    x.add_(dt::get(b, "b"), alpha);
  });
}

DT_EXPORT dt_status dt_tensor_sub_(dt_tensor a, dt_tensor b, double alpha) {
  return dt::guard([&] {
    auto x = dt::get(a, "a");
    x.sub_(dt::get(b, "b"), alpha);
  });
}

DT_EXPORT dt_status dt_tensor_mul_(dt_tensor a, dt_tensor b) {
  return dt::guard([&] {
    auto x = dt::get(a, "a");
    x.mul_(dt::get(b, "b"));
  });
}

DT_EXPORT dt_status dt_tensor_div_(dt_tensor a, dt_tensor b) {
  return dt::guard([&] {
    auto x = dt::get(a, "a");
    x.div_(dt::get(b, "b"));
  });
}

#define DT_SCALAR(name, expr)                                                   \
  DT_EXPORT dt_status dt_tensor_##name(dt_tensor a, double s, dt_tensor* out) { \
    return dt::guard([&] {                                                      \
      const auto& x = dt::get(a, "a");                                          \
      dt::set_out(out, expr);                                                   \
    });                                                                         \
  }

DT_SCALAR(add_scalar, x.add(s))
DT_SCALAR(mul_scalar, x.mul(s))
DT_SCALAR(div_scalar, x.div(s))
DT_SCALAR(pow_scalar, x.pow(s))
DT_SCALAR(rsub_scalar, at::rsub(x, s))
// s / x: a 0-dim tensor yields to x's dtype in type promotion, like Python's `s / x`.
DT_SCALAR(rdiv_scalar, at::scalar_tensor(s, x.options().dtype(at::isFloatingType(x.scalar_type()) ? x.scalar_type()
                                                                                                  : at::kFloat))
                           .div(x))

#define DT_SCALAR_INPLACE(name, method)                              \
  DT_EXPORT dt_status dt_tensor_##name(dt_tensor a, double s) {      \
    return dt::guard([&] {                                           \
      auto x = dt::get(a, "a");                                      \
      x.method(s);                                                   \
    });                                                              \
  }

DT_SCALAR_INPLACE(add_scalar_, add_)
DT_SCALAR_INPLACE(mul_scalar_, mul_)
DT_SCALAR_INPLACE(div_scalar_, div_)

namespace {

template <class Other>
at::Tensor compare(const at::Tensor& x, const Other& y, int32_t op) {
  switch (op) {
    case DT_COMPARE_EQ: return x.eq(y);
    case DT_COMPARE_NE: return x.ne(y);
    case DT_COMPARE_LT: return x.lt(y);
    case DT_COMPARE_LE: return x.le(y);
    case DT_COMPARE_GT: return x.gt(y);
    case DT_COMPARE_GE: return x.ge(y);
    default: throw dt::InvalidArgument("unsupported comparison code " + std::to_string(op));
  }
}

}  // namespace

DT_EXPORT dt_status dt_tensor_compare(dt_tensor a, dt_tensor b, int32_t op, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, compare(dt::get(a, "a"), dt::get(b, "b"), op)); });
}

DT_EXPORT dt_status dt_tensor_compare_scalar(dt_tensor a, double s, int32_t op, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, compare(dt::get(a, "a"), at::Scalar(s), op)); });
}

DT_EXPORT dt_status dt_tensor_where(dt_tensor condition, dt_tensor a, dt_tensor b, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::where(dt::get(condition, "condition"), dt::get(a, "a"), dt::get(b, "b")));
  });
}

DT_EXPORT dt_status dt_tensor_masked_fill(dt_tensor t, dt_tensor mask, double value, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").masked_fill(dt::get(mask, "mask"), value)); });
}

DT_EXPORT dt_status dt_tensor_clamp(dt_tensor t, double min, int32_t has_min, double max, int32_t has_max,
                                    dt_tensor* out) {
  return dt::guard([&] {
    const auto lo = has_min != 0 ? c10::optional<at::Scalar>(min) : c10::nullopt;
    const auto hi = has_max != 0 ? c10::optional<at::Scalar>(max) : c10::nullopt;
    if (!lo && !hi) throw dt::InvalidArgument("clamp needs at least one bound");
    dt::set_out(out, dt::get(t, "t").clamp(lo, hi));
  });
}
