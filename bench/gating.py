#!/usr/bin/env python3
"""Times FlowKit applying a Gating-ML strategy to an FCS file (single process, one thread).

Usage: gating.py FILE GATES [REPEATS]; prints the median and fastest milliseconds of
GatingStrategy.gate_sample (FCS reading excluded) and the population counts.
"""
import statistics
import sys
import time
import warnings

warnings.simplefilter("ignore")


def main(path, gates, repeats):
    import flowkit as fk

    sample = fk.Sample(path)
    strategy = fk.parse_gating_xml(gates)
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = strategy.gate_sample(sample)
        times.append((time.perf_counter() - start) * 1e3)
    print(f"median_ms {statistics.median(times):.1f} min_ms {min(times):.1f}")
    report = result.report
    for _, row in report.iterrows():
        print(f"count {row['gate_name']} {row['count']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
