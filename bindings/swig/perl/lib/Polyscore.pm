package Polyscore;
# Perl face of the SWIG binding (module polyscore_swig, generated from polyscore.i).
use strict;
use warnings;
use Carp ();
use polyscore_swig ();

our $VERSION = '1.0.0';

# The ABI version of the C library this module was written for.
use constant REQUIRED_ABI => 1;

sub abi_version { polyscore_swig::ps_abi_version() }
sub version     { polyscore_swig::ps_version_string() }
sub status_name { polyscore_swig::ps_status_name($_[0]) }

# Dies with a Polyscore::Error (PS_ERR_ABI_VERSION, naming both versions) unless the
# loaded library offers ABI version $required (default: REQUIRED_ABI).
sub require_abi {
    my $required = @_ ? shift : REQUIRED_ABI;
    polyscore_swig::require_abi($required);
    return 1;
}

require_abi();    # checked once, when the module is loaded

our %FORMAT = (
    auto             => $polyscore_swig::PS_FORMAT_AUTO,
    'xgboost-json'   => $polyscore_swig::PS_FORMAT_XGBOOST_JSON,
    'xgboost-ubjson' => $polyscore_swig::PS_FORMAT_XGBOOST_UBJSON,
    lightgbm         => $polyscore_swig::PS_FORMAT_LIGHTGBM_TEXT,
    'lightgbm-text'  => $polyscore_swig::PS_FORMAT_LIGHTGBM_TEXT,
);
our %OUTPUT = (
    value  => $polyscore_swig::PS_OUTPUT_VALUE,
    margin => $polyscore_swig::PS_OUTPUT_MARGIN,
    leaf   => $polyscore_swig::PS_OUTPUT_LEAF,
    contrib => $polyscore_swig::PS_OUTPUT_CONTRIB,
);
our %DTYPE = (
    float64 => $polyscore_swig::PS_DTYPE_FLOAT64,
    float32 => $polyscore_swig::PS_DTYPE_FLOAT32,
);

sub _pick {
    my ($table, $what, $value, $default) = @_;
    return $table->{$default} unless defined $value;
    return $table->{$value} if exists $table->{$value};
    Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT,
        "unknown $what '$value' (one of: " . join(', ', sort keys %$table) . ')');
}

package Polyscore::Error;
# What every failure dies with: ->code (the ps_status number), ->name ("PS_ERR_SHAPE")
# and ->message (the library's message). Stringifies as "PS_ERR_SHAPE: message".
use overload '""' => sub { "$_[0]{name}: $_[0]{message}" }, fallback => 1;

sub code    { $_[0]{code} }
sub name    { $_[0]{name} }
sub message { $_[0]{message} }

sub throw {
    my ($class, $code, $message) = @_;
    die bless { code => $code, name => polyscore_swig::ps_status_name($code),
                message => $message }, $class;
}

package Polyscore::Model;
# A loaded model. The C handle is freed exactly once: by ->close, or when the object
# goes away if it was never closed. Calls after ->close die with PS_ERR_INVALID_HANDLE.

sub load {
    my ($class, $path, $opts) = @_;
    $opts ||= {};
    my $fmt = Polyscore::_pick(\%Polyscore::FORMAT, 'format', $opts->{format}, 'auto');
    return bless { h => polyscore_swig::Model->new("$path", $fmt) }, $class;
}

# Loads a model from the bytes of a model file (a string).
sub load_buffer {
    my ($class, $bytes, $opts) = @_;
    $opts ||= {};
    my $fmt = Polyscore::_pick(\%Polyscore::FORMAT, 'format', $opts->{format}, 'auto');
    return bless { h => polyscore_swig::load_buffer($bytes, $fmt) }, $class;
}

sub _range {
    my ($opts) = @_;
    my $begin = $opts->{iteration_begin} // 0;
    my $end   = $opts->{iteration_end}   // 0;
    return ($begin, $end);
}

# $m->predict(\@rows, $n_rows, {output => 'value'|'margin'|'leaf', iteration_begin,
#   iteration_end, dtype => 'float64'|'float32', threads}) -> array ref of n_rows * k
# doubles, row after row. \@rows is flat (row-major) or an array of row array refs
# (then $n_rows may be undef). undef or 'nan' is a missing value.
sub predict {
    my ($self, $rows, $n_rows, $opts) = @_;
    $opts ||= {};
    if (ref $rows eq 'ARRAY' && @$rows && ref $rows->[0] eq 'ARRAY') {
        $n_rows //= scalar @$rows;
        $rows = [ map { @$_ } @$rows ];
    }
    Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT, 'n_rows is required')
        unless defined $n_rows;
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    my $dtype  = Polyscore::_pick(\%Polyscore::DTYPE, 'dtype', $opts->{dtype}, 'float64');
    my $threads = $opts->{threads} // 1;
    return $self->{h}->predict($rows, $n_rows, $output, _range($opts), $dtype, $threads);
}

# $m->predict_row(\@row, {output, iteration_begin, iteration_end}) -> array ref.
sub predict_row {
    my ($self, $row, $opts) = @_;
    $opts ||= {};
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    return $self->{h}->predict_row($row, $output, _range($opts));
}

sub output_size {
    my ($self, $n_rows, $opts) = @_;
    $opts ||= {};
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    return $self->{h}->output_size($n_rows, $output, _range($opts));
}

# A hash ref: format, num_features, num_outputs, num_margins, num_trees,
# num_iterations, objective, booster.
sub info {
    return $_[0]{h}->info;
}

sub num_features { $_[0]->info->{num_features} }

sub feature_names {
    my ($self) = @_;
    my $n = $self->info->{num_features};
    return [ map { $self->{h}->feature_name($_) } 0 .. $n - 1 ];
}

sub close  { $_[0]{h}->close; return }
sub closed { $_[0]{h}->closed ? 1 : 0 }

1;
__END__

=head1 NAME

Polyscore - score XGBoost and LightGBM models through libpolyscore (SWIG binding)

=head1 SYNOPSIS

  use Polyscore;
  my $m = Polyscore::Model->load('fraud-v3.json');
  my $p = $m->predict([0.4, 1.2, 0.0, 0.5], 2);            # [p0, p1]
  my $z = $m->predict_row([0.4, 1.2], {output => 'margin'});
  $m->close;

Errors die with a L<Polyscore::Error> (code, name, message).

=cut
