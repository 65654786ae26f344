#!/usr/bin/env python3
"""Builds libpolyscore.so.1 from a modified copy of the C ABI layer, fast.

    build_variant.py BUILD_DIR ROOT VARIANT_DIR

VARIANT_DIR holds a copy of include/ and src/capi/ (already modified by the caller).
Only the C ABI sources (src/capi/*.cc) are recompiled, with exactly the flags of
BUILD_DIR's compile_commands.json (our RelWithDebInfo build), and linked exactly
as BUILD_DIR links the library, against BUILD_DIR's unchanged static core
archives, with VARIANT_DIR's version script. Result: VARIANT_DIR/libpolyscore.so.1.
The core archives were compiled against the original header; that does not matter
here: the variant is only inspected (abidw, nm), never run.
"""
import json
import os
import shlex
import subprocess
import sys


def main():
    build, root, variant = (os.path.abspath(a) for a in sys.argv[1:4])
    commands = json.load(open(os.path.join(build, "compile_commands.json")))
    objects = {}
    for entry in commands:
        src = entry["file"]
        if os.sep + os.path.join("src", "capi") + os.sep not in src:
            continue
        args = shlex.split(entry["command"])
        out = []
        i = 0
        while i < len(args):
            a = args[i]
            if a == "-I" + os.path.join(root, "include"):
                a = "-I" + os.path.join(variant, "include")
            elif a == "-I" + os.path.join(root, "src"):
                out.append("-I" + os.path.join(variant, "src"))
            elif a == "-o":
                obj = os.path.join(variant, os.path.basename(src) + ".o")
                objects[args[i + 1]] = obj
                out += ["-o", obj]
                i += 2
                continue
            elif a == src:
                a = src.replace(root, variant, 1)
            out.append(a)
            i += 1
        subprocess.run(out, cwd=entry["directory"], check=True)

    link = subprocess.run(["ninja", "-C", build, "-t", "commands", "libpolyscore.so.1.0.0"],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    link = link.removeprefix(": && ").removesuffix(" && :")
    args = []
    it = iter(shlex.split(link))
    for a in it:
        if a.startswith("-Wl,--version-script="):
            a = "-Wl,--version-script=" + os.path.join(variant, "src", "capi", "polyscore.map")
        elif a == "-o":
            next(it)
            args += ["-o", os.path.join(variant, "libpolyscore.so.1")]
            continue
        elif a in objects:
            a = objects[a]
        args.append(a)
    subprocess.run(args, cwd=build, check=True)


if __name__ == "__main__":
    main()
