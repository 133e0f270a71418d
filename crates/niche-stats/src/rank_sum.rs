//! The exact null distribution of the Mann–Whitney rank sum, with and without ties.
//!
//! - Without ties, `#(U = u)` for sizes m ≤ n is the coefficient of `qᵘ` in the Gaussian binomial
//!   `[m+n choose m]_q = ∏_{i=1..m} (1 − q^(n+i)) / (1 − qⁱ)` (Mann & Whitney 1947; Andrews 1976,
//!   *The Theory of Partitions*, 3.3). It is built factor by factor, each factor in O(limit): a
//!   division by `1 − qⁱ` is a running sum with stride i, a multiplication by `1 − q^(n+i)` a
//!   subtraction with stride n + i. Only the lower half of each intermediate polynomial is counted
//!   (all terms are non-negative there, so nothing cancels badly); the upper half is its mirror
//!   image (`[N choose i]_q` is palindromic). O(m·limit), against O(limit²) for Löffler's
//!   recurrence (1983) that scipy ≥ 1.7 used and O(m·n·limit) for the Mann–Whitney recurrence.
//!   The distribution depends only on the sizes, so its cumulative counts are kept per thread for
//!   the last few size pairs; a call counts only up to the observed statistic (or, when a size pair
//!   comes back with a larger statistic, the whole lower half once).
//! - With ties: the permutation distribution of the doubled midrank sum, by the shift algorithm
//!   over blocks of tied values (Streitberg & Röhmel 1986) on a table `ways[k][s]` (k values of
//!   the first group picked among the blocks so far, doubled rank sum s), with the network
//!   algorithm's two prunings (Mehta, Patel & Tsiatis 1984): a node none of whose completions
//!   reaches the tail is dropped, a node all of whose completions lie in the tail is counted at
//!   once with its `C(remaining, still needed)` completions. Each row is stored only over the
//!   window of sums the prunings leave it, the windows end to end (memory in proportion to the
//!   live network, not to `n₁ · s`). The smaller group is the one counted (a row per value
//!   picked). Adding a block of t values costs about `t · (live cells)`: the shifted rows are added
//!   four at a time where they overlap, each cell loaded and stored once for the four (AVX2 when
//!   the processor has it, a multiply then an add, never fused), and the counted-at-once parts
//!   come from running sums taken once per row and block (not t times), all in the order of a
//!   plain sum, so the counts do not depend on the path taken. Only the tail on the observed side
//!   is counted unless it exceeds ½ (then the other tail decides, and it is counted too).
//!
//! Buffers are thread-local and reused: a call allocates only when it needs more room than any
//! earlier call on its thread.

use std::cell::RefCell;

/// How many size pairs' distributions each thread keeps.
const CACHED_SIZES: usize = 8;

/// Cumulative counts `Σ_{v ≤ u} #(U = v)`, u = 0..=limit, of one size pair.
struct NullDistribution {
    sizes: (usize, usize),
    cumulative: Vec<f64>,
    total: f64,
}

#[derive(Default)]
struct Scratch {
    /// Null distributions, most recently used last.
    cache: Vec<NullDistribution>,
    /// Working polynomial for the Gaussian binomial.
    poly: Vec<f64>,
    /// The shift algorithm's table.
    tied: TiedTable,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `C(n, k)` as f64 (exact below 2^53, then rounded).
pub(crate) fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Writes `#(U = u)` for u = 0..=limit (sizes m, n without ties) into `poly[..=limit]`.
fn gaussian_binomial_into(m: usize, n: usize, limit: usize, poly: &mut Vec<f64>) {
    let (a, b) = (m.min(n), m.max(n));
    poly.clear();
    poly.resize(limit + 1, 0.0);
    poly[0] = 1.0;
    for i in 1..=a {
        // poly holds [b+i−1 choose i−1]_q on 0..=limit (zero above its degree b(i−1)).
        let degree = b * i;
        let half = (degree / 2).min(limit);
        // divide by (1 − qⁱ): A_j = P_j + A_{j−i}, in chunks of i (no overlap inside a chunk)
        let mut start = i;
        while start <= half {
            let len = i.min(half + 1 - start);
            let (done, rest) = poly.split_at_mut(start);
            for (d, s) in rest[..len].iter_mut().zip(&done[start - i..start - i + len]) {
                *d += s;
            }
            start += len;
        }
        // multiply by (1 − q^(b+i)): P_j = A_j − A_{j−b−i}, from the top so the sources are still A
        let shift = b + i;
        if half >= shift {
            let mut end = half + 1;
            while end > shift {
                let begin = (end - shift.min(end - shift)).max(shift);
                let (src, dst) = poly.split_at_mut(begin);
                for (d, s) in dst[..end - begin].iter_mut().zip(&src[begin - shift..end - shift]) {
                    *d -= s;
                }
                end = begin;
            }
        }
        // the upper half mirrors the lower: P_j = P_{degree − j}
        for j in half + 1..=limit.min(degree) {
            poly[j] = poly[degree - j];
        }
    }
}

/// Runs `f` on the cumulative null counts of U (sizes m, n, no ties) up to at least `limit`
/// (≤ ⌊mn/2⌋), and their total `C(m + n, m)`.
fn with_null_cumulative<R>(m: usize, n: usize, limit: usize, f: impl FnOnce(&[f64], f64) -> R) -> R {
    let sizes = (m.min(n), m.max(n));
    SCRATCH.with(|scratch| {
        let scratch = &mut *scratch.borrow_mut();
        let found = scratch.cache.iter().position(|d| d.sizes == sizes);
        let index = match found {
            Some(i) if scratch.cache[i].cumulative.len() > limit => i,
            _ => {
                // a size pair seen before with a smaller statistic: count the whole half once
                let upto = if found.is_some() { m * n / 2 } else { limit };
                gaussian_binomial_into(m, n, upto, &mut scratch.poly);
                let mut cumulative = match found {
                    Some(i) => std::mem::take(&mut scratch.cache.remove(i).cumulative),
                    None if scratch.cache.len() >= CACHED_SIZES => {
                        std::mem::take(&mut scratch.cache.remove(0).cumulative)
                    }
                    None => Vec::new(),
                };
                cumulative.clear();
                let mut sum = 0.0;
                cumulative.extend(scratch.poly[..=upto].iter().map(|&c| {
                    sum += c;
                    sum
                }));
                scratch.cache.push(NullDistribution { sizes, cumulative, total: binomial(m + n, m) });
                scratch.cache.len() - 1
            }
        };
        // most recently used last
        let last = scratch.cache.len() - 1;
        scratch.cache.swap(index, last);
        let d = &scratch.cache[last];
        f(&d.cumulative, d.total)
    })
}

/// `P(U ≤ u)` for sizes m, n without ties, `u ≤ ⌊mn/2⌋`.
pub(crate) fn u_lower_tail(m: usize, n: usize, u: usize) -> f64 {
    with_null_cumulative(m, n, u, |cumulative, total| cumulative[u] / total)
}

/// The counts `#(U = u)`, u = 0..=⌊mn/2⌋, for sizes m, n without ties, and their total.
pub(crate) fn u_null_counts(m: usize, n: usize) -> (Vec<f64>, f64) {
    let mut poly = Vec::new();
    gaussian_binomial_into(m, n, m * n / 2, &mut poly);
    (poly, binomial(m + n, m))
}

/// The smallest u with `P(U ≤ u) ≥ alpha` for sizes m, n without ties (R's `qwilcox`), at most ⌊mn/2⌋.
pub(crate) fn u_quantile(m: usize, n: usize, alpha: f64) -> usize {
    let half = m * n / 2;
    with_null_cumulative(m, n, half, |cumulative, total| {
        cumulative[..=half].iter().position(|&c| c / total >= alpha).unwrap_or(half)
    })
}

/// One block of tied values: its size and doubled midrank.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    pub size: usize,
    pub doubled_rank: usize,
}

/// Exact two-sided P of the doubled midrank sum `observed` of `n1` values, given the blocks of tied
/// values in increasing order: `min(1, 2·min(P(S ≤ s), P(S ≥ s)))`.
///
/// The smaller group is the one counted (the table has a row per value picked): the other group's
/// doubled sum is `S₂ = n(n + 1) − S₁`, and `P(S₁ ≤ s) = P(S₂ ≥ n(n + 1) − s)`, so both give the
/// same two-sided P.
pub(crate) fn rank_sum_two_sided(blocks: &[Block], n1: usize, observed: usize) -> f64 {
    let n: usize = blocks.iter().map(|b| b.size).sum();
    if 2 * n1 > n {
        return rank_sum_two_sided(blocks, n - n1, n * (n + 1) - observed);
    }
    let total = binomial(n, n1);
    // reflection r → 2(n + 1) − r turns the upper tail into a lower one
    let reflected_observed = 2 * n1 * (n + 1) - observed;
    let lower_first = observed <= reflected_observed;
    let tail = |lower: bool| {
        SCRATCH.with(|scratch| {
            let tied = &mut scratch.borrow_mut().tied;
            if lower {
                lower_tail_count(blocks.iter().copied(), n, n1, observed, tied) / total
            } else {
                let reflected =
                    blocks.iter().rev().map(|b| Block { size: b.size, doubled_rank: 2 * (n + 1) - b.doubled_rank });
                lower_tail_count(reflected, n, n1, reflected_observed, tied) / total
            }
        })
    };
    let first = tail(lower_first);
    // the other tail is at least 1 − first: when first ≤ ½ it is the smaller one
    if first <= 0.5 {
        return (2.0 * first).min(1.0);
    }
    let second = tail(!lower_first);
    (2.0 * first.min(second)).min(1.0)
}

/// One row of the shift algorithm's table: the ways to pick k values so far, by doubled rank sum.
/// The row owns a window of sums in [`TiedTable::cells`]; sums below it have every completion in
/// the tail (they are counted at once), sums above it can never reach the tail.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Index in `cells` of the window's first sum.
    offset: usize,
    /// The window: sums `lo..=hi` (lo > hi: the row stores nothing).
    lo: usize,
    hi: usize,
    /// Sums that may be non-zero now (`live.0 > live.1`: none).
    live: (usize, usize),
    /// Sums ≤ this have all their completions in the tail (`None`: no sum does).
    all_in: Option<usize>,
}

const EMPTY: (usize, usize) = (1, 0);

/// Reusable buffers of the tied count; `cells` is all zero between calls.
#[derive(Default)]
pub(crate) struct TiedTable {
    /// `prefix[i]`: the sum of the i smallest doubled ranks.
    prefix: Vec<usize>,
    rows: Vec<Row>,
    cells: Vec<f64>,
    /// Running sums of the live cells of the rows a block reads, row after row (row q's from
    /// `sum_at[q]` on).
    partial: Vec<f64>,
    sum_at: Vec<usize>,
    /// The running sums to take before a block: (first cell, how many, where in `partial`).
    sums: Vec<(usize, usize, usize)>,
    /// The farthest sum read in each row (scratch of [`plan_running_sums`]).
    farthest: Vec<Option<usize>>,
    /// `C(t, c)`, c = 0..=t, of the block being added.
    weights: Vec<f64>,
    /// How many values are added after each block (0 first).
    stages: Vec<usize>,
}

/// The weighted number of ways to pick `n1` of the `n` values (blocks in increasing rank order)
/// with doubled-rank sum ≤ `cut`.
///
/// Row k (k values picked) keeps only the window of sums that may still end in the tail and may
/// still leave it: above `cut − (sum of the n1 − k largest ranks)` (below it every completion is
/// in the tail, so a node there is counted at once with its `C(rest, n1 − k)` completions) and at
/// most [`window_top`]. The windows are laid end to end, so a call touches memory in proportion to
/// the live part of the network, not to `n1 · cut`.
fn lower_tail_count(
    blocks: impl Iterator<Item = Block> + Clone,
    n: usize,
    n1: usize,
    cut: usize,
    table: &mut TiedTable,
) -> f64 {
    let TiedTable { prefix, rows, cells, partial, sums, farthest, sum_at, weights, stages } = table;
    prefix.clear();
    prefix.push(0);
    stages.clear();
    stages.push(0);
    for b in blocks.clone() {
        for _ in 0..b.size {
            prefix.push(prefix.last().unwrap() + b.doubled_rank);
        }
        stages.push(prefix.len() - 1);
    }
    if prefix[n1] > cut {
        return 0.0;
    }
    if prefix[n] - prefix[n - n1] <= cut {
        return binomial(n, n1);
    }
    // one window per row, end to end
    rows.clear();
    let mut total = 0;
    for k in 0..=n1 {
        let need = n1 - k;
        let all_in = cut.checked_sub(prefix[n] - prefix[n - need]);
        let lowest = all_in.map_or(prefix[k], |a| (a + 1).max(prefix[k]));
        let highest = window_top(prefix, stages, k, n1, cut);
        let (lo, hi) = match highest {
            Some(hi) if hi >= lowest => (lowest, hi),
            _ => EMPTY,
        };
        rows.push(Row { offset: total, lo, hi, live: EMPTY, all_in });
        if lo <= hi {
            total += hi - lo + 1;
        }
    }
    if cells.len() < total {
        cells.resize(total, 0.0);
    }
    // nothing picked: one way, sum 0 (row 0's window is [0, 0] or the count was decided above)
    cells[rows[0].offset] = 1.0;
    rows[0].live = (0, 0);
    let mut in_tail = 0.0;
    let mut done = 0usize;
    for block in blocks {
        let (t, r) = (block.size, block.doubled_rank);
        done += t;
        let rest_items = n - done;
        weights.clear();
        weights.extend((0..=t).map(|c| binomial(t, c)));
        // C(rest_items, need) for need = 0, 1, …, as k falls
        let mut completions = 1.0;
        let mut completions_need = 0;
        let reads = |k: usize| {
            let need = n1 - k;
            need <= rest_items && prefix[done + need] - prefix[done] <= cut
        };
        let summed = plan_running_sums(rows, (1..=n1.min(done)).filter(|&k| reads(k)), (t, r), farthest, sum_at, sums);
        if partial.len() < summed {
            partial.resize(summed, 0.0);
        }
        fill_running_sums(sums, cells, partial);
        for k in (1..=n1.min(done)).rev() {
            let need = n1 - k;
            if !reads(k) {
                continue;
            }
            let min_rest = prefix[done + need] - prefix[done];
            while completions_need < need {
                completions = completions * (rest_items - completions_need) as f64 / (completions_need + 1) as f64;
                completions_need += 1;
            }
            let hi_keep = cut - min_rest;
            let row = rows[k];
            let (mut lo, mut hi) = row.live;
            let (before, own) = cells.split_at_mut(row.offset);
            // up to three spans waiting to be added with the next
            let mut pending = [Span { a: 1, b: 0, from: 0, weight: 0.0 }; 3];
            let mut held = 0;
            for c in 1..=t.min(k) {
                let source = rows[k - c];
                let (flo, fhi) = source.live;
                if flo > fhi {
                    continue;
                }
                let shift = c * r;
                let (mut a, b) = (flo + shift, (fhi + shift).min(hi_keep));
                if a > b {
                    continue;
                }
                let weight = weights[c];
                // the part whose every completion is in the tail: a prefix of the source's live
                // cells (a = flo + shift), its sum taken from the running sums
                if let Some(all_in) = row.all_in {
                    if a <= all_in {
                        let end = all_in.min(b);
                        in_tail += weight * completions * partial[sum_at[k - c] + end - shift - flo];
                        a = end + 1;
                    }
                }
                // sums outside the window are sums no selection of k values has
                let (a, b) = (a.max(row.lo), b.min(row.hi));
                if a > b {
                    continue;
                }
                let span = Span { a: a - row.lo, b: b - row.lo, from: source.offset + a - shift - source.lo, weight };
                // four by four: each cell loaded and stored once for all four
                if held == 3 {
                    add_quad(own, before, [pending[0], pending[1], pending[2], span]);
                    held = 0;
                } else {
                    pending[held] = span;
                    held += 1;
                }
                if lo > hi {
                    (lo, hi) = (a, b);
                } else {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
            add_few(own, before, &pending[..held]);
            // drop what can no longer reach the tail
            if lo <= hi && hi > hi_keep {
                if lo <= hi_keep {
                    own[hi_keep + 1 - row.lo..=hi - row.lo].fill(0.0);
                    hi = hi_keep;
                } else {
                    own[lo - row.lo..=hi - row.lo].fill(0.0);
                    (lo, hi) = EMPTY;
                }
            }
            rows[k].live = (lo, hi);
        }
        // row 0 (nothing picked yet) stays only while the rest can still make the tail
        if rows[0].live.0 <= rows[0].live.1 && (n1 > rest_items || prefix[done + n1] - prefix[done] > cut) {
            cells[rows[0].offset] = 0.0;
            rows[0].live = EMPTY;
        }
    }
    // leave the cells zero for the next call
    for row in rows.iter() {
        let (lo, hi) = row.live;
        if lo <= hi {
            cells[row.offset + lo - row.lo..=row.offset + hi - row.lo].fill(0.0);
        }
    }
    in_tail
}

/// One term of a row's update: `own[i] += weight · before[from + i − a]` for i in `a..=b`
/// (indices in the row's window).
#[derive(Debug, Clone, Copy)]
struct Span {
    a: usize,
    b: usize,
    from: usize,
    weight: f64,
}

/// Adds the cells `a..=b` of `span` (within it; none when a > b).
fn add_part(own: &mut [f64], before: &[f64], span: Span, a: usize, b: usize) {
    if a <= b {
        let from = span.from + a - span.a;
        add_scaled(&mut own[a..=b], &before[from..=from + b - a], span.weight);
    }
}

/// Adds all of `span`.
fn add_span(own: &mut [f64], before: &[f64], span: Span) {
    add_part(own, before, span, span.a, span.b);
}

/// Adds up to three spans, in order in every cell (the first two as a pair).
fn add_few(own: &mut [f64], before: &[f64], spans: &[Span]) {
    match *spans {
        [] => {}
        [only] => add_span(own, before, only),
        [first, second] => add_pair(own, before, first, second),
        [first, second, third, ..] => {
            add_pair(own, before, first, second);
            add_span(own, before, third);
        }
    }
}

/// `span` restricted to the cells `a..=b` of the row (`None`: it covers none of them).
fn clip(span: Span, a: usize, b: usize) -> Option<Span> {
    let (a, b) = (span.a.max(a), span.b.min(b));
    (a <= b).then(|| Span { a, b, from: span.from + a - span.a, weight: span.weight })
}

/// Adds four spans, in their order in every cell (as adding them one after the other would):
/// where all four overlap in one pass, elsewhere the first two as a pair, then the last two.
fn add_quad(own: &mut [f64], before: &[f64], spans: [Span; 4]) {
    let a = spans.iter().map(|s| s.a).max().unwrap_or(0);
    let b = spans.iter().map(|s| s.b).min().unwrap_or(0);
    if a > b {
        add_pair(own, before, spans[0], spans[1]);
        add_pair(own, before, spans[2], spans[3]);
        return;
    }
    // the cells left and right of the overlap
    let left = a.checked_sub(1).map(|end| (0, end));
    for (lo, hi) in left.into_iter().chain([(b + 1, usize::MAX)]) {
        for pair in spans.chunks_exact(2) {
            match (clip(pair[0], lo, hi), clip(pair[1], lo, hi)) {
                (Some(first), Some(second)) => add_pair(own, before, first, second),
                (Some(only), None) | (None, Some(only)) => add_span(own, before, only),
                (None, None) => {}
            }
        }
    }
    let len = b + 1 - a;
    let source = |s: Span| (&before[s.from + a - s.a..s.from + a - s.a + len], s.weight);
    add_scaled_four(&mut own[a..=b], spans.map(source));
}

/// `dst[i] += wⱼ · srcⱼ[i]` for j = 1, 2, 3, 4 in turn, with [`add_scaled`]'s dispatch.
fn add_scaled_four(dst: &mut [f64], sources: [(&[f64], f64); 4]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { add_scaled_four_avx2(dst, sources) };
        return;
    }
    add_scaled_four_portable(dst, sources);
}

/// [`add_scaled_four`] for any processor (inlined into the AVX2 copy).
#[inline(always)]
fn add_scaled_four_portable(dst: &mut [f64], [(s0, w0), (s1, w1), (s2, w2), (s3, w3)]: [(&[f64], f64); 4]) {
    let len = dst.len();
    let (s0, s1, s2, s3) = (&s0[..len], &s1[..len], &s2[..len], &s3[..len]);
    for i in 0..len {
        let mut d = dst[i];
        d += w0 * s0[i];
        d += w1 * s1[i];
        d += w2 * s2[i];
        d += w3 * s3[i];
        dst[i] = d;
    }
}

/// [`add_scaled_four`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_scaled_four_avx2(dst: &mut [f64], sources: [(&[f64], f64); 4]) {
    add_scaled_four_portable(dst, sources);
}

/// Adds two spans, `first` before `second` in every cell both cover (as adding them one after
/// the other would): the overlap in one pass, the rest of each on its own.
fn add_pair(own: &mut [f64], before: &[f64], first: Span, second: Span) {
    let (a, b) = (first.a.max(second.a), first.b.min(second.b));
    if a > b {
        add_span(own, before, first);
        add_span(own, before, second);
        return;
    }
    for span in [first, second] {
        if span.a < a {
            add_part(own, before, span, span.a, a - 1);
        }
        add_part(own, before, span, b + 1, span.b);
    }
    let (f, s) = (first.from + a - first.a, second.from + a - second.a);
    let len = b + 1 - a;
    add_scaled_twice(&mut own[a..=b], (&before[f..f + len], first.weight), (&before[s..s + len], second.weight));
}

/// `dst[i] += w₁ · src₁[i]`, then `dst[i] += w₂ · src₂[i]`, with [`add_scaled`]'s dispatch.
fn add_scaled_twice(dst: &mut [f64], first: (&[f64], f64), second: (&[f64], f64)) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { add_scaled_twice_avx2(dst, first, second) };
        return;
    }
    add_scaled_twice_portable(dst, first, second);
}

/// [`add_scaled_twice`] for any processor (inlined into the AVX2 copy).
#[inline(always)]
fn add_scaled_twice_portable(dst: &mut [f64], (src1, w1): (&[f64], f64), (src2, w2): (&[f64], f64)) {
    for ((d, &v1), &v2) in dst.iter_mut().zip(src1).zip(src2) {
        *d += w1 * v1;
        *d += w2 * v2;
    }
}

/// [`add_scaled_twice`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_scaled_twice_avx2(dst: &mut [f64], first: (&[f64], f64), second: (&[f64], f64)) {
    add_scaled_twice_portable(dst, first, second);
}

/// `dst[i] += weight · src[i]`: with [`add_scaled_twice`] and [`add_scaled_four`], the shift
/// algorithm's inner loop, where nearly all the time goes.
///
/// On x86-64 processors with AVX2 the same loop runs compiled for 4-wide vectors (a multiply then
/// an add, never fused: the sums are the same to the last bit as with the baseline's 2-wide ones).
fn add_scaled(dst: &mut [f64], src: &[f64], weight: f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { add_scaled_avx2(dst, src, weight) };
        return;
    }
    add_scaled_portable(dst, src, weight);
}

/// [`add_scaled`] for any processor (inlined into the AVX2 copy).
#[inline(always)]
fn add_scaled_portable(dst: &mut [f64], src: &[f64], weight: f64) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d += weight * v;
    }
}

/// [`add_scaled`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_scaled_avx2(dst: &mut [f64], src: &[f64], weight: f64) {
    add_scaled_portable(dst, src, weight);
}

/// The greatest sum row k may hold at the end of a block: over the stages (`done` values added),
/// `max_done min(cut − (prefix[done + need] − prefix[done]), prefix[done] − prefix[done − k])`,
/// need = n₁ − k: the most a selection can still have to reach the tail with the `need` smallest
/// values left, and the most k of the values added so far sum to (`None`: the row never holds a
/// sum). `prefix[i]` is the sum of the i smallest doubled ranks.
fn window_top(prefix: &[usize], stages: &[usize], k: usize, n1: usize, cut: usize) -> Option<usize> {
    let need = n1 - k;
    let n = prefix.len() - 1;
    stages
        .iter()
        .filter(|&&done| k <= done && done + need <= n)
        .filter_map(|&done| {
            let room = cut.checked_sub(prefix[done + need] - prefix[done])?;
            Some(room.min(prefix[done] - prefix[done - k]))
        })
        .max()
}

/// Lists in `sums` the running sums a block (t values of doubled rank r) reads from the rows
/// below the rows `readers`: a reader k takes from row q = k − c, c = 1..=t, the sum of its live
/// cells from `live.0` through `min(all_in(k) − c·r, live.1)` (the sums whose every completion is
/// in the tail once shifted by `c·r`). Each row is summed once, as far as its farthest reader,
/// the sums laid end to end (row q's from `sum_at[q]` on); returns their number.
fn plan_running_sums(
    rows: &[Row],
    readers: impl Iterator<Item = usize>,
    (t, r): (usize, usize),
    farthest: &mut Vec<Option<usize>>,
    sum_at: &mut Vec<usize>,
    sums: &mut Vec<(usize, usize, usize)>,
) -> usize {
    farthest.clear();
    farthest.resize(rows.len(), None);
    for k in readers {
        let Some(all_in) = rows[k].all_in else { continue };
        for c in 1..=t.min(k) {
            let (lo, hi) = rows[k - c].live;
            let shift = c * r;
            if lo > hi || lo + shift > all_in {
                continue;
            }
            let end = (all_in - shift).min(hi);
            let f = &mut farthest[k - c];
            *f = Some(f.map_or(end, |e| e.max(end)));
        }
    }
    sums.clear();
    sum_at.clear();
    sum_at.resize(rows.len(), 0);
    let mut total = 0;
    for ((row, end), at) in rows.iter().zip(farthest.iter()).zip(sum_at.iter_mut()) {
        if let Some(end) = *end {
            let len = end + 1 - row.live.0;
            sums.push((row.offset + row.live.0 - row.lo, len, total));
            *at = total;
            total += len;
        }
    }
    total
}

/// Takes, for each (first cell, length, at) of `sums`, the running sums
/// `partial[at + i] = partial[at + i − 1] + cells[first + i]` (the first one `cells[first]`), the
/// cells added in order, as a plain sum would; four rows at a time, so that four independent
/// chains of additions overlap. The sums are laid end to end in `partial`, in their order (each
/// `at` the previous one's plus its length).
fn fill_running_sums(sums: &[(usize, usize, usize)], cells: &[f64], partial: &mut [f64]) {
    let mut groups = sums.chunks_exact(4);
    for group in &mut groups {
        let mut rest = &mut partial[group[0].2..];
        let mut runs: [(&[f64], &mut [f64]); 4] = Default::default();
        for (run, &(first, len, _)) in runs.iter_mut().zip(group) {
            let (own, after) = std::mem::take(&mut rest).split_at_mut(len);
            *run = (&cells[first..first + len], own);
            rest = after;
        }
        let [r0, r1, r2, r3] = runs;
        let common = [&r0, &r1, &r2, &r3].iter().map(|r| r.0.len()).min().unwrap_or(0);
        let acc = four_running_sums(
            [&r0.0[..common], &r1.0[..common], &r2.0[..common], &r3.0[..common]],
            [&mut r0.1[..common], &mut r1.1[..common], &mut r2.1[..common], &mut r3.1[..common]],
        );
        for (a, (cells, partial)) in acc.into_iter().zip([r0, r1, r2, r3]) {
            running_sum_from(a, &cells[common..], &mut partial[common..]);
        }
    }
    for &(first, len, at) in groups.remainder() {
        running_sum_from(0.0, &cells[first..first + len], &mut partial[at..at + len]);
    }
}

/// The running sums of four runs of cells of the same length side by side; returns the totals.
fn four_running_sums([c0, c1, c2, c3]: [&[f64]; 4], [p0, p1, p2, p3]: [&mut [f64]; 4]) -> [f64; 4] {
    let len = c0.len();
    let (c1, c2, c3) = (&c1[..len], &c2[..len], &c3[..len]);
    let (p0, p1, p2, p3) = (&mut p0[..len], &mut p1[..len], &mut p2[..len], &mut p3[..len]);
    let mut acc = [0.0f64; 4];
    for i in 0..len {
        acc[0] += c0[i];
        p0[i] = acc[0];
        acc[1] += c1[i];
        p1[i] = acc[1];
        acc[2] += c2[i];
        p2[i] = acc[2];
        acc[3] += c3[i];
        p3[i] = acc[3];
    }
    acc
}

/// Continues a running sum `sum` over `cells` into `partial`.
fn running_sum_from(mut sum: f64, cells: &[f64], partial: &mut [f64]) {
    for (p, &c) in partial.iter_mut().zip(cells) {
        sum += c;
        *p = sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `#(U = u)` by enumerating every subset of m of the ranks 1..=m+n.
    fn brute_force_counts(m: usize, n: usize) -> Vec<f64> {
        let total = m + n;
        let mut counts = vec![0.0; m * n + 1];
        for mask in 0u32..(1 << total) {
            if mask.count_ones() as usize != m {
                continue;
            }
            let rank_sum: usize = (0..total).filter(|i| mask >> i & 1 == 1).map(|i| i + 1).sum();
            counts[rank_sum - m * (m + 1) / 2] += 1.0;
        }
        counts
    }

    /// Two-sided P of the doubled midrank sum of `first` by enumerating every subset.
    fn brute_force_ties(values: &[f64], first: &[bool]) -> f64 {
        let n = values.len();
        let (ranks, _) = crate::ranks::midranks(values);
        let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
        let n1 = first.iter().filter(|f| **f).count();
        let observed: usize = (0..n).filter(|&i| first[i]).map(|i| doubled[i]).sum();
        let (mut le, mut ge, mut all) = (0.0, 0.0, 0.0);
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != n1 {
                continue;
            }
            let s: usize = (0..n).filter(|i| mask >> i & 1 == 1).map(|i| doubled[i]).sum();
            all += 1.0;
            le += f64::from(u8::from(s <= observed));
            ge += f64::from(u8::from(s >= observed));
        }
        (2.0 * (le / all).min(ge / all)).min(1.0)
    }

    #[test]
    fn gaussian_binomial_counts_every_size_up_to_eight() {
        for m in 1..=8 {
            for n in 1..=8 {
                let want = brute_force_counts(m, n);
                let (got, total) = u_null_counts(m, n);
                assert_eq!(total, binomial(m + n, m));
                assert_eq!(got[..], want[..=m * n / 2], "m = {m}, n = {n}");
                // a short count agrees with the prefix of the whole
                let mut short = Vec::new();
                gaussian_binomial_into(m, n, m * n / 3, &mut short);
                assert_eq!(short[..], want[..=m * n / 3]);
            }
        }
    }

    #[test]
    fn the_cache_answers_as_a_fresh_count_does() {
        // a small statistic first (short count), then larger ones (the whole half)
        for u in [3, 40, 10, 200, 0, 250] {
            let (counts, total) = u_null_counts(20, 25);
            let want: f64 = counts[..=u].iter().sum::<f64>() / total;
            assert!((u_lower_tail(20, 25, u) - want).abs() <= 1e-15 * want);
            assert!((u_lower_tail(25, 20, u) - want).abs() <= 1e-15 * want);
        }
    }

    /// Two-sided P of the doubled midrank sum by the plain, unpruned dynamic programme over values
    /// (`count[k][s]`), for sizes too large to enumerate.
    fn plain_dp_ties(values: &[f64], n1: usize, observed: usize) -> f64 {
        let (ranks, _) = crate::ranks::midranks(values);
        let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
        let top: usize = doubled.iter().sum();
        let mut count = vec![vec![0.0f64; top + 1]; n1 + 1];
        count[0][0] = 1.0;
        for &r in &doubled {
            for k in (1..=n1).rev() {
                let (lower, upper) = count.split_at_mut(k);
                for s in (r..=top).rev() {
                    upper[0][s] += lower[k - 1][s - r];
                }
            }
        }
        let all: f64 = count[n1].iter().sum();
        let le: f64 = count[n1][..=observed].iter().sum();
        let ge: f64 = count[n1][observed..].iter().sum();
        (2.0 * (le / all).min(ge / all)).min(1.0)
    }

    #[test]
    fn tied_rank_sums_of_larger_samples_match_the_plain_count() {
        // heavy and light ties, balanced and unbalanced sizes, both tails, in one thread so that
        // every call starts from the table the previous one left
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || xorshift(&mut state);
        for (n1, n2, levels, shift) in
            [(30, 40, 6, 0), (40, 30, 25, 2), (12, 60, 10, 1), (50, 50, 40, 3), (25, 25, 3, 0)]
        {
            for _ in 0..4 {
                let mut draw = |n: usize, offset: u64| -> Vec<f64> {
                    (0..n).map(|_| ((next() % levels) + offset) as f64).collect()
                };
                let a = draw(n1, shift);
                let b = draw(n2, 0);
                let pooled: Vec<f64> = a.iter().chain(&b).copied().collect();
                let (ranks, _) = crate::ranks::midranks(&pooled);
                let observed: usize = ranks[..n1].iter().map(|r| (2.0 * r).round() as usize).sum();
                let want = plain_dp_ties(&pooled, n1, observed);
                let got = crate::ranks::mann_whitney(&a, &b, crate::ranks::Method::Exact).unwrap().p;
                assert!(
                    (got - want).abs() <= 1e-12 * want.max(1e-300) + 1e-15,
                    "{n1} vs {n2}, {levels} levels: {got} vs {want}"
                );
            }
        }
    }

    /// xorshift64 (Marsaglia 2003): the tests' reproducible pseudo-random stream.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// An awkward `f64` from the stream: magnitudes about 1e12, either sign, all 52 mantissa bits.
    fn awkward(state: &mut u64) -> f64 {
        f64::from_bits((xorshift(state) >> 12) | 0x3ff0_0000_0000_0000) * 1e12 - 1.3e12
    }

    /// Pseudo-random tied samples: `n` values on `levels` levels, from `offset` on.
    fn tied_sample(state: &mut u64, n: usize, levels: u64, offset: u64) -> Vec<f64> {
        (0..n).map(|_| ((xorshift(state) % levels) + offset) as f64).collect()
    }

    #[test]
    fn the_larger_group_is_counted_as_the_smaller_one() {
        // n₁ > n₂ goes through the second group's sum; the plain count is of the first group's
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for (n1, n2, levels, shift) in [(60, 15, 8, 1), (45, 20, 30, 0), (33, 2, 5, 2), (9, 8, 4, 0)] {
            for _ in 0..3 {
                let a = tied_sample(&mut state, n1, levels, shift);
                let b = tied_sample(&mut state, n2, levels, 0);
                let pooled: Vec<f64> = a.iter().chain(&b).copied().collect();
                let (ranks, _) = crate::ranks::midranks(&pooled);
                let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
                let observed: usize = doubled[..n1].iter().sum();
                let want = plain_dp_ties(&pooled, n1, observed);
                let ab = crate::ranks::mann_whitney(&a, &b, crate::ranks::Method::Exact).unwrap().p;
                let ba = crate::ranks::mann_whitney(&b, &a, crate::ranks::Method::Exact).unwrap().p;
                for got in [ab, ba] {
                    assert!(
                        (got - want).abs() <= 1e-12 * want.max(1e-300) + 1e-15,
                        "{n1} vs {n2}, {levels} levels: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn running_sums_four_at_a_time_are_the_plain_sums() {
        let cells: Vec<f64> = (0..400).map(|i| f64::from(i * 7919 % 1000) * 1.1e-3 + 1e9 * f64::from(i % 3)).collect();
        // groups of four with unequal lengths, a remainder, an empty run
        for count in [1, 3, 4, 5, 9] {
            let mut sums = Vec::new();
            let mut at = 0;
            for j in 0..count {
                let len = [17, 40, 3, 0, 29][j % 5];
                sums.push((j * 40, len, at));
                at += len;
            }
            let mut partial = vec![f64::NAN; at];
            fill_running_sums(&sums, &cells, &mut partial);
            for &(first, len, at) in &sums {
                for i in 0..len {
                    let plain: f64 = cells[first..=first + i].iter().sum();
                    assert_eq!(partial[at + i].to_bits(), plain.to_bits(), "{count} runs, cell {}", first + i);
                }
            }
        }
    }

    #[test]
    fn spans_added_two_by_two_are_added_in_order() {
        // disjoint, touching, overlapping either way, nested, equal: same bits as one after the other
        let before: Vec<f64> = (0..64).map(|i| 1.0 + f64::from(i * 37 % 64) * 0.013_7).collect();
        let start: Vec<f64> = (0..48).map(|i| 1e3 + f64::from(i * 11 % 48) * 0.77).collect();
        let spans = [(2, 9), (10, 20), (5, 30), (0, 47), (12, 12), (20, 40), (33, 47)];
        for &(a1, b1) in &spans {
            for &(a2, b2) in &spans {
                let first = Span { a: a1, b: b1, from: 3, weight: 0.1 };
                let second = Span { a: a2, b: b2, from: 7, weight: 0.3 };
                let (mut paired, mut serial) = (start.clone(), start.clone());
                add_pair(&mut paired, &before, first, second);
                add_span(&mut serial, &before, first);
                add_span(&mut serial, &before, second);
                assert!(
                    paired.iter().zip(&serial).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{first:?} then {second:?}"
                );
            }
        }
    }

    #[test]
    fn spans_added_four_by_four_are_added_in_order() {
        // every arrangement of four spans (disjoint, touching, overlapping, nested, equal, one
        // starting at the row's first cell): same bits as one after the other, and so are the
        // leftovers of a row (one, two or three spans)
        let before: Vec<f64> = (0..64).map(|i| 1.0 + f64::from(i * 37 % 64) * 0.013_7).collect();
        let start: Vec<f64> = (0..48).map(|i| 1e3 + f64::from(i * 11 % 48) * 0.77).collect();
        let ends = [(2, 9), (10, 20), (5, 30), (0, 47), (12, 12), (20, 40), (33, 47)];
        let span = |j: usize, (a, b): (usize, usize)| Span { a, b, from: 2 + 3 * j, weight: 0.1 + 0.2 * j as f64 };
        for &e0 in &ends {
            for &e1 in &ends {
                for &e2 in &ends {
                    for &e3 in &ends {
                        let spans = [span(0, e0), span(1, e1), span(2, e2), span(3, e3)];
                        let (mut together, mut serial) = (start.clone(), start.clone());
                        add_quad(&mut together, &before, spans);
                        spans.iter().for_each(|&s| add_span(&mut serial, &before, s));
                        assert!(together.iter().zip(&serial).all(|(x, y)| x.to_bits() == y.to_bits()), "{spans:?}");
                    }
                }
                for count in 1..=3 {
                    let spans = [span(0, e0), span(1, e1), span(2, e0)];
                    let (mut together, mut serial) = (start.clone(), start.clone());
                    add_few(&mut together, &before, &spans[..count]);
                    spans[..count].iter().for_each(|&s| add_span(&mut serial, &before, s));
                    assert!(together.iter().zip(&serial).all(|(x, y)| x.to_bits() == y.to_bits()), "{count} spans");
                }
            }
        }
    }

    #[test]
    fn four_sources_at_once_add_as_the_plain_loop_does() {
        // every length around the vector widths, awkward magnitudes: equal to the last bit
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || awkward(&mut state);
        for len in 0..40 {
            let sources: Vec<Vec<f64>> = (0..4).map(|_| (0..len).map(|_| next()).collect()).collect();
            let weights: Vec<f64> = (0..4).map(|_| next()).collect();
            let start: Vec<f64> = (0..len).map(|_| next()).collect();
            let (mut fast, mut plain) = (start.clone(), start);
            let four = |j: usize| (sources[j].as_slice(), weights[j]);
            add_scaled_four(&mut fast, [four(0), four(1), four(2), four(3)]);
            for j in 0..4 {
                add_scaled_portable(&mut plain, &sources[j], weights[j]);
            }
            assert!(fast.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()), "length {len}");
        }
    }

    #[test]
    fn the_vector_loop_adds_as_the_plain_one_does() {
        // every length around the vector widths, awkward magnitudes: equal to the last bit
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || awkward(&mut state);
        for len in 0..40 {
            let src: Vec<f64> = (0..len).map(|_| next()).collect();
            let start: Vec<f64> = (0..len).map(|_| next()).collect();
            let weight = next();
            let (mut fast, mut plain) = (start.clone(), start);
            add_scaled(&mut fast, &src, weight);
            add_scaled_portable(&mut plain, &src, weight);
            assert!(fast.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()), "length {len}");
            let other: Vec<f64> = (0..len).map(|_| next()).collect();
            let second = next();
            add_scaled_twice(&mut fast, (&src, weight), (&other, second));
            add_scaled_twice_portable(&mut plain, (&src, weight), (&other, second));
            assert!(fast.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()), "twice, length {len}");
        }
    }

    proptest! {
        #[test]
        fn tied_rank_sums_match_enumeration(
            values in prop::collection::vec(0u8..5, 2..=14),
            split in any::<u16>(),
        ) {
            let n = values.len();
            let first: Vec<bool> = (0..n).map(|i| split >> i & 1 == 1).collect();
            let n1 = first.iter().filter(|f| **f).count();
            prop_assume!(n1 >= 1 && n1 < n);
            let x: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let a: Vec<f64> = (0..n).filter(|&i| first[i]).map(|i| x[i]).collect();
            let b: Vec<f64> = (0..n).filter(|&i| !first[i]).map(|i| x[i]).collect();
            let got = crate::ranks::mann_whitney(&a, &b, crate::ranks::Method::Exact).unwrap().p;
            let want = brute_force_ties(&x, &first);
            prop_assert!((got - want).abs() <= 1e-12, "{got} vs {want}");
        }

        #[test]
        fn untied_rank_sums_match_enumeration(m in 1usize..=9, n in 1usize..=9, seed in any::<u64>()) {
            // a random split of the ranks 1..=m+n
            let total = m + n;
            let mut order: Vec<usize> = (0..total).collect();
            let mut state = seed | 1;
            for i in (1..total).rev() {
                order.swap(i, (xorshift(&mut state) % (i as u64 + 1)) as usize);
            }
            let a: Vec<f64> = order[..m].iter().map(|&i| i as f64).collect();
            let b: Vec<f64> = order[m..].iter().map(|&i| i as f64).collect();
            let mut first = vec![false; total];
            order[..m].iter().for_each(|&i| first[i] = true);
            let x: Vec<f64> = (0..total).map(|i| i as f64).collect();
            let got = crate::ranks::mann_whitney(&a, &b, crate::ranks::Method::Exact).unwrap().p;
            let want = brute_force_ties(&x, &first);
            prop_assert!((got - want).abs() <= 1e-13, "{got} vs {want}");
        }
    }
}
