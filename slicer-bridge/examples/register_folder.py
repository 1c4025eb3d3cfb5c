#!/usr/bin/env python3
"""Registers every radiograph pair of a folder on a SlicerReg daemon and writes the results and metrics.

Layout: INPUT/CASE/ap.nrrd and INPUT/CASE/lat.nrrd (views from their `slicerreg_view` metadata, as `slicerreg drr`
writes them, or --ap-view/--lat-view: a view JSON file or preset), optionally INPUT/CASE/label.nrrd, a ground-truth femur
label map (any grid: it is resampled, nearest voxel, onto the result's grid).
Output: OUT/CASE/RESULT.nrrd for every result (warped_atlas, warped_labels, displacement_field; a network model also
overlay_ap, overlay_lateral), OUT/CASE/summary.json, and OUT/metrics.csv
(case, status, seconds, dice, message). A failing case is recorded and the others go on; exit code 1 if any failed.

Without Slicer:    python3 register_folder.py --input cases --out results      (starts a local daemon with the shipped
                       models and registers with the best trained one; or --server ADDR, --model NAME)
Inside Slicer:     Slicer --no-main-window --python-script register_folder.py --input cases --out results --server ADDR
Needs numpy, grpcio, grpcio-tools, protobuf and SlicerRegLib (found next to this script's ../SlicerReg, or give --lib).
"""
import argparse
import csv
import json
import os
import sys
import time


def parse_args(argv):
    if argv[:1] == ["--"]:
        argv = argv[1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="folder of cases (CASE/ap.nrrd, CASE/lat.nrrd[, CASE/label.nrrd])")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--server", help="daemon address HOST:PORT, https://HOST:PORT (TLS) or unix:PATH (default: start a local daemon)")
    ap.add_argument("--token", default=os.environ.get("SLICERREG_TOKEN"))
    ap.add_argument("--token-file", help="file whose first line is the token (instead of --token / SLICERREG_TOKEN)")
    ap.add_argument("--ca", help="PEM certificate of the CA that signed a TLS daemon's certificate (default: the system's roots)")
    ap.add_argument("--models", help="models folder for a local daemon (default: the daemon's, the shipped atlas/models)")
    ap.add_argument("--atlas", help="atlas CT of a local daemon's identity placeholder (tests, debugging)")
    ap.add_argument("--atlas-labels", help="its label map (gives the placeholder's warped_labels)")
    ap.add_argument("--slicerreg", help="slicerreg executable or slicerreg.dll (default: $SLICERREG or PATH)")
    ap.add_argument("--model", help="model name (default: the daemon's best trained model)")
    ap.add_argument("--ap-view", help="view JSON file or preset for every AP image (default: the file's slicerreg_view)")
    ap.add_argument("--lat-view", help="view JSON file or preset for every LAT image")
    ap.add_argument("--lib", help="folder holding SlicerRegLib (default: ../SlicerReg next to this script)")
    return ap.parse_args(argv)


def find_lib(hint):
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (hint, os.path.join(here, "..", "SlicerReg")):
        if folder and os.path.isdir(os.path.join(folder, "SlicerRegLib")):
            sys.path.insert(0, os.path.abspath(folder))
            return
    try:
        import slicer  # an installed extension: the module's folder holds SlicerRegLib
        sys.path.insert(0, os.path.dirname(slicer.modules.slicerreg.path))
    except (ImportError, AttributeError):
        raise SystemExit("SlicerRegLib not found: give --lib FOLDER (the folder that contains SlicerRegLib/)")


def run_case(client, case_dir, out_dir, args):
    from SlicerRegLib import metrics, nrrd, views
    from SlicerRegLib.names import WARPED_LABELS
    ap_view = views.load_view(args.ap_view) if args.ap_view else None
    lat_view = views.load_view(args.lat_view) if args.lat_view else None
    ap, ap_view = nrrd.read_radiograph(os.path.join(case_dir, "ap.nrrd"), ap_view)
    lat, lat_view = nrrd.read_radiograph(os.path.join(case_dir, "lat.nrrd"), lat_view)
    result = client.register(ap, ap_view, lat, lat_view, model=args.model, client="register_folder.py")
    os.makedirs(out_dir, exist_ok=True)
    for name, volume in result.volumes.items():
        nrrd.write(volume, os.path.join(out_dir, name + ".nrrd"))
    dice = None
    truth_path = os.path.join(case_dir, "label.nrrd")
    if os.path.isfile(truth_path) and WARPED_LABELS in result.volumes:
        ours = result.volumes[WARPED_LABELS]
        truth = metrics.resample_nearest(nrrd.read(truth_path), ours.ijk_to_ras, ours.voxels.shape)
        dice = metrics.dice(ours.voxels, truth)
    summary = {"jobId": result.job_id, "model": result.model, "message": result.message, "seconds": result.seconds,
               "affineRas": result.affine.tolist(), "results": sorted(result.volumes), "dice": dice}
    with open(os.path.join(out_dir, "summary.json.tmp"), "w") as f:
        json.dump(summary, f, indent=2)
    os.replace(os.path.join(out_dir, "summary.json.tmp"), os.path.join(out_dir, "summary.json"))
    return result, dice


def main(argv):
    args = parse_args(argv)
    find_lib(args.lib)
    from SlicerRegLib.client import RegistrationClient, SlicerRegError
    from SlicerRegLib.daemon import LocalDaemon
    cases = sorted(d for d in os.listdir(args.input) if os.path.isdir(os.path.join(args.input, d)))
    if not cases:
        raise SystemExit(f"{args.input}: no case folders (expected CASE/ap.nrrd and CASE/lat.nrrd)")
    token = args.token
    if args.token_file:
        with open(args.token_file) as f:
            token = f.readline().strip()
    daemon = None
    if not args.server:
        daemon = LocalDaemon(args.atlas, args.atlas_labels, args.slicerreg, models=args.models)
    rows, failed = [], 0
    try:
        with RegistrationClient.connect(args.server or daemon.address, token, ca_file=args.ca) as client:
            for case in cases:
                started = time.monotonic()
                try:
                    result, dice = run_case(client, os.path.join(args.input, case), os.path.join(args.out, case), args)
                    rows.append([case, "ok", f"{time.monotonic() - started:.3f}", "" if dice is None else f"{dice:.6f}", result.message])
                except (SlicerRegError, ValueError, OSError) as e:
                    failed += 1
                    rows.append([case, "failed", f"{time.monotonic() - started:.3f}", "", str(e)])
                print(f"{case}: {rows[-1][1]} {rows[-1][3] and 'dice ' + rows[-1][3]} {rows[-1][4]}", flush=True)
    finally:
        if daemon:
            daemon.stop()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "metrics.csv.tmp"), "w", newline="") as f:
        csv.writer(f).writerows([["case", "status", "seconds", "dice", "message"]] + rows)
    os.replace(os.path.join(args.out, "metrics.csv.tmp"), os.path.join(args.out, "metrics.csv"))
    print(f"{len(cases) - failed} of {len(cases)} cases registered; metrics in {os.path.join(args.out, 'metrics.csv')}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        import slicer  # noqa: F401  (inside Slicer: arguments after "--", and quit when done)
        in_slicer = hasattr(slicer, "app")
    except ImportError:
        in_slicer = False
    code = main(sys.argv[1:])
    if in_slicer:
        slicer.app.exit(code)
    else:
        sys.exit(code)
