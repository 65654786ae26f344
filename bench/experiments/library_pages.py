"""How much of a process's file-backed resident memory (RssFile, which `ps_bench memory`
reports as load_file_kib) is libpolyscore's own code: loads LIBDIR/libpolyscore.so.1,
then a model, and prints the library's mappings' Rss (/proc/self/smaps) and RssFile
before and after the load, KiB. Two builds can differ here by their code's layout alone
(the kernel maps a faulting page's neighbours in the page cache too), not by what a
loaded model holds.

    python3 bench/experiments/library_pages.py LIBDIR MODEL
"""
import ctypes
import sys


def library_rss_kib():
    total, ours = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:  # a mapping's header
                ours = len(parts) >= 6 and "libpolyscore" in parts[5]
            elif ours and parts[0] == "Rss:":
                total += int(parts[1])
    return total


def rss_file_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    raise RuntimeError("no RssFile in /proc/self/status")


def main():
    libdir, model_path = sys.argv[1:3]
    lib = ctypes.CDLL(libdir + "/libpolyscore.so.1")
    err = ctypes.c_void_p()
    lib.ps_error_create(ctypes.byref(err))
    lib.ps_version_string()
    lib_before, file_before = library_rss_kib(), rss_file_kib()
    model = ctypes.c_void_p()
    if lib.ps_model_load_file(ctypes.byref(model), model_path.encode(), None, err) != 0:
        raise SystemExit("load failed")
    print(f"{libdir}: libpolyscore Rss {lib_before} -> {library_rss_kib()} KiB, "
          f"RssFile {file_before} -> {rss_file_kib()} KiB")


if __name__ == "__main__":
    main()
