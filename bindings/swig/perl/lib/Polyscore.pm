package Polyscore;
# Perl face of the SWIG binding (module polyscore_swig, generated from polyscore.i).
use strict;
use warnings;
use Carp ();
use polyscore_swig ();
use Polyscore::Constants ();    # generated from the C header

our $VERSION = '1.0.0';

# The ABI version of the C library this module was written for.
use constant REQUIRED_ABI => $Polyscore::Constants::ABI_VERSION;

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

# The names users write (as the CLI and every binding spell them) -> PS_* values.
our %FORMAT = %Polyscore::Constants::FORMAT;
our %OUTPUT = %Polyscore::Constants::OUTPUT;
our %DTYPE  = %Polyscore::Constants::DTYPE;
our %SHAP_ALGORITHM = %Polyscore::Constants::SHAP_ALGORITHM;
my %DEFAULT = %Polyscore::Constants::PREDICT_DEFAULTS;

# Dies with PS_ERR_INVALID_ARGUMENT naming an option that is not one of @known.
sub _check_options {
    my ($opts, @known) = @_;
    Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT, 'options must be a hash ref')
        unless ref $opts eq 'HASH';
    my %known = map { $_ => 1 } @known;
    for my $name (sort keys %$opts) {
        next if $known{$name};
        Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT,
            "unknown option '$name' (options are: " . join(', ', @known) . ')');
    }
    return $opts;
}

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
    $opts = Polyscore::_check_options($opts || {}, 'format');
    my $fmt = Polyscore::_pick(\%Polyscore::FORMAT, 'format', $opts->{format}, 'auto');
    return bless { h => polyscore_swig::Model->new("$path", $fmt) }, $class;
}

# Loads a model from the bytes of a model file (a string).
sub load_buffer {
    my ($class, $bytes, $opts) = @_;
    $opts = Polyscore::_check_options($opts || {}, 'format');
    my $fmt = Polyscore::_pick(\%Polyscore::FORMAT, 'format', $opts->{format}, 'auto');
    return bless { h => polyscore_swig::load_buffer($bytes, $fmt) }, $class;
}

sub _range {
    my ($opts) = @_;
    my $begin = $opts->{iteration_begin} // $DEFAULT{iteration_begin};
    my $end   = $opts->{iteration_end}   // $DEFAULT{iteration_end};
    return ($begin, $end);
}

# The shap_algorithm option as its PS_SHAP_* value (a name not in %SHAP_ALGORITHM dies
# with PS_ERR_INVALID_ARGUMENT naming it and the names).
sub _shap_algorithm {
    my ($opts) = @_;
    return Polyscore::_pick(\%Polyscore::SHAP_ALGORITHM, 'shap_algorithm', $opts->{shap_algorithm}, 'auto');
}

# Per-row margin offsets as the C call takes them: flat, row-major. An array ref of
# rows' array refs (one offset per margin) is flattened; undef is none.
sub _base_margin {
    my ($bm) = @_;
    return $bm unless ref $bm eq 'ARRAY' && @$bm && ref $bm->[0] eq 'ARRAY';
    return [ map { @$_ } @$bm ];
}

# ---- rows given by feature name: [{amount_zscore => 0.4, velocity => 1.2}, ...]
# The rules are the other bindings' (Go PredictNamed, Node predict([{...}]), the Python
# binding's DataFrame path): names match exactly as the model file stores them
# (->feature_names), a feature absent from a row and a name the model does not have are
# errors naming them (a typo never scores silently), and a model whose file names no
# features cannot be given rows by name.

sub _quote_some {
    my @names = @_;
    my $most  = 20;
    my $shown = join ', ', map { qq{"$_"} } @names[ 0 .. ($#names < $most - 1 ? $#names : $most - 1) ];
    return @names > $most ? "$shown and " . (@names - $most) . ' more' : $shown;
}

sub _invalid { Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT, $_[0]) }

# [\@names, \%column_of_name], read once per model.
sub _feature_columns {
    my ($self) = @_;
    return $self->{columns} if $self->{columns};
    my $names = $self->feature_names;    # dies with PS_ERR_INVALID_HANDLE after close
    my %column;
    for my $i (0 .. $#$names) {
        my $name = $names->[$i];
        _invalid("the model file names no feature $i, so rows cannot be given by feature name: "
                 . "pass array refs in the model's feature order") if $name eq '';
        _invalid("the model names features $column{$name} and $i both \"$name\", so rows cannot be "
                 . "given by feature name: pass array refs in the model's feature order")
            if exists $column{$name};
        $column{$name} = $i;
    }
    return $self->{columns} = [ $names, \%column ];
}

# Hash refs of feature values as flat values in the model's feature order. $where->($r)
# names row $r in messages.
sub _named_rows {
    my ($self, $rows, $where) = @_;
    my ($names, $column) = @{ $self->_feature_columns };
    my @flat;
    for my $r (0 .. $#$rows) {
        my $row = $rows->[$r];
        _invalid($where->($r) . ' is not a hash ref of feature values ({name => value}): '
                 . (ref $row || (defined $row ? "'$row'" : 'undef'))) unless ref $row eq 'HASH';
        my @unknown = sort grep { !exists $column->{$_} } keys %$row;
        my @missing = grep { !exists $row->{$_} } @$names;
        if (@unknown || @missing) {
            my @parts;
            push @parts, 'unknown feature' . (@unknown > 1 ? 's ' : ' ') . _quote_some(@unknown) if @unknown;
            push @parts, 'missing feature' . (@missing > 1 ? 's ' : ' ') . _quote_some(@missing)
                . ' (use undef for a missing value)' if @missing;
            _invalid($where->($r) . " does not match the model's features (" . _quote_some(@$names) . '): '
                     . join('; ', @parts));
        }
        push @flat, @{$row}{@$names};
    }
    return \@flat;
}

# $m->predict(\@rows, $n_rows, {output => 'value'|'margin'|'leaf'|'contrib'|'interactions',
#   iteration_begin, iteration_end, dtype => 'float64'|'float32', threads, base_margin,
#   shap_algorithm => 'auto'|'treeshap'|'quadrature'})
# -> array ref of n_rows * k doubles, row after row. \@rows is flat (row-major) or an
# array of row array refs (then $n_rows may be undef), or of hash refs by feature name
# ({amount_zscore => 0.4, velocity => 1.2}: every feature of ->feature_names, nothing
# else, in any order). undef or 'nan' is a missing value. An empty list is no rows and gives an empty result. base_margin: per-row
# margin offsets (XGBoost's base_margin, LightGBM's init_score), n_rows * num_margins
# numbers, flat or one array ref per row; they take the place of the base score.
# shap_algorithm: which SHAP algorithm explains a tree model for contrib and interactions
# output: 'auto' (default: as the library that wrote the file, XGBoost 3.3+ files by
# QuadratureTreeSHAP, older ones and LightGBM by exact TreeSHAP), 'treeshap' (XGBoost
# <= 3.2's, LightGBM's and shap's bits), 'quadrature' (XGBoost 3.3+'s, for every file it
# loads; XGBoost models only).
sub predict {
    my ($self, $rows, $n_rows, $opts) = @_;
    $opts = Polyscore::_check_options($opts || {},
        qw(output iteration_begin iteration_end dtype threads base_margin shap_algorithm));
    if (ref $rows eq 'ARRAY' && @$rows && ref $rows->[0] eq 'HASH') {
        $n_rows //= scalar @$rows;
        $rows = $self->_named_rows($rows, sub { "row $_[0]" });
    } elsif (ref $rows eq 'ARRAY' && @$rows && ref $rows->[0] eq 'ARRAY') {
        $n_rows //= scalar @$rows;
        $rows = [ map { @$_ } @$rows ];
    }
    $n_rows //= 0 if ref $rows eq 'ARRAY' && !@$rows;
    Polyscore::Error->throw($polyscore_swig::PS_ERR_INVALID_ARGUMENT, 'n_rows is required')
        unless defined $n_rows;
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    my $dtype  = Polyscore::_pick(\%Polyscore::DTYPE, 'dtype', $opts->{dtype}, 'float64');
    my $threads = $opts->{threads} // $DEFAULT{num_threads};
    return $self->{h}->predict($rows, $n_rows, $output, _range($opts), $dtype, $threads,
                               _shap_algorithm($opts), _base_margin($opts->{base_margin}));
}

# $m->predict_row(\@row, {output, iteration_begin, iteration_end, base_margin,
# shap_algorithm}) -> array
# ref. \@row may be a hash ref by feature name, as in predict. base_margin: the row's offsets, an array ref of num_margins numbers.
sub predict_row {
    my ($self, $row, $opts) = @_;
    $opts = Polyscore::_check_options($opts || {},
        qw(output iteration_begin iteration_end base_margin shap_algorithm));
    $row = $self->_named_rows([$row], sub { 'the row' }) if ref $row eq 'HASH';
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    return $self->{h}->predict_row($row, $output, _range($opts), _shap_algorithm($opts),
                                   $opts->{base_margin});
}

sub output_size {
    my ($self, $n_rows, $opts) = @_;
    $opts = Polyscore::_check_options($opts || {},
        qw(output iteration_begin iteration_end shap_algorithm));
    my $output = Polyscore::_pick(\%Polyscore::OUTPUT, 'output', $opts->{output}, 'value');
    return $self->{h}->output_size($n_rows, $output, _range($opts), _shap_algorithm($opts));
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

# The training categories the model file saved (ABI 5; polyscore/model.h): an array ref
# of lists, each a hash ref {feature => index (undef for LightGBM's lists, which name no
# feature), values => [texts, in code order], kinds => [PS_CATEGORY_* kinds]}. A text is
# the value as the file wrote it (UTF-8 bytes; digits for an integer category). Empty
# when the file saved none; ->categories_saved tells "none" (0) from "an empty set" (1).
sub categories {
    my ($self) = @_;
    my $h = $self->{h};
    my @lists;
    for my $l (0 .. $h->category_list_count - 1) {
        my $feature = $h->category_list_feature($l);
        my $n = $h->category_list_size($l);
        push @lists, {
            feature => ($feature < 0 ? undef : $feature),
            values  => [ map { $h->category($l, $_) } 0 .. $n - 1 ],
            kinds   => [ map { $h->category_kind($l, $_) } 0 .. $n - 1 ],
        };
    }
    return \@lists;
}

sub categories_saved { $_[0]{h}->categories_saved }

# The indices of the features some split of the model tests as a category (ABI 6,
# ps_model_feature_categorical), ascending, as an array ref; empty for numeric splits
# only. Such a feature takes category codes, whether or not the file saved its
# categories: XGBoost before 3.1 and LightGBM trained on arrays save none, and then a row
# must carry the codes the training data had.
sub categorical_features {
    my ($self) = @_;
    my $n = $self->info->{num_features};
    return [ grep { $self->{h}->feature_categorical($_) } 0 .. $n - 1 ];
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
  my $q = $m->predict([{velocity => 1.2, amount_zscore => 0.4}]);   # by feature name
  $m->close;

Errors die with a L<Polyscore::Error> (code, name, message).

=cut
