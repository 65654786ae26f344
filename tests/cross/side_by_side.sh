# Sourced by the qemu scripts: runs commands side by side (each emulated run is one
# thread; CI machines have two cores), each into its own log, and prints the logs in
# the order the commands were started once all are done.
#   start_beside TITLE COMMAND [ARG...]   starts COMMAND (a program or a function)
#   wait_beside                           waits for all, prints each log under its
#                                         title; returns 1 if any command failed
BESIDE_LOGS=$(mktemp -d)
trap 'rm -rf "$BESIDE_LOGS"' EXIT
BESIDE_PIDS=()
BESIDE_TITLES=()

start_beside() {
  local log=$BESIDE_LOGS/${#BESIDE_PIDS[@]}
  "${@:2}" >"$log" 2>&1 &
  BESIDE_PIDS+=("$!")
  BESIDE_TITLES+=("$1")
}

wait_beside() {
  local status=0 i
  for i in "${!BESIDE_PIDS[@]}"; do wait "${BESIDE_PIDS[$i]}" || status=1; done
  for i in "${!BESIDE_PIDS[@]}"; do
    echo "== ${BESIDE_TITLES[$i]}"
    cat "$BESIDE_LOGS/$i"
  done
  BESIDE_PIDS=()
  BESIDE_TITLES=()
  return "$status"
}
