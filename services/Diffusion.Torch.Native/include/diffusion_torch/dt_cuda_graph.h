/* CUDA graphs: capture the kernels of a static-shape computation once, replay them with one launch
 * (at::cuda::CUDAGraph, as torch.cuda.graph does). Requires a CUDA libtorch; on other builds every
 * function but dt_cuda_graph_is_supported fails with DT_ERROR_INVALID_ARGUMENT. */
#ifndef DIFFUSION_TORCH_CUDA_GRAPH_H
#define DIFFUSION_TORCH_CUDA_GRAPH_H

#include "dt_common.h"

typedef struct dt_cuda_graph_s* dt_cuda_graph;

/* 1 when the shim was built against a CUDA libtorch (a device may still be absent), else 0. */
DT_EXPORT dt_status dt_cuda_graph_is_supported(int32_t* out);

/* Starts capturing on a fresh side stream of device_index (-1 = current device), made the calling
 * thread's current stream until dt_cuda_graph_capture_end: every CUDA op issued from this thread until
 * then is recorded, not run. Memory allocated during capture comes from a pool private to the graph
 * and stays reserved until it is freed. */
DT_EXPORT dt_status dt_cuda_graph_capture_begin(int32_t device_index, dt_cuda_graph* out);
/* Ends the capture begun by dt_cuda_graph_capture_begin (on the same thread) and instantiates it. */
DT_EXPORT dt_status dt_cuda_graph_capture_end(dt_cuda_graph graph);
/* Launches the captured kernels again on the current stream, reading and writing the same addresses. */
DT_EXPORT dt_status dt_cuda_graph_replay(dt_cuda_graph graph);
/* Frees the graph (and its private memory pool once no tensor uses it). NULL is a no-op. */
DT_EXPORT void dt_cuda_graph_free(dt_cuda_graph graph);

#endif
