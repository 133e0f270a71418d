"""The exported model in the modelling community's reference tools. Run by tests/exchange.rs.

usage: exchange.py WORKDIR
WORKDIR holds what the Rust test wrote:
  groups.json   [{"id", "sbml", "csv"}]: one SBML file per group (its doses as parameter values) and
                niche's trajectory (header `time,<species id>,...`, one row per time in hours)
  units.json    {"parameter id": "unit as params.rs states it"}
  archive.omex  the COMBINE archive of the same groups
Checks, exiting non-zero with a message on the first failure:
  1. libsbml: no error and no unit warning (checkConsistency with every category on); the model
     history is read back; every parameter's unit definition equals its params.rs unit.
  2. libRoadRunner and COPASI (basico) each simulate every group to niche's trajectory within
     1e-6 relative + 1e-12 absolute on every species (all solvers at rtol <= 1e-9).
  3. libcombine opens the archive and finds its entries; libsedml reads the SED-ML without errors;
     each SED-ML task's model changes, applied to the archive's SBML, give that group's trajectory
     in libRoadRunner.
Prints one line per check with the largest differences.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

import basico
import libcombine
import libsbml
import libsedml
import numpy as np
import roadrunner

RTOL, ATOL = 1e-6, 1e-12
SOLVER_RTOL = 1e-10


def fail(message):
    sys.exit(message)


# ---- units as params.rs writes them -------------------------------------------------------
ATOMS = {  # symbol -> (SI factor, {base unit: exponent}); receptors and cells are counts
    "nM": (1e-9, {"mole": 1, "litre": -1}),
    "h": (3600.0, {"second": 1}),
    "L": (1.0, {"litre": 1}),
    "receptors": (1.0, {"item": 1}),
    "cell": (1.0, {"item": 1}),
    "cells": (1.0, {"item": 1}),
    "1": (1.0, {}),
    "MFI ratio": (1.0, {}),
}


def parse_unit(text):
    """'1/(nM·h)' -> (factor, {kind: exponent}), by recursive descent over / and ·."""
    if text in ATOMS:
        return ATOMS[text]
    tokens = re.findall(r"[A-Za-z]+|\d+|[()/·]", text)
    pos = 0

    def combine(a, b, sign):
        dims = dict(a[1])
        for k, e in b[1].items():
            dims[k] = dims.get(k, 0) + sign * e
        return (a[0] * b[0] ** sign, {k: e for k, e in dims.items() if e})

    def term():
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            value = expr()
            pos += 1  # ')'
            return value
        if tok not in ATOMS:
            fail(f"params.rs unit {text!r}: unknown symbol {tok!r}")
        return ATOMS[tok]

    def expr():
        nonlocal pos
        value = term()
        while pos < len(tokens) and tokens[pos] in "/·":
            op = tokens[pos]
            pos += 1
            value = combine(value, term(), -1 if op == "/" else 1)
        return value

    return expr()


def sbml_unit(ud):
    factor, dims = 1.0, {}
    for i in range(ud.getNumUnits()):
        u = ud.getUnit(i)
        kind = libsbml.UnitKind_toString(u.getKind())
        e = u.getExponentAsDouble()
        factor *= (u.getMultiplier() * 10 ** u.getScale()) ** e
        if kind != "dimensionless":
            dims[kind] = dims.get(kind, 0) + e
    return factor, {k: e for k, e in dims.items() if e}


def check_sbml(path, units):
    doc = libsbml.readSBMLFromFile(path)
    for category in (libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, libsbml.LIBSBML_CAT_MODELING_PRACTICE):
        doc.setConsistencyChecks(category, True)
    doc.checkConsistency()
    problems = []
    warnings = 0
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR or e.getCategory() == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY:
            problems.append(f"line {e.getLine()}: [{e.getCategoryAsString()} {e.getErrorId()}] {e.getMessage().strip()}")
        else:
            warnings += 1
    if problems:
        fail(f"{path}: libsbml reports errors or unit warnings:\n" + "\n".join(problems))
    model = doc.getModel()
    history = model.getModelHistory() if model.isSetModelHistory() else None
    if history is None or history.getNumCreators() < 1 or not history.isSetCreatedDate():
        fail(f"{path}: no model history (creator and created date) that libsbml can read")
    for pid, text in units.items():
        parameter = model.getParameter(pid)
        if parameter is None:
            fail(f"{path}: parameter {pid} is missing")
        ours = sbml_unit(parameter.getDerivedUnitDefinition())
        theirs = parse_unit(text)
        if ours[1] != theirs[1] or abs(ours[0] - theirs[0]) > 1e-12 * abs(theirs[0]):
            fail(f"{path}: {pid} has SBML unit {ours} but params.rs says {text!r} = {theirs}")
    return doc, warnings


# ---- simulators --------------------------------------------------------------------------------
def roadrunner_run(sbml, times, species):
    rr = roadrunner.RoadRunner(sbml)
    integrator = rr.getIntegrator()
    integrator.relative_tolerance = SOLVER_RTOL * 0.01
    integrator.absolute_tolerance = 1e-16
    integrator.setValue("maximum_num_steps", 1000000)
    result = rr.simulate(times=list(times), selections=[f"[{s}]" for s in species])
    return np.asarray(result)


def copasi_run(path, times, species, names):
    model = basico.load_model(path)
    frame = basico.run_time_course(
        start_time=0.0, duration=float(times[-1]), intervals=len(times) - 1, automatic=False,
        r_tol=SOLVER_RTOL * 0.01, a_tol=1e-16, max_steps=1000000, use_concentrations=True, model=model,
    )
    basico.remove_datamodel(model)
    if not np.allclose(frame.index.values, times, rtol=0, atol=1e-9):
        fail(f"{path}: COPASI reported times {frame.index.values[:3]}… not niche's")
    return np.column_stack([frame[names[s]].values for s in species])


def compare(tool, group, times, species, ours, theirs):
    worst_rel, worst_abs = 0.0, 0.0
    for j, name in enumerate(species):
        a, b = ours[:, j], theirs[:, j]
        err = np.abs(a - b)
        bad = err > RTOL * np.abs(a) + ATOL
        if bad.any():
            k = int(np.argmax(bad))
            fail(f"{tool}, {group}, {name} at t = {times[k]} h: niche {a[k]!r} vs {tool} {b[k]!r}")
        nonzero = np.abs(a) > 0
        if nonzero.any():
            worst_rel = max(worst_rel, float((err[nonzero] / np.abs(a[nonzero])).max()))
        if (~nonzero).any():
            worst_abs = max(worst_abs, float(err[~nonzero].max()))
    return worst_rel, worst_abs


# ---- archive -----------------------------------------------------------------------------------
SBML_NS = {"sbml": "http://www.sbml.org/sbml/level3/version2/core"}


def apply_changes(sbml_text, model):
    root = ET.fromstring(sbml_text)
    for i in range(model.getNumChanges()):
        change = model.getChange(i)
        if not isinstance(change, libsedml.SedChangeAttribute):
            fail(f"model {model.getId()}: change {i} is not a changeAttribute")
        path, _, attribute = change.getTarget().rpartition("/@")
        path = "." + path[len("/sbml:sbml"):]
        nodes = root.findall(path, SBML_NS)
        if len(nodes) != 1:
            fail(f"model {model.getId()}: target {change.getTarget()} selects {len(nodes)} elements")
        nodes[0].set(attribute, change.getNewValue())
    return ET.tostring(root, encoding="unicode")


def check_archive(path, groups, species):
    archive = libcombine.CombineArchive()
    if not archive.initializeFromArchive(path):
        fail(f"{path}: libcombine cannot open the archive")
    # libcombine lists the content entries and reads metadata.rdf into descriptions
    locations = sorted(archive.getEntry(i).getLocation() for i in range(archive.getNumEntries()))
    if not {"./model.xml", "./simulation.sedml"} <= set(locations):
        fail(f"{path}: libcombine finds entries {locations}, not ./model.xml and ./simulation.sedml")
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
        if names != ["manifest.xml", "metadata.rdf", "model.xml", "simulation.sedml"] or z.testzip() is not None:
            fail(f"{path}: the zip holds {names}")
    master = archive.getMasterFile()
    if master is None or master.getLocation() != "./simulation.sedml":
        fail(f"{path}: the master file is not the SED-ML")
    description = archive.getMetadataForLocation(".")
    if description.isEmpty() or description.getNumCreators() < 1:
        fail(f"{path}: metadata.rdf has no description libcombine can read")
    sedml_text = archive.extractEntryToString("./simulation.sedml")
    sbml_text = archive.extractEntryToString("./model.xml")
    doc = libsedml.readSedMLFromString(sedml_text)
    log = doc.getErrorLog()
    errors = [log.getError(i) for i in range(log.getNumErrors())
              if log.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]
    if errors:
        fail(f"{path}: libsedml errors:\n" + "\n".join(e.getMessage() for e in errors))
    if doc.getNumTasks() != len(groups):
        fail(f"{path}: {doc.getNumTasks()} tasks for {len(groups)} groups")
    sim = doc.getSimulation("sim_24h")
    times = np.linspace(sim.getOutputStartTime(), sim.getOutputEndTime(), sim.getNumberOfPoints() + 1)
    worst = 0.0
    for group in groups:
        task = doc.getTask(f"task_{group['id']}")
        if task is None:
            fail(f"{path}: no task for group {group['id']}")
        changed = apply_changes(sbml_text, doc.getModel(task.getModelReference()))
        niche = np.loadtxt(group["csv"], delimiter=",", skiprows=1)
        if not np.allclose(niche[:, 0], times):
            fail(f"{path}: the SED-ML time course is not niche's output times")
        rel, _ = compare("SED-ML task in libRoadRunner", group["id"], times, species, niche[:, 1:],
                         roadrunner_run(changed, times, species))
        worst = max(worst, rel)
    outputs = doc.getNumOutputs()
    generators = doc.getNumDataGenerators()
    return len(names), doc.getNumTasks(), generators, outputs, worst


def main(workdir):
    groups = json.load(open(os.path.join(workdir, "groups.json"), encoding="utf-8"))
    units = json.load(open(os.path.join(workdir, "units.json"), encoding="utf-8"))
    worst = {"libRoadRunner": [0.0, 0.0], "COPASI": [0.0, 0.0]}
    practice = 0
    for group in groups:
        doc, warnings = check_sbml(group["sbml"], units)
        practice = max(practice, warnings)
        header = open(group["csv"], encoding="utf-8").readline().strip().split(",")
        species = header[1:]
        niche = np.loadtxt(group["csv"], delimiter=",", skiprows=1)
        times, ours = niche[:, 0], niche[:, 1:]
        names = {s.getId(): s.getName() or s.getId() for s in doc.getModel().getListOfSpecies()}
        for tool, theirs in (("libRoadRunner", roadrunner_run(group["sbml"], times, species)),
                             ("COPASI", copasi_run(group["sbml"], times, species, names))):
            rel, ab = compare(tool, group["id"], times, species, ours, theirs)
            worst[tool] = [max(worst[tool][0], rel), max(worst[tool][1], ab)]
    print(f"libsbml: {len(groups)} models, 0 errors, 0 unit warnings, {practice} other warnings; "
          f"{len(units)} parameter units equal params.rs")
    for tool, (rel, ab) in worst.items():
        print(f"{tool}: {len(groups)} groups x {len(species)} species x {len(times)} times, "
              f"max relative difference {rel:.2e}, max absolute difference where niche is 0: {ab:.2e}")
    entries, tasks, generators, outputs, rel = check_archive(os.path.join(workdir, "archive.omex"), groups, species)
    print(f"libcombine: {entries} entries; libsedml: 0 errors, {tasks} tasks, {generators} data generators, "
          f"{outputs} plots; SED-ML tasks in libRoadRunner: max relative difference {rel:.2e}")


if __name__ == "__main__":
    main(sys.argv[1])
