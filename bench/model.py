"""libRoadRunner on niche's SBML export for bench/model.sh, on the same wells as niche.

usage:
  model.py --write WELLS.tsv COUNT            the wells both tools solve, one per timed call
  model.py MODEL.xml WELLS.tsv STATES.tsv DONORS

Wells: co-cultures around the seed condition (VCR 1 µmol/L, AMD3100 5 µg/mL, each dose times
exp(0.3 z)) with a donor each (the four donor parameters times exp(0.1 z)), z standard normal from
a fixed seed. Every timed call solves the next well; the first call is the cold time and the median
of the others the warm time.

Protocol for libRoadRunner (CVODE BDF with the LLVM-compiled model): niche's tolerances, rtol 1e-6
and atol 1e-9 times each state's scale (nM of CXCL12, the donor's receptor complement for the four
receptor states, 1 for proteins and fractions), given as CVODE's absolute tolerance vector in
amounts (the concentration scale times the compartment volume); the same output points as niche
(0 and 24 h); per call `reset()` (states to their initial values and the integrator re-initialised),
then the dose and donor values the initial assignments would give (setting `init(...)` instead makes
libRoadRunner regenerate the model, ~0.3 s), then `simulate`. The tolerance vector is set outside
the timed region.

Reference: libRoadRunner at rtol 1e-12 and atol 1e-14 times the scales, per well, untimed. The error
of a tool is the largest relative difference over the wells of eight 24 h readouts (apoptosis,
early and late apoptotic, CXCR4 MFI, CXCL12 in the medium, Bax, Bcl-2, surface CXCR4) from the
reference's. niche's own tight solution (rtol 1e-12, atol 1e-14 times the scales) is compared with
the reference too, which checks that the SBML and niche's equations agree.

The grid: 20 x 20 doses x DONORS donors, single-threaded, fresh donors per point; the time is the
sum of the calls (reset, dose and donor, simulate), the tolerance vector again set outside it.
"""
import statistics
import sys
import time

import numpy as np
import roadrunner

DONOR = ["receptors_per_cell", "pericellular_cxcl12_nm", "secretion_nm_per_h", "hazard_per_h"]
BENCH = (1e-6, 1e-9)
TIGHT = (1e-12, 1e-14)


def write_wells(path, count):
    rng = np.random.default_rng(23)
    with open(path, "w") as f:
        f.write("vcr_um\tamd_ug_per_ml\t" + "\t".join(DONOR) + "\n")
        for _ in range(count):
            doses = [1.0 * np.exp(0.3 * rng.standard_normal()), 5.0 * np.exp(0.3 * rng.standard_normal())]
            factors = np.exp(0.1 * rng.standard_normal(4))
            f.write("\t".join(f"{v:.17g}" for v in [*doses, *factors]) + "\n")


def read_table(path):
    with open(path) as f:
        next(f)
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


class Runner:
    def __init__(self, path):
        self.rr = roadrunner.RoadRunner(path)
        self.integ = self.rr.getIntegrator()
        self.integ.maximum_num_steps = 1_000_000
        self.base = {k: self.rr[k] for k in DONOR}
        self.ec50, self.kb, self.krec, self.kdeg, self.g_per_mol = (
            self.rr[k] for k in ["ec50_vcr_nm", "kint_basal_per_h", "krec_per_h", "kdeg_internal_per_h", "amd3100_g_per_mol"]
        )
        self.species = list(self.rr.model.getFloatingSpeciesIds())
        self.selections = ["[" + s + "]" for s in self.species]
        volumes = dict(zip(self.rr.model.getCompartmentIds(), self.rr.model.getCompartmentVolumes()))
        # each state's compartment (CXCL12 in the medium, the rest in the blasts)
        self.volume = np.array([volumes["medium"]] + [volumes["blasts"]] * 8)
        self.mfi_per_baseline, self.amd_bound_visible = self.rr["mfi_per_baseline"], self.rr["amd_bound_visible"]

    def tolerances(self, rtol, atol_scale, receptors):
        scale = np.array([1.0] + [receptors] * 4 + [1.0] * 4)
        self.integ.relative_tolerance = rtol
        self.integ.absolute_tolerance = list(atol_scale * scale * self.volume)

    def solve(self, vcr_um, amd, factors):
        """One well: reset, dose and donor, simulate to 24 h; the 24 h concentrations."""
        rr = self.rr
        rr.reset()
        vcr_nm = vcr_um * 1000
        rr["vcr_effect"] = vcr_nm / (vcr_nm + self.ec50)
        rr["[amd3100]"] = amd * 1e6 / self.g_per_mol
        for k, f in zip(DONOR, factors):
            rr[k] = self.base[k] * f
        r0 = rr["receptors_per_cell"]
        i0 = self.kb * r0 / (self.krec + self.kdeg)
        rr["[cxcr4]"] = r0
        rr["[cxcr4_internal]"] = i0
        rr["cxcr4_synthesis_per_h"] = self.kdeg * i0
        return rr.simulate(0, 24, 2, selections=self.selections)[-1]

    def readouts(self, y):
        """The assays' readouts of a 24 h state (as niche's Readouts::of; CXCL12 in nM, which
        differs from ng/mL by a constant factor)."""
        l, r, c, a, _i, bcl2, bax, e, lt = y
        return np.array([
            e + lt, e, lt,
            1 + self.mfi_per_baseline * (r + c + self.amd_bound_visible * a) / 30_000,
            l, bax, bcl2, r + c + a,
        ])


def max_rel_err(values, reference):
    return max(float(np.max(np.abs(v / ref - 1))) for v, ref in zip(values, reference))


def main(path, wells_path, states_path, donors):
    run = Runner(path)
    wells = [(float(w[0]), float(w[1]), [float(x) for x in w[2:]]) for w in read_table(wells_path)]
    receptors = [run.base["receptors_per_cell"] * f[0] for _, _, f in wells]
    times, bench = [], []
    for (vcr, amd, factors), r0 in zip(wells, receptors):
        run.tolerances(*BENCH, r0)
        start = time.perf_counter()
        y = run.solve(vcr, amd, factors)
        times.append((time.perf_counter() - start) * 1e3)
        bench.append(y)
    reference = []
    for (vcr, amd, factors), r0 in zip(wells, receptors):
        run.tolerances(*TIGHT, r0)
        reference.append(run.solve(vcr, amd, factors))
    niche = {"bench": {}, "tight": {}}
    for row in read_table(states_path):
        niche[row[0]][int(row[1])] = np.array([float(x) for x in row[2:]])
    ref = [run.readouts(y) for y in reference]
    rr_err = max_rel_err([run.readouts(y) for y in bench], ref)
    niche_err = max_rel_err([run.readouts(niche["bench"][k]) for k in range(len(wells))], ref)
    agreement = max_rel_err([run.readouts(niche["tight"][k]) for k in range(len(wells))], ref)
    print(
        f"one_well_24h cold_ms {times[0]:.4f} median_ms {statistics.median(times[1:]):.4f} "
        f"apoptosis {100 * (bench[-1][7] + bench[-1][8]):.4f} max_rel_err_24h {rr_err:.2e}"
    )
    print(f"niche_max_rel_err_24h {niche_err:.2e}")
    print(f"reference_check niche_tight_vs_roadrunner_tight {agreement:.2e}")

    vcr = [0.0] + [1e-4 * 10 ** (k * 4 / 19) for k in range(1, 20)]
    amd = [0.0] + [1e-2 * 10 ** (k * 3 / 19) for k in range(1, 20)]
    rng = np.random.default_rng(7)
    seconds, sims = 0.0, 0
    for v in vcr:
        for a in amd:
            for _ in range(max(donors, 1)):
                factors = np.exp(0.1 * rng.standard_normal(4))
                run.tolerances(*BENCH, run.base["receptors_per_cell"] * factors[0])
                start = time.perf_counter()
                run.solve(v, a, factors)
                seconds += time.perf_counter() - start
                sims += 1
    print(f"grid_20x20x{donors} total_s {seconds:.3f} per_sim_ms {seconds * 1e3 / sims:.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write_wells(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
