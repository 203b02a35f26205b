/* test_losses.c - softmax cross-entropy and softmax: PyTorch goldens (including logits of
   magnitude 1e4 and 3e4), a central-difference gradient check, exact values for huge logits,
   the argmax count with ties, label validation and argument errors. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/check.h"
#include "wasmtricks.h"

#define WT_GOLDENS_LOSSES
#include "data/goldens.h"

#define GOLD_ATOL 1e-6
#define GOLD_RTOL 1e-5

static wt_ctx *ctx;
static wt_rng rng;

static bool has_msg(const char *needle) { return strstr(wt_ctx_last_error(ctx), needle) != NULL; }

static void test_goldens(void) {
  float loss = 0.0f, d[GOLD_CE_N * GOLD_CE_K], p[GOLD_CE_N * GOLD_CE_K];
  int64_t correct = -1;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, GOLD_CE_N, GOLD_CE_K, gold_ce_logits, gold_ce_labels,
                                         &loss, d, &correct));
  CHECK_NEAR(loss, gold_ce_loss, GOLD_ATOL, GOLD_RTOL);
  CHECK(correct == GOLD_CE_CORRECT);
  for (int i = 0; i < GOLD_CE_N * GOLD_CE_K; i++) CHECK_NEAR(d[i], gold_ce_dlogits[i], GOLD_ATOL, GOLD_RTOL);
  CHECK_OK(ctx, wt_softmax(ctx, GOLD_CE_N, GOLD_CE_K, gold_ce_logits, p));
  for (int i = 0; i < GOLD_CE_N * GOLD_CE_K; i++) CHECK_NEAR(p[i], gold_ce_softmax[i], GOLD_ATOL, GOLD_RTOL);
}

/* Central differences of the (double-accumulated, float-returned) loss against dlogits. */
static void test_gradcheck(int64_t N, int64_t K, double scale) {
  float x[6 * 7], d[6 * 7], dd[6 * 7];
  int32_t y[6];
  for (int64_t i = 0; i < N * K; i++) x[i] = (float)(wt_rng_normal(&rng) * scale);
  for (int64_t i = 0; i < N; i++) y[i] = (int32_t)wt_rng_below(&rng, (uint32_t)K);
  float L;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, N, K, x, y, &L, d, NULL));
  const float h = 1e-2f;
  double worst = 0.0;
  int bad = 0;
  for (int64_t i = 0; i < N * K; i++) {
    const float o = x[i];
    float Lp, Lm;
    x[i] = o + h;
    const double hp = (double)x[i] - (double)o;
    wt_softmax_cross_entropy(ctx, N, K, x, y, &Lp, dd, NULL);
    x[i] = o - h;
    const double hm = (double)o - (double)x[i];
    wt_softmax_cross_entropy(ctx, N, K, x, y, &Lm, NULL, NULL);
    x[i] = o;
    const double num = ((double)Lp - (double)Lm) / (hp + hm);
    const double err = fabs(num - (double)d[i]);
    if (err > worst) worst = err;
    /* truncation O(h^2 * f''') and float rounding of L (~1e-7 / 2e-2) */
    if (err > 1e-4 + 1e-2 * fabs((double)d[i])) bad++;
  }
  CHECK_MSG(bad == 0, "CE gradcheck N=%lld K=%lld: %d off, max err %.3g", (long long)N,
            (long long)K, bad, worst);
  /* each row of dlogits sums to 0 */
  for (int64_t i = 0; i < N; i++) {
    double s = 0.0;
    for (int64_t j = 0; j < K; j++) s += (double)d[i * K + j];
    CHECK_NEAR(s, 0.0, 1e-6, 0.0);
  }
}

static void test_huge_logits(void) {
  /* exact in double after the max is subtracted: no overflow, no cancellation to 0 */
  const float x[2 * 3] = {1e4f, 0.0f, -1e4f, 3e38f, 3e38f, -3e38f};
  const int32_t y[2] = {1, 2};
  float L, d[6];
  int64_t correct;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, &correct));
  /* row 0: lse = 1e4 (+ e^-1e4), loss 1e4; row 1: lse = 3e38 + log 2, loss 6e38 */
  CHECK_NEAR(L, (1e4 + 6e38) / 2.0, 0.0, 1e-6);
  CHECK(isfinite(L));
  CHECK_NEAR(d[0], 0.5, 0.0, 1e-7);
  CHECK_NEAR(d[1], -0.5, 0.0, 1e-7);
  CHECK(d[2] == 0.0f);
  CHECK_NEAR(d[3], 0.25, 0.0, 1e-7);
  CHECK_NEAR(d[4], 0.25, 0.0, 1e-7);
  CHECK_NEAR(d[5], -0.5, 0.0, 1e-7);
  CHECK(correct == 0);
  /* single row: loss of 1e4 exactly representable */
  const float x1[3] = {-5000.0f, 5000.0f, 5000.0f};
  const int32_t y1 = 0;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 1, 3, x1, &y1, &L, NULL, NULL));
  CHECK_NEAR(L, 10000.0 + log(2.0), 0.0, 1e-7);
  float p[3];
  CHECK_OK(ctx, wt_softmax(ctx, 1, 3, x1, p));
  CHECK(p[0] == 0.0f && p[1] == 0.5f && p[2] == 0.5f);
}

static void test_argmax_and_misc(void) {
  /* ties: the first argmax counts; K = 1 is a valid (zero) loss */
  const float x[3 * 3] = {2.0f, 2.0f, 1.0f, 0.0f, 5.0f, 5.0f, 1.0f, 0.0f, 0.0f};
  const int32_t y[3] = {1, 1, 0};
  int64_t correct;
  float L;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 3, 3, x, y, &L, NULL, &correct));
  CHECK(correct == 2);
  const float one[2] = {3.0f, -7.0f};
  const int32_t z[2] = {0, 0};
  float d1[2];
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 2, 1, one, z, &L, d1, &correct));
  CHECK(L == 0.0f && d1[0] == 0.0f && d1[1] == 0.0f && correct == 2);
  /* dlogits is WRITTEN, not accumulated */
  float d[9];
  for (int i = 0; i < 9; i++) d[i] = 100.0f;
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 3, 3, x, y, NULL, d, NULL));
  CHECK(fabsf(d[0]) < 1.0f && fabsf(d[8]) < 1.0f);
  /* softmax in place, rows sum to 1 */
  float p[9];
  memcpy(p, x, sizeof p);
  CHECK_OK(ctx, wt_softmax(ctx, 3, 3, p, p));
  for (int i = 0; i < 3; i++) CHECK_NEAR(p[3 * i] + p[3 * i + 1] + p[3 * i + 2], 1.0, 1e-6, 0.0);
  CHECK(p[0] == p[1]);
  /* NaN logits give a NaN loss, as torch */
  const float nanrow[2] = {NAN, 1.0f};
  CHECK_OK(ctx, wt_softmax_cross_entropy(ctx, 1, 2, nanrow, z, &L, NULL, &correct));
  CHECK(isnan(L));
}

static void test_errors(void) {
  const float x[6] = {0};
  int32_t y[2] = {0, 3};
  float L = 123.0f, d[6] = {7, 7, 7, 7, 7, 7};
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, NULL) == WT_ERR_ARG);
  CHECK(has_msg("labels[1] = 3") && has_msg("[0, 3)"));
  CHECK(L == 123.0f && d[0] == 7.0f); /* nothing written on failure */
  y[1] = -1;
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, y, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("labels[1] = -1"));
  y[1] = 0;
  CHECK(wt_softmax_cross_entropy(ctx, 0, 3, x, y, &L, d, NULL) == WT_ERR_SHAPE && has_msg("N must"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 0, x, y, &L, d, NULL) == WT_ERR_SHAPE && has_msg("K must"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, NULL, y, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("logits is NULL"));
  CHECK(wt_softmax_cross_entropy(ctx, 2, 3, x, NULL, &L, d, NULL) == WT_ERR_ARG &&
        has_msg("labels is NULL"));
  CHECK(has_msg("wt_softmax_cross_entropy"));
  CHECK(wt_softmax(ctx, 2, 3, x, NULL) == WT_ERR_ARG && has_msg("probs is NULL"));
  CHECK(wt_softmax(ctx, -2, 3, x, d) == WT_ERR_SHAPE && has_msg("N must"));
}

int main(void) {
  ctx = wt_ctx_create(&(wt_ctx_options){.seed = 3}, NULL);
  if (!ctx) return 1;
  wt_rng_seed(&rng, 99, 2);
  test_goldens();
  test_gradcheck(1, 5, 1.0);
  test_gradcheck(4, 7, 2.0);
  test_gradcheck(6, 3, 0.5);
  test_huge_logits();
  test_argmax_and_misc();
  test_errors();
  wt_ctx_destroy(ctx);
  return check_summary("test_losses");
}
