/* rng.c - PCG32 (M. O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good
   Algorithms for Random Number Generation", 2014; XSH-RR 64/32) and the samplers built on it.
   Doubles throughout so Node and browsers draw bit-identical sequences. */
#include <math.h>

#include "internal.h"

#define PCG_MULT 6364136223846793005ULL

void wt_rng_seed(wt_rng *rng, uint64_t seed, uint64_t stream) {
  rng->state = 0;
  rng->inc = (stream << 1u) | 1u;
  (void)wt_rng_u32(rng);
  rng->state += seed;
  (void)wt_rng_u32(rng);
}

uint32_t wt_rng_u32(wt_rng *rng) {
  uint64_t old = rng->state;
  rng->state = old * PCG_MULT + rng->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

uint32_t wt_rng_below(wt_rng *rng, uint32_t n) {
  WT_ASSERT(n >= 1);
  /* Rejection of the low (2^32 mod n) values keeps the result unbiased. */
  uint32_t threshold = (uint32_t)(-n) % n;
  for (;;) {
    uint32_t r = wt_rng_u32(rng);
    if (r >= threshold) return r % n;
  }
}

double wt_rng_uniform(wt_rng *rng) {
  uint64_t hi = wt_rng_u32(rng) >> 5, lo = wt_rng_u32(rng) >> 6; /* 27 + 26 = 53 bits */
  return (double)(hi * 67108864u + lo) * (1.0 / 9007199254740992.0);
}

double wt_rng_normal(wt_rng *rng) {
  /* Marsaglia polar method; the second value is dropped to keep the state self-contained. */
  for (;;) {
    double u = 2.0 * wt_rng_uniform(rng) - 1.0, v = 2.0 * wt_rng_uniform(rng) - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * log(s) / s);
  }
}

double wt_rng_gamma(wt_rng *rng, double shape) {
  WT_ASSERT(shape > 0.0);
  if (shape < 1.0) {
    /* Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia and Tsang, section 6). */
    double u;
    do u = wt_rng_uniform(rng);
    while (u <= 0.0);
    return wt_rng_gamma(rng, shape + 1.0) * pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = wt_rng_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    double u = wt_rng_uniform(rng);
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
  }
}

double wt_rng_beta(wt_rng *rng, double a, double b) {
  WT_ASSERT(a > 0.0 && b > 0.0);
  for (;;) {
    double x = wt_rng_gamma(rng, a), y = wt_rng_gamma(rng, b);
    /* For tiny a and b both draws can underflow to 0; draw again rather than return NaN. */
    if (x + y > 0.0) return x / (x + y);
  }
}
