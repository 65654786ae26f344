#!/usr/bin/env tclsh
# Scores examples/fraud/rows.csv with the fraud-v3 model and prints one probability per row.
#   TCLLIBPATH=build/tcl tclsh examples/fraud.tcl ?MODEL? ?ROWS.csv?
package require polyscore

set root [file normalize [file join [file dirname [info script]] .. .. ..]]
lassign $argv model csv
if {$model eq ""} { set model [file join $root examples fraud fraud-v3.json] }
if {$csv eq ""} { set csv [file join $root examples fraud rows.csv] }

set f [open $csv]
set lines [lrange [split [string trim [read $f]] \n] 1 end]   ;# skip the header
close $f
set rows {}
foreach line $lines { lappend rows {*}[split $line ,] }

polyscore::with_model m $model {
    foreach p [polyscore::predict $m $rows [llength $lines]] { puts $p }
}
