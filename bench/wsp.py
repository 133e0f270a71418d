#!/usr/bin/env python3
"""Times FlowKit applying a FlowJo workspace's first sample's gates to an FCS file (one thread).

Usage: wsp.py FCS_DIR WSP [REPEATS]; the FCS file in FCS_DIR must carry the sample's file name.
Prints the median and fastest milliseconds of GatingStrategy.gate_sample (workspace parsing and
FCS reading excluded) and each population's count by path.
"""
import statistics
import sys
import time
import warnings

warnings.simplefilter("ignore")


def main(fcs_dir, wsp_path, repeats):
    import flowkit as fk

    wsp = fk.Workspace(wsp_path, fcs_samples=fcs_dir)
    sample_id = wsp.get_sample_ids()[0]
    sample = wsp.get_sample(sample_id)
    strategy = wsp.get_gating_strategy(sample_id)
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = strategy.gate_sample(sample)
        times.append((time.perf_counter() - start) * 1e3)
    print(f"median_ms {statistics.median(times):.1f} min_ms {min(times):.1f}")
    for _, row in result.report.iterrows():
        path = "/".join(list(row["gate_path"])[1:] + [row["gate_name"]])
        print(f"count {path.replace(' ', '_')} {row['count']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
