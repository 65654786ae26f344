# Shared set-up of the Tcl tests: paths, the package, CSV reading, the C library's
# reference output and bitwise comparison.
package require tcltest 2
namespace import ::tcltest::*
configure -tmpdir [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}]

set here [file dirname [file normalize [info script]]]
set ROOT [file normalize [file join $here .. .. .. ..]]
set VECTORS [file join $ROOT tests vectors]
set BUILD_DIR [expr {[info exists env(POLYSCORE_BUILD_DIR)] ? $env(POLYSCORE_BUILD_DIR) : [file join $ROOT build]}]
set SWIG_BUILD [expr {[info exists env(POLYSCORE_SWIG_BUILD)] ? $env(POLYSCORE_SWIG_BUILD) : [file join $ROOT bindings swig build]}]
set FRAUD [file join $ROOT examples fraud fraud-v3.json]
lappend auto_path [file join $SWIG_BUILD tcl]
package require polyscore

# The rows of a header-less CSV file, as one flat list of fields (strings; "" and nan
# are missing), and the row count.
proc read_csv {path} {
    set f [open $path]
    set values {}
    set n 0
    foreach line [split [read $f] \n] {
        set line [string trimright $line \r]
        if {$line eq ""} continue
        lappend values {*}[split $line ,]
        incr n
    }
    close $f
    return [list $values $n]
}

# The C library's answer: the CLI for float64 without an iteration range, else ps_ref.
proc c_reference {model input output begin end dtype} {
    global BUILD_DIR SWIG_BUILD
    if {$dtype eq "float64" && $begin == 0 && $end == 0} {
        set text [exec [file join $BUILD_DIR polyscore] predict $model --input $input --output $output]
    } else {
        set text [exec [file join $SWIG_BUILD ps_ref] $model $input $output $begin $end $dtype]
    }
    return [printed_values $text]
}

# The C library's answer with per-row margin offsets: the CLI with --base-margin.
proc offsets_reference {model input output base_margin} {
    global BUILD_DIR
    return [printed_values [exec [file join $BUILD_DIR polyscore] predict $model --input $input \
                                --output $output --base-margin $base_margin]]
}

# The values a command printed, comma-separated, one row per line, as a flat list.
proc printed_values {text} {
    set values {}
    foreach line [split $text \n] {
        # "-0" would read back as the integer 0 (+0.0 bits); keep it a negative zero.
        if {$line ne ""} { lappend values {*}[lmap v [split $line ,] {expr {$v eq "-0" ? "-0.0" : $v}}] }
    }
    return $values
}

proc isnan {x} { expr {[string tolower [string trimleft $x -]] eq "nan"} }

# Index of the first value whose bits differ (NaN equals NaN), -1 if none, -2 if the
# lengths differ.
proc same_bits {got want} {
    if {[llength $got] != [llength $want]} { return -2 }
    set i 0
    foreach g $got w $want {
        if {[isnan $g] && [isnan $w]} { incr i; continue }
        if {[isnan $g] || [isnan $w] || [binary format d $g] ne [binary format d $w]} { return $i }
        incr i
    }
    return -1
}

# Index of the first value off by more than rel (as the C conformance test), or -1.
proc close_enough {got want rel} {
    if {[llength $got] != [llength $want]} { return -2 }
    set i 0
    foreach g $got w $want {
        if {[isnan $w]} {
            if {![isnan $g]} { return $i }
        } elseif {[isnan $g]} {
            return $i
        } elseif {$g != $w && abs($g - $w) > $rel * max(abs($g), abs($w))} {
            return $i
        }
        incr i
    }
    return -1
}

proc rss_kb {} {
    set f [open /proc/self/statm]
    set resident [lindex [read $f] 1]
    close $f
    return [expr {$resident * 4}]
}

# The error code and message of a script that must fail.
proc error_of {script} {
    if {[catch {uplevel 1 $script} msg opts]} {
        return [list [dict get $opts -errorcode] $msg]
    }
    return [list NONE "no error"]
}

# Ends a test file: report, and exit 1 if anything failed.
proc finish {} {
    set failed $::tcltest::numTests(Failed)
    cleanupTests
    exit [expr {$failed > 0}]
}
