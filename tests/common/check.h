/* check.h - the native test harness: CHECK macros that count, print the failing expression with
   file:line, and a closing "N passed, N failed" line; main returns nonzero on any failure. */
#ifndef WT_CHECK_H
#define WT_CHECK_H

#include <math.h>
#include <stdio.h>

static int wt_check_passed, wt_check_failed;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      wt_check_passed++;                                                     \
    } else {                                                                 \
      wt_check_failed++;                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

#define CHECK_MSG(cond, ...)                                        \
  do {                                                              \
    if (cond) {                                                     \
      wt_check_passed++;                                            \
    } else {                                                        \
      wt_check_failed++;                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                 \
      fputc('\n', stderr);                                          \
    }                                                               \
  } while (0)

/* |a - b| <= atol + rtol * |b| */
#define CHECK_NEAR(a, b, atol, rtol)                                                    \
  do {                                                                                  \
    double wt_a_ = (double)(a), wt_b_ = (double)(b);                                    \
    CHECK_MSG(fabs(wt_a_ - wt_b_) <= (atol) + (rtol) * fabs(wt_b_), "%s = %.9g, %s = %.9g", \
              #a, wt_a_, #b, wt_b_);                                                    \
  } while (0)

#define CHECK_OK(ctx, expr)                                                            \
  do {                                                                                 \
    wt_status wt_st_ = (expr);                                                         \
    CHECK_MSG(wt_st_ == WT_OK, "%s -> %s (%s)", #expr, wt_status_str(wt_st_),          \
              wt_ctx_last_error(ctx));                                                 \
  } while (0)

static inline int check_summary(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, wt_check_passed, wt_check_failed);
  return wt_check_failed ? 1 : 0;
}

#endif /* WT_CHECK_H */
