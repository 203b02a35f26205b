/* f32_transpose_4x4_scalar.c - the scalar reference transpose used by the GEMM packing
   (contract in kernels.h): 4x4 blocks, so reads and writes both walk short runs. */
#include <assert.h>

#include "kernels.h"

void wt_f32_transpose_ukernel_4x4__scalar(size_t rows, size_t cols, const float *src, size_t lds,
                                          float *dst, size_t ldd) {
  assert(src != NULL && dst != NULL);
  for (size_t r0 = 0; r0 < rows; r0 += 4) {
    const size_t r1 = rows - r0 < 4 ? rows : r0 + 4;
    for (size_t c0 = 0; c0 < cols; c0 += 4) {
      const size_t c1 = cols - c0 < 4 ? cols : c0 + 4;
      for (size_t c = c0; c < c1; c++)
        for (size_t r = r0; r < r1; r++) dst[c * ldd + r] = src[r * lds + c];
    }
  }
}
