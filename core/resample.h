/* core/resample.h — the resampling loops behind the doctor's statistics
 * (lua/gglab/lib/stats.lua): the percentile bootstrap of a median and the tally of the
 * sign-flip max-T test. Each draws from the caller's gg_rng in the order of the Lua
 * reference and does the same double arithmetic in the same order, so the results are
 * identical to it (tests/lua/test_stats.lua compares both), only about a hundred times
 * faster. */
#ifndef GG_RESAMPLE_H
#define GG_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "status.h"

/* Sort x[0..n) ascending in place (NaNs first, as stats.lua's comparator orders them). */
void gg_sort_doubles(double *x, size_t n);

/* The median of x[0..n), n >= 1, no NaN; x is sorted in place: the middle value, or for an
 * even n the two middle values' mean (the value itself when they are equal). */
double gg_median_inplace(double *x, size_t n);

/* meds[0..B) = the medians of B bootstrap resamples of ds[0..n) (n >= 1, no NaN: else
 * GG_EINVAL), resample b drawing ds[gg_rng_below(r, n)] n times in a row; then meds sorted
 * (gg_sort_doubles). *below / *above: how many medians are <= 0 / >= 0. scratch: n doubles. */
gg_status gg_bootstrap_medians(const double *ds, size_t n, gg_rng *r, size_t B, double *meds,
                               double *scratch, size_t *below, size_t *above, gg_err *err);

/* The sign-flip max-T tally: sr holds k columns of n values (column j at sr[j * n]), obs[k]
 * their observed statistics. For each sign pattern eps, T*_j = |sum_i eps_i sr[j*n+i]|
 * (summed in i order from 0) and count[j] += (max_j T*_j >= obs[j]). r NULL: all 2^n
 * patterns in order (bit i of the pattern set: eps_i = -1; n <= 30, else GG_EINVAL);
 * otherwise `flips` random patterns, eps_i = -1 when gg_rng_below(r, 2) == 0.
 * count is zeroed first. */
gg_status gg_signflip_counts(const double *sr, size_t k, size_t n, const double *obs, gg_rng *r,
                             size_t flips, uint64_t *count, gg_err *err);

#endif
