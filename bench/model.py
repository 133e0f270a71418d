"""Times libRoadRunner on niche's SBML export (bench/model.sh): one 24 h well, and a 20 x 20 dose
grid x DONORS donors (each donor scales the four donor parameters log-normally, as niche does).
usage: model.py MODEL.xml REPEATS DONORS"""
import sys
import time

import numpy as np
import roadrunner


def main(path, repeats, donors):
    rr = roadrunner.RoadRunner(path)
    integ = rr.getIntegrator()
    integ.relative_tolerance = 1e-6
    integ.absolute_tolerance = 1e-9
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        rr.reset()
        res = rr.simulate(0, 24, 2, selections=["[early_apoptotic]", "[late_apoptotic]"])
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"one_well_24h median_ms {np.median(times):.4f} apoptosis {100 * (res[-1, 0] + res[-1, 1]):.4f}")
    vcr = [0.0] + [1e-4 * 10 ** (k * 4 / 19) for k in range(1, 20)]
    amd = [0.0] + [1e-2 * 10 ** (k * 3 / 19) for k in range(1, 20)]
    base = {k: rr[k] for k in ["receptors_per_cell", "pericellular_cxcl12_nm", "secretion_nm_per_h", "hazard_per_h"]}
    ec50, kb, krec, kdeg = (rr[k] for k in ["ec50_vcr_nm", "kint_basal_per_h", "krec_per_h", "kdeg_internal_per_h"])
    rng = np.random.default_rng(7)
    t0 = time.perf_counter()
    sims = 0
    for v in vcr:
        for a in amd:
            for _ in range(max(donors, 1)):
                # reset, then the values the initial assignments would give for this dose and
                # donor (setting init(...) instead makes libRoadRunner regenerate the model, ~0.3 s)
                rr.reset()
                rr["vcr_effect"] = v * 1000 / (v * 1000 + ec50)
                rr["[amd3100]"] = a * 1e6 / 502.78
                for k, b in base.items():
                    rr[k] = b * np.exp(0.1 * rng.standard_normal())
                r0 = rr["receptors_per_cell"]
                i0 = kb * r0 / (krec + kdeg)
                rr["[cxcr4]"] = r0
                rr["[cxcr4_internal]"] = i0
                rr["cxcr4_synthesis_per_h"] = kdeg * i0
                rr.simulate(0, 24, 2, selections=["[early_apoptotic]", "[late_apoptotic]"])
                sims += 1
    seconds = time.perf_counter() - t0
    print(f"grid_20x20x{donors} total_s {seconds:.3f} per_sim_ms {seconds * 1e3 / sims:.4f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
