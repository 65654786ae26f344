package PSTest;
# Helpers shared by the Perl tests: paths, CSV reading, the C library's reference
# output (the CLI, or ps_ref for iteration ranges and float32), bitwise comparison.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use POSIX ();
use Exporter 'import';

our @EXPORT_OK = qw($ROOT $VECTORS $BUILD_DIR $SWIG_BUILD read_csv flat c_reference
                    offsets_reference same_bits close_enough rss_kb manifest);

our $ROOT       = abs_path(dirname(__FILE__) . '/../../../../..');
our $VECTORS    = "$ROOT/tests/vectors";
our $BUILD_DIR  = $ENV{POLYSCORE_BUILD_DIR} || "$ROOT/build";
our $SWIG_BUILD = $ENV{POLYSCORE_SWIG_BUILD} || "$ROOT/bindings/swig/build";

# C's strtod (correctly rounded), so the binding sees the doubles the CLI reads.
sub _num {
    my ($s) = @_;
    return 'NaN' + 0 if $s eq '' || lc($s) eq 'nan';
    my ($v, $unparsed) = POSIX::strtod($s);
    die "not a number: '$s'" if $unparsed;
    return $v;
}

# Rows of a header-less CSV as array refs of doubles.
sub read_csv {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    my @rows;
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z//;
        next if $line eq '';
        push @rows, [ map { _num($_) } split /,/, $line, -1 ];
    }
    return \@rows;
}

sub flat { [ map { @$_ } @{ $_[0] } ] }

sub manifest {
    require JSON::PP;
    open my $fh, '<', "$VECTORS/manifest.json" or die $!;
    local $/;
    return JSON::PP->new->decode(<$fh>)->{cases};
}

# The C library's answer for (case, output) as a flat array ref.
sub c_reference {
    my ($case, $output) = @_;
    my $model = "$VECTORS/$case->{model}";
    my $input = "$VECTORS/$case->{input}";
    my @cmd;
    if ($case->{dtype} eq 'float64' && !$case->{iteration_begin} && !$case->{iteration_end}) {
        @cmd = ("$BUILD_DIR/polyscore", 'predict', $model, '--input', $input, '--output', $output);
    } else {
        @cmd = ("$SWIG_BUILD/ps_ref", $model, $input, $output, $case->{iteration_begin},
                $case->{iteration_end}, $case->{dtype});
    }
    return _run(@cmd);
}

# The C library's answer for a case of tests/vectors/offsets (the CLI with --base-margin).
sub offsets_reference {
    my ($case, $output) = @_;
    my $dir = "$VECTORS/offsets";
    return _run("$BUILD_DIR/polyscore", 'predict', "$dir/$case->{model}", '--input',
                "$dir/$case->{input}", '--output', $output, '--base-margin',
                "$dir/$case->{base_margin}");
}

# The values a command prints, comma-separated, as a flat array ref.
sub _run {
    my @cmd = @_;
    open my $fh, '-|', @cmd or die "@cmd: $!";
    my @values;
    while (my $line = <$fh>) {
        chomp $line;
        push @values, map { _num($_) } split /,/, $line, -1;
    }
    close $fh or die "@cmd failed: $?";
    return \@values;
}

sub _isnan { $_[0] != $_[0] }

# Index of the first value whose bits differ (NaN equals NaN), or -1.
sub same_bits {
    my ($got, $want) = @_;
    return -2 if @$got != @$want;
    for my $i (0 .. $#$want) {
        next if _isnan($got->[$i]) && _isnan($want->[$i]);
        return $i if pack('d<', $got->[$i]) ne pack('d<', $want->[$i]);
    }
    return -1;
}

# Index of the first value off by more than rel (as the C conformance test), or -1.
sub close_enough {
    my ($got, $want, $rel) = @_;
    return -2 if @$got != @$want;
    for my $i (0 .. $#$want) {
        my ($g, $w) = ($got->[$i], $want->[$i]);
        if (_isnan($w)) { return $i unless _isnan($g); next }
        next if $g == $w;
        my $m = abs($g) > abs($w) ? abs($g) : abs($w);
        return $i if abs($g - $w) > $rel * $m;
    }
    return -1;
}

# Resident set size of this process in KiB (/proc/self/statm).
sub rss_kb {
    open my $fh, '<', '/proc/self/statm' or return 0;
    my (undef, $resident) = split ' ', scalar <$fh>;
    return $resident * POSIX::sysconf(POSIX::_SC_PAGESIZE()) / 1024;
}

1;
