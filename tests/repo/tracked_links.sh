#!/usr/bin/env bash
# Every symbolic link git tracks points inside the repository, by a relative path: a
# clone elsewhere gets the same tree. (A committed .venv -> /work/main/.venv once made
# scripts/setup.sh fail in every clean clone: "python3 -m venv .venv" refuses a dangling
# link.) Exits 1 naming each link that does not.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: no tracked links to check"
  exit 0
fi
ROOT=$(pwd -P)
bad=0
while IFS= read -r -d '' path; do
  target=$(git cat-file blob ":$path")  # the link as staged, whatever the work tree holds
  case $target in
    /*) echo "tracked link $path points outside the repository, to the absolute path $target"; bad=1; continue ;;
  esac
  resolved=$(cd "$(dirname "$path")" && realpath -m "$target")
  case $resolved/ in
    "$ROOT"/*) ;;
    *) echo "tracked link $path points outside the repository, to $resolved"; bad=1 ;;
  esac
done < <(git ls-files -s -z | awk -v RS='\0' -v ORS='\0' '$1 == "120000" { sub(/^[^\t]*\t/, ""); print }')
exit $bad
