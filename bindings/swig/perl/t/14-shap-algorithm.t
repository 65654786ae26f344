# The shap_algorithm option (ps_predict_options.shap_algorithm, ABI 6), bit for bit against
# the training libraries' vectors: xgb34_* files were explained by XGBoost 3.4.1
# (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact TreeSHAP), so each case gives
# its vector under its own algorithm and not under the other; under the other it gives the
# cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0 explaining the 3.4.1 file,
# XGBoost 3.4.1 explaining the 3.2.0 file).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($VECTORS read_csv flat same_bits manifest);
use Polyscore;

my %case = map { $_->{name} => $_ } @{ manifest() };
my %cross = do {
    require JSON::PP;
    open my $fh, '<', "$VECTORS/shap_algorithms/manifest.json" or die $!;
    local $/;
    map { $_->{name} => $_ } @{ JSON::PP->new->decode(<$fh>)->{cases} };
};

# The other XGBoost's output for a case under an algorithm (its own bits), flat.
sub cross_vector {
    my ($name, $algorithm, $output) = @_;
    my $c = $cross{"$name.$algorithm"} or die "no cross vector $name.$algorithm";
    return flat(read_csv("$VECTORS/shap_algorithms/$c->{$output}{file}"));
}

sub load_case {
    my ($name) = @_;
    my $c = $case{$name} or die "no case $name";
    my $rows = read_csv("$VECTORS/$c->{input}");
    return ($c, Polyscore::Model->load("$VECTORS/$c->{model}"), flat($rows), scalar @$rows);
}

sub contrib {
    my ($m, $x, $n, $algorithm) = @_;
    return $m->predict($x, $n, { output => 'contrib', defined $algorithm ? (shap_algorithm => $algorithm) : () });
}

{   # XGBoost 3.4.1's file and vector: QuadratureTreeSHAP
    my ($c, $m, $x, $n) = load_case('xgb34_binary_logistic');
    my $want = flat(read_csv("$VECTORS/$c->{outputs}{contrib}{file}"));
    is(same_bits(contrib($m, $x, $n), $want), -1, 'xgb34: auto gives XGBoost 3.4.1\'s bits');
    is(same_bits(contrib($m, $x, $n, 'quadrature'), $want), -1, 'xgb34: quadrature gives them');
    my $exact = contrib($m, $x, $n, 'treeshap');
    isnt(same_bits($exact, $want), -1, 'xgb34: treeshap does not');
    is(same_bits($exact, cross_vector($c->{name}, 'treeshap', 'contrib')), -1,
       'xgb34: treeshap gives XGBoost 3.2.0\'s bits for the 3.4.1 file');
    my $spec = $c->{interactions};
    my $wanti = flat(read_csv("$VECTORS/$spec->{file}"));
    my $ni = $spec->{shape}[0];
    my @xi = @$x[0 .. $ni * $c->{num_features} - 1];
    is(same_bits($m->predict(\@xi, $ni, { output => 'interactions', shap_algorithm => 'quadrature' }), $wanti),
       -1, 'xgb34 interactions: quadrature gives XGBoost 3.4.1\'s bits');
    isnt(same_bits($m->predict(\@xi, $ni, { output => 'interactions', shap_algorithm => 'treeshap' }), $wanti),
         -1, 'xgb34 interactions: treeshap does not');
    for my $bad ('exact', 'QUADRATURE', '') {
        my $ok = eval { contrib($m, $x, $n, $bad); 1 };
        my $err = $@;
        ok(!$ok && ref $err && $err->name eq 'PS_ERR_INVALID_ARGUMENT'
           && $err->message =~ /shap_algorithm '\Q$bad\E'.*auto, quadrature, treeshap/,
           "unknown shap_algorithm '$bad' dies naming it and the names") or diag("$err");
    }
    my $ok = eval { $m->predict_row([ @$x[0 .. $c->{num_features} - 1] ], { output => 'contrib', shap_algorithm => 'exact' }); 1 };
    ok(!$ok && $@->name eq 'PS_ERR_INVALID_ARGUMENT', 'predict_row refuses it too');
    $m->close;
}

{   # XGBoost 3.2.0's file and vector: exact TreeSHAP
    my ($c, $m, $x, $n) = load_case('xgb3_binary_logistic');
    my $want = flat(read_csv("$VECTORS/$c->{outputs}{contrib}{file}"));
    is(same_bits(contrib($m, $x, $n), $want), -1, 'xgb3: auto gives XGBoost 3.2.0\'s bits');
    is(same_bits(contrib($m, $x, $n, 'treeshap'), $want), -1, 'xgb3: treeshap gives them');
    my $quad = contrib($m, $x, $n, 'quadrature');
    isnt(same_bits($quad, $want), -1, 'xgb3: quadrature does not');
    is(same_bits($quad, cross_vector($c->{name}, 'quadrature', 'contrib')), -1,
       'xgb3: quadrature gives XGBoost 3.4.1\'s bits for the 3.2.0 file');
    my $k = $c->{num_features} + 1;
    my $row = $m->predict_row([ @$x[0 .. $c->{num_features} - 1] ], { output => 'contrib', shap_algorithm => 'quadrature' });
    is(same_bits($row, [ @$quad[0 .. $k - 1] ]), -1, 'predict_row takes it');
    is($m->output_size(2, { output => 'contrib', shap_algorithm => 'treeshap' }), 2 * $k, 'output_size takes it');
    $m->close;
}

{   # LightGBM computes no QuadratureTreeSHAP
    my ($c, $m, $x, $n) = load_case('lgb4_binary');
    my $ok = eval { contrib($m, $x, $n, 'quadrature'); 1 };
    my $err = $@;
    ok(!$ok && ref $err && $err->name eq 'PS_ERR_UNSUPPORTED' && $err->message =~ /quadrature/i,
       'quadrature on LightGBM dies with PS_ERR_UNSUPPORTED') or diag("$err");
    is(same_bits(contrib($m, $x, $n, 'treeshap'), contrib($m, $x, $n)), -1, 'LightGBM: treeshap is its own algorithm');
    $m->close;
}

done_testing;
