#!/usr/bin/env bash
# Generates the gRPC client stubs of fraud.v1 (proto/fraud/v1/fraud.proto) into
# fraudpb/, with protoc-gen-go and protoc-gen-go-grpc built from the Go module proxy at
# the versions pinned here. The generated code is not committed (.gitignore).
# Needs protoc (Debian: protobuf-compiler).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PROTOC_GEN_GO=v1.36.11
PROTOC_GEN_GO_GRPC=v1.6.2
TOOLS=${POLYSCORE_GO_TOOLS:-$ROOT/build/go-tools}
command -v protoc >/dev/null || { echo "generate.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
mkdir -p "$TOOLS"
[ -x "$TOOLS/protoc-gen-go" ] || GOBIN=$TOOLS GOFLAGS= go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO"
[ -x "$TOOLS/protoc-gen-go-grpc" ] || GOBIN=$TOOLS GOFLAGS= go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC"
rm -rf "$HERE/fraudpb"; mkdir -p "$HERE/fraudpb"
# M maps the .proto to this module's import path, whatever its go_package says.
mapping=Mfraud/v1/fraud.proto=github.com/polyscore/polyscore/examples/fraud/go/fraudpb
PATH=$TOOLS:$PATH protoc -I "$ROOT/proto" \
  --go_out="$HERE/fraudpb" --go_opt=paths=source_relative,$mapping \
  --go-grpc_out="$HERE/fraudpb" --go-grpc_opt=paths=source_relative,$mapping \
  fraud/v1/fraud.proto
mv "$HERE/fraudpb/fraud/v1/"*.go "$HERE/fraudpb/"; rm -rf "$HERE/fraudpb/fraud"
