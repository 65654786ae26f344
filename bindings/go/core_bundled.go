//go:build !polyscore_system

package polyscore

// The C++ core compiled by cgo from the copy in _core/ (scripts/gen_go_core.sh writes
// it and one zcore_*.cc wrapper per source file), linked statically into the program:
// `go get` needs nothing but a C++17 compiler. The flags are those CMakeLists.txt gives
// the library.

/*
#cgo CFLAGS: -I${SRCDIR}/_core/include
#cgo CXXFLAGS: -std=c++17 -O2 -fvisibility=hidden -fvisibility-inlines-hidden
#cgo CXXFLAGS: -I${SRCDIR}/_core/include -I${SRCDIR}/_core/src -I${SRCDIR}/_core/third_party/simdjson
#cgo LDFLAGS: -lstdc++ -lm -lpthread
*/
import "C"
