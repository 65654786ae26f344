# Tcl package index for the SWIG binding: package require polyscore
package ifneeded polyscore 1.0.0 [list source [file join $dir polyscore.tcl]]
