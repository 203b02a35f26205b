/* dispatch.c - chooses the kernel table (GEMM and vector kernels) and drives the GEMM micro-kernels over whole matrices.

   wt__gemm blocks the product as GotoBLAS does (Goto and van de Geijn, "Anatomy of
   high-performance matrix multiplication", TOMS 2008), without threads:
     for each block of GEMM_NC columns of C          (jc)
       for each block of up to GEMM_KC rows of op(B) (pc)   pack op(B) into NR-wide panels (L2)
         for each block of GEMM_MC rows of C         (ic)   pack op(A) into rows if trans_a
           for each MR rows                          (ir)   the MR x kc sliver of A stays in L1
             for each NR panel                       (jr)   micro-kernel, MR x NR tile of C
   The innermost loop walks C along its rows, so the MR rows of C are MR sequential streams
   the hardware prefetcher follows; walking down the columns instead costs 20% when C is
   larger than the cache (the weight gradient of the first linear layer, 128 x 12544).
   The first K block uses the caller's accumulate flag and later blocks accumulate. op(A) is
   read in place when not transposed and A^T is packed. B and A^T are packed with the transpose kernel of the table's isa. The workspace is bounded by the block
   sizes, not by the matrix sizes: at most GEMM_KC * GEMM_NC + GEMM_MC * GEMM_KC floats. */
#include <assert.h>
#include <string.h>

#include "kernels.h"

/* A kc x nc block of B fits the 2 MiB L2 with room for A; a kc x NR panel (8 KiB at NR = 8)
   fits L1. Measured with bench/bench_gemm.c; -DWT_GEMM_KC=... etc. override them for tuning. */
#ifndef WT_GEMM_KC
#define WT_GEMM_KC 256
#endif
#ifndef WT_GEMM_NC
#define WT_GEMM_NC 512
#endif
#ifndef WT_GEMM_MC
#define WT_GEMM_MC 96
#endif
enum { GEMM_KC = WT_GEMM_KC, GEMM_NC = WT_GEMM_NC, GEMM_MC = WT_GEMM_MC };

/* Per isa: whether it is SIMD, and its transpose for the packing. */
#define WT_ISA_IS_SIMD_scalar 0
#define WT_ISA_IS_SIMD_wasmsimd 1
#define WT_ISA_TRANSPOSE_scalar wt_f32_transpose_ukernel_4x4__scalar
#define WT_ISA_TRANSPOSE_wasmsimd wt_f32_transpose_ukernel_4x4__wasmsimd
/* The relaxed build's SIMD kernels multiply-add fused (simd.h's wt_f32x4_madd), so its GEMM
   name says so: wt.kernelName (and wt.build in JS) tell the two modules apart. */
#define WT_ISA_NAME_SUFFIX_scalar ""
#if defined(WT_RELAXED)
#define WT_ISA_NAME_SUFFIX_wasmsimd "_relaxed_madd"
#else
#define WT_ISA_NAME_SUFFIX_wasmsimd ""
#endif

typedef struct entry {
  wt_kernels k;
  bool simd;
} entry;

static const entry entries[] = {
#define WT_UKERNEL(isa, fn, mr, nr) \
  {{.f32_gemm = fn, .gemm_mr = mr, .gemm_nr = nr, .f32_gemm_name = #fn WT_ISA_NAME_SUFFIX_##isa, \
    .f32_transpose = WT_ISA_TRANSPOSE_##isa}, WT_ISA_IS_SIMD_##isa},
#include "f32_gemm.inc"
#undef WT_UKERNEL
};
#define N_ENTRIES (sizeof entries / sizeof entries[0])

/* Fills the vector kernels of k: per op, the scalar entry of f32_vector.inc, replaced by the
   last SIMD entry of that op when simd. */
static void select_vector(wt_kernels *k, bool simd) {
#define WT_VKERNEL(isa, op, fn) \
  if (!WT_ISA_IS_SIMD_##isa || simd) k->f32_##op = fn;
#include "f32_vector.inc"
#undef WT_VKERNEL
}

bool wt__kernels_entry(wt_kernels *k, size_t i) {
  if (i >= N_ENTRIES) return false;
  *k = entries[i].k;
  select_vector(k, entries[i].simd);
  return true;
}

void wt__kernels_select(wt_kernels *k, int force_scalar) {
  /* The first entry (the scalar reference) unless SIMD is compiled and allowed; among SIMD
     entries, the last one listed wins. */
  size_t pick = 0;
  for (size_t i = 0; i < N_ENTRIES; i++)
    if (entries[i].simd && !force_scalar) pick = i;
  *k = entries[pick].k;
  select_vector(k, entries[pick].simd);
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

/* K is cut into equal blocks of at most GEMM_KC (300 -> 150 + 150, not 256 + 44). */
static size_t block_k(size_t K) {
  const size_t blocks = (K + GEMM_KC - 1) / GEMM_KC;
  return (K + blocks - 1) / blocks;
}
static size_t block_n(const wt_kernels *k) {
  return GEMM_NC >= k->gemm_nr ? GEMM_NC / k->gemm_nr * k->gemm_nr : k->gemm_nr;
}
static size_t block_m(const wt_kernels *k) {
  return GEMM_MC >= k->gemm_mr ? GEMM_MC / k->gemm_mr * k->gemm_mr : k->gemm_mr;
}
/* Floats of the packed-B region, rounded so the packed-A region after it stays 16-byte aligned. */
static size_t b_pack_floats(const wt_kernels *k, size_t N, size_t K) {
  return round_up(block_k(K) * round_up(min_sz(N, block_n(k)), k->gemm_nr), 4);
}

size_t wt__gemm_workspace_floats(const wt_kernels *k, bool trans_a, bool trans_b, size_t M,
                                 size_t N, size_t K) {
  (void)trans_b;
  size_t floats = b_pack_floats(k, N, K);
  if (trans_a) floats += min_sz(M, block_m(k)) * block_k(K);
  return floats;
}

/* Packs op(B)[pc : pc+kb, jc : jc+nb] into panels of nr columns: panel p holds kb rows of nr
   floats (columns past nb are zero), panel p at dst + p*kb*nr. */
static void pack_b(const wt_kernels *k, bool trans_b, const float *B, size_t ldb, size_t pc,
                   size_t kb, size_t jc, size_t nb, float *dst) {
  const size_t nr = k->gemm_nr;
  for (size_t jr = 0; jr < nb; jr += nr, dst += kb * nr) {
    const size_t n = min_sz(nb - jr, nr);
    if (trans_b) {
      k->f32_transpose(n, kb, B + (jc + jr) * ldb + pc, ldb, dst, nr);
    } else if (n == 8 && nr == 8) {
      const float *src = B + pc * ldb + jc + jr;
      for (size_t kk = 0; kk < kb; kk++, src += ldb) memcpy(dst + kk * 8, src, 8 * sizeof *src);
    } else {
      const float *src = B + pc * ldb + jc + jr;
      for (size_t kk = 0; kk < kb; kk++, src += ldb) memcpy(dst + kk * nr, src, n * sizeof *src);
    }
    if (n < nr)
      for (size_t kk = 0; kk < kb; kk++)
        for (size_t j = n; j < nr; j++) dst[kk * nr + j] = 0.0f;
  }
}

void wt__gemm(const wt_kernels *k, bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
              const float *A, size_t lda, const float *B, size_t ldb, bool accumulate, float *C,
              size_t ldc, float *ws) {
  assert(k != NULL && k->f32_gemm != NULL && k->f32_transpose != NULL);
  assert(M >= 1 && N >= 1 && K >= 1);
  assert(A != NULL && B != NULL && C != NULL && ws != NULL);
  assert(lda >= (trans_a ? M : K) && ldb >= (trans_b ? K : N) && ldc >= N);
  const size_t mr = k->gemm_mr, nr = k->gemm_nr;
  const size_t kc = block_k(K), nc = block_n(k), mc = block_m(k);
  float *bp = ws;
  float *ap = ws + b_pack_floats(k, N, K);
  for (size_t jc = 0; jc < N; jc += nc) {
    const size_t nb = min_sz(N - jc, nc);
    for (size_t pc = 0; pc < K; pc += kc) {
      const size_t kb = min_sz(K - pc, kc);
      const wt_f32_gemm_params params = {.accumulate = accumulate || pc > 0};
      pack_b(k, trans_b, B, ldb, pc, kb, jc, nb, bp);
      for (size_t ic = 0; ic < M; ic += mc) {
        const size_t mb = min_sz(M - ic, mc);
        const float *a = ap;
        size_t a_stride = kb;
        if (trans_a) {
          k->f32_transpose(kb, mb, A + pc * lda + ic, lda, ap, kb);
        } else {
          a = A + ic * lda + pc;
          a_stride = lda;
        }
        for (size_t ir = 0; ir < mb; ir += mr) {
          const size_t m = min_sz(mb - ir, mr);
          float *c = C + (ic + ir) * ldc + jc;
          for (size_t jr = 0; jr < nb; jr += nr)
            k->f32_gemm(m, min_sz(nb - jr, nr), kb, a + ir * a_stride,
                        a_stride, bp + jr * kb, c + jr, ldc, &params);
        }
      }
    }
  }
}
