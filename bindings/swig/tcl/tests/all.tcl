# Runs every tcl/tests/*.test in its own tclsh; exits 1 if any file failed.
set dir [file dirname [file normalize [info script]]]
set failed {}
foreach t [lsort [glob -directory $dir *.test]] {
    if {[catch {exec [info nameofexecutable] $t >@ stdout 2>@ stderr}]} {
        lappend failed [file tail $t]
    }
}
if {[llength $failed]} {
    puts "Tcl test files with failures: $failed"
    exit 1
}
puts "all Tcl test files passed"
