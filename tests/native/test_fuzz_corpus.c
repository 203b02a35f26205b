/* test_fuzz_corpus.c - replays the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) and
   the inputs that once crashed them (tests/fuzz/regressions/<target>-<what>) through the same target
   code (tests/fuzz/fuzz_<target>.c, built here without libFuzzer), natively and in wasm. A
   target aborts on a broken invariant; here each file must also come back. Not here: fuzzing
   (scripts/fuzz.sh builds the libFuzzer binaries with clang). */
#define _DEFAULT_SOURCE
#include <dirent.h>

#include "common/check.h"

#define WT_FUZZ_NO_MAIN
#include "fuzz/fuzz_cifar.c"
#include "fuzz/fuzz_idx.c"
#include "fuzz/fuzz_image.c"
#include "fuzz/fuzz_safetensors.c"
#include "fuzz/fuzz_spec.c"

typedef int (*target_fn)(const uint8_t *, size_t);
static const struct {
  const char *name;
  target_fn fn;
} targets[] = {{"cifar", wt_fuzz_cifar},
               {"idx", wt_fuzz_idx},
               {"image", wt_fuzz_image},
               {"safetensors", wt_fuzz_safetensors},
               {"spec", wt_fuzz_spec}};
#define N_TARGETS ((int)(sizeof targets / sizeof targets[0]))

static bool read_file(const char *path, uint8_t **out, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t cap = 1 << 16;
  uint8_t *b = malloc(cap);
  *n = 0;
  for (size_t got; b && (got = fread(b + *n, 1, cap - *n, f)) > 0;) {
    *n += got;
    if (*n == cap) b = realloc(b, cap *= 2);
  }
  fclose(f);
  *out = b;
  return b != NULL;
}

/* Runs fn over the files in dir whose names start with prefix; returns how many. */
static int replay(const char *dir, const char *prefix, target_fn fn, bool check_names) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    uint8_t *bytes = NULL;
    size_t len = 0;
    const bool ok = read_file(path, &bytes, &len);
    CHECK_MSG(ok, "cannot read %s", path);
    /* A target aborts on a broken invariant, naming it. Seeds named bad-* must be rejected,
       the others must parse; regressions only must not crash. */
    const int parsed = ok ? fn(bytes, len) : -1;
    if (ok && check_names)
      CHECK_MSG(parsed == (strncmp(e->d_name, "bad-", 4) != 0), "%s: parsed = %d", path, parsed);
    free(bytes);
    n++;
  }
  closedir(d);
  return n;
}

int main(void) {
  int regressions = 0;
  for (int t = 0; t < N_TARGETS; t++) {
    char dir[256], prefix[64];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", targets[t].name);
    const int seeds = replay(dir, "", targets[t].fn, true);
    CHECK_MSG(seeds >= 5, "%s: %d seed files (run scripts/gen_fuzz_corpus.py)", dir, seeds);
    snprintf(prefix, sizeof prefix, "%s-", targets[t].name);
    regressions += replay("tests/fuzz/regressions", prefix, targets[t].fn, false);
  }
  CHECK(regressions >= 1);
  return check_summary("test_fuzz_corpus");
}
