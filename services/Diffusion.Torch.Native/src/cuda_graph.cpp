// CUDA graph capture and replay over at::cuda::CUDAGraph, following torch.cuda.graph: capture on a
// side stream (the legacy default stream cannot be captured), synchronize the device first so no
// earlier work is pending on it. Compiled to "not supported" errors without a CUDA libtorch.
#include <memory>
#include <optional>

#include "diffusion_torch/dt_cuda_graph.h"
#include "internal.h"

#ifdef DT_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

struct dt_cuda_graph_s {
  at::cuda::CUDAGraph graph;
  // Makes the capture stream current on the capturing thread between begin and end.
  std::optional<c10::cuda::CUDAStreamGuard> stream_guard;
  bool captured = false;
};
#else
struct dt_cuda_graph_s {};
#endif

namespace {

[[noreturn]] void not_supported() {
  throw dt::InvalidArgument("CUDA graphs: this libdiffusion_torch was built without CUDA (build against a CUDA libtorch 2.x)");
}

}  // namespace

DT_EXPORT dt_status dt_cuda_graph_is_supported(int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
#ifdef DT_WITH_CUDA
    *out = 1;
#else
    *out = 0;
#endif
  });
}

DT_EXPORT dt_status dt_cuda_graph_capture_begin(int32_t device_index, dt_cuda_graph* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
#ifdef DT_WITH_CUDA
    const auto device = device_index < 0 ? c10::cuda::current_device() : static_cast<c10::DeviceIndex>(device_index);
    c10::cuda::device_synchronize();
    auto graph = std::make_unique<dt_cuda_graph_s>();
    graph->stream_guard.emplace(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device));
    try {
      graph->graph.capture_begin();
    } catch (...) {
      graph->stream_guard.reset();
      throw;
    }
    *out = graph.release();
#else
    (void)device_index;
    not_supported();
#endif
  });
}

DT_EXPORT dt_status dt_cuda_graph_capture_end(dt_cuda_graph graph) {
  return dt::guard([&] {
    if (graph == nullptr) throw dt::InvalidArgument("graph is null");
#ifdef DT_WITH_CUDA
    if (!graph->stream_guard) throw dt::InvalidArgument("CUDA graph: no capture in progress");
    // Restore the thread's stream even when instantiation fails.
    struct Restore {
      dt_cuda_graph g;
      ~Restore() { g->stream_guard.reset(); }
    } restore{graph};
    graph->graph.capture_end();
    graph->captured = true;
#else
    not_supported();
#endif
  });
}

DT_EXPORT dt_status dt_cuda_graph_replay(dt_cuda_graph graph) {
  return dt::guard([&] {
    if (graph == nullptr) throw dt::InvalidArgument("graph is null");
#ifdef DT_WITH_CUDA
    if (!graph->captured) throw dt::InvalidArgument("CUDA graph: replay before a completed capture");
    graph->graph.replay();
#else
    not_supported();
#endif
  });
}

DT_EXPORT void dt_cuda_graph_free(dt_cuda_graph graph) { delete graph; }
