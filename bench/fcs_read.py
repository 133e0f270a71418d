#!/usr/bin/env python3
"""Times FlowIO, fcsparser and `cat > /dev/null` reading one FCS file; prints median milliseconds.

Used by bench/fcs_read.sh, which times niche on the same file in the same run.
Each reader does the equivalent of niche's work: parse HEADER and TEXT and decode every event
into a numeric array (FlowIO: FlowData + as_array(preprocess=False); fcsparser: parse()).
"""
import statistics
import subprocess
import sys
import time
import warnings

warnings.simplefilter("ignore")


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


def main(path, repeats):
    import fcsparser
    import flowio

    def read_flowio():
        return flowio.FlowData(path).as_array(preprocess=False)

    def read_fcsparser():
        return fcsparser.parse(path, reformat_meta=False)[1]

    def read_cat():
        with open("/dev/null", "wb") as null:
            subprocess.run(["cat", path], stdout=null, check=True)

    for name, fn, n in [("cat", read_cat, repeats), ("flowio", read_flowio, max(3, repeats // 4)),
                        ("fcsparser", read_fcsparser, max(3, repeats // 4))]:
        med, best = median_ms(fn, n)
        print(f"{name} median_ms {med:.3f} min_ms {best:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
