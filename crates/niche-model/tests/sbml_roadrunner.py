"""Loads niche's SBML export with python-libsbml (consistency check) and libRoadRunner, simulates
it and compares with niche's own trajectory. Run by tests/sbml_roadrunner.rs.

usage: sbml_roadrunner.py MODEL.xml NICHE_TRAJECTORY.csv
The CSV has a header `time,<state>,...` and one row per time (hours). Exits non-zero with a message
when libsbml reports errors or any state differs by more than 1e-6 relative (absolute floor 1e-9 of
the state's scale).
"""
import sys

import libsbml
import numpy as np
import roadrunner


def main(sbml_path, csv_path):
    doc = libsbml.readSBMLFromFile(sbml_path)
    doc.checkConsistency()
    errors = [doc.getError(i) for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if errors:
        sys.exit("libsbml errors:\n" + "\n".join(e.getMessage() for e in errors))
    header = open(csv_path).readline().strip().split(",")
    niche = np.loadtxt(csv_path, delimiter=",", skiprows=1)
    rr = roadrunner.RoadRunner(sbml_path)
    integrator = rr.getIntegrator()
    integrator.relative_tolerance = 1e-12
    integrator.absolute_tolerance = 1e-14
    integrator.setValue("maximum_num_steps", 1000000)
    times = niche[:, 0]
    result = rr.simulate(times=list(times), selections=["time"] + header[1:])
    worst = 0.0
    for j, name in enumerate(header[1:], start=1):
        ours, theirs = niche[:, j], np.asarray(result[:, j])
        scale = max(np.abs(ours).max(), 1e-300)
        rel = np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-9 * scale)
        worst = max(worst, rel.max())
        if rel.max() > 1e-6:
            k = int(rel.argmax())
            sys.exit(f"{name} at t = {times[k]} h: niche {ours[k]!r} vs roadrunner {theirs[k]!r} (rel {rel.max():.2e})")
    print(f"ok: {len(header) - 1} states x {len(times)} times, max relative difference {worst:.2e}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
