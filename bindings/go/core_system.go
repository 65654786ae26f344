//go:build polyscore_system

package polyscore

// With the build tag polyscore_system, link the installed libpolyscore.so.1 (as
// `cmake --install` or the Debian package puts it) through its pkg-config file,
// polyscore.pc, instead of compiling the bundled copy of the core.

/*
#cgo pkg-config: polyscore
*/
import "C"
