/* Error reporting: the message of the last failed call on the calling thread. */
#ifndef DIFFUSION_TORCH_ERRORS_H
#define DIFFUSION_TORCH_ERRORS_H

#include "dt_common.h"

/* Copies the last error message of this thread (UTF-8, without libtorch's C++ backtrace) into buf,
 * truncated to len-1 bytes and NUL-terminated when len > 0. Returns the full message length in bytes
 * (without the NUL), so a caller can size its buffer. The message stays until the next failure. */
DT_EXPORT int64_t dt_last_error(char* buf, int64_t len);

#endif
