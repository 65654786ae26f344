# Rows given by feature name (hash refs) score as the same rows in the model's order;
# a missing or unknown name dies with PS_ERR_INVALID_ARGUMENT naming it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT $VECTORS);
use Polyscore;

my $m = Polyscore::Model->load("$ROOT/examples/fraud/fraud-v3.json");
is_deeply($m->feature_names, [qw(amount_zscore velocity)], 'feature names');

my @rows = ([0.4, 1.2], [-1.0, undef], [2.5, -0.3]);
my @named = map { { velocity => $_->[1], amount_zscore => $_->[0] } } @rows;
is_deeply($m->predict(\@named, undef, {output => 'margin'}), $m->predict(\@rows, undef, {output => 'margin'}),
          'hash refs score as array refs in the model order');
is_deeply($m->predict_row({velocity => 1.2, amount_zscore => 0.4}), $m->predict_row([0.4, 1.2]),
          'predict_row takes a hash ref');
isnt($m->predict_row({velocity => 0.4, amount_zscore => 1.2})->[0], $m->predict_row([0.4, 1.2])->[0],
     'the names, not the order, place the values');

# A LightGBM model (features Column_0 ...), names in reverse order.
my $lgb = Polyscore::Model->load("$VECTORS/models/lgb4_binary.txt");
my $names = $lgb->feature_names;
my @x = ([0.5, -1.25, 3, 0, 7.5], [undef, 2, -0.5, 1, 0]);
my @x_named = map { my $row = $_; +{ map { ($names->[$_] => $row->[$_]) } reverse 0 .. $#$names } } @x;
is_deeply($lgb->predict(\@x_named), $lgb->predict(\@x), 'LightGBM model by name');

sub dies_like {
    my ($code, $re, $label) = @_;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    subtest $label => sub {
        ok(!$ok, 'dies');
        isa_ok($err, 'Polyscore::Error');
        is(eval { $err->name }, 'PS_ERR_INVALID_ARGUMENT', 'PS_ERR_INVALID_ARGUMENT');
        like(eval { $err->message } // '', $re, 'message');
    };
}

dies_like(sub { $m->predict([{amount_zscore => 0.4, velocity => 1}, {amount_zscore => 0.4}]) },
          qr/^row 1 does not match the model's features \("amount_zscore", "velocity"\): missing feature "velocity"/,
          'missing feature');
dies_like(sub { $m->predict([{amount_zscore => 0.4, velocity => 1, speed => 2}]) },
          qr/row 0 .*: unknown feature "speed"$/, 'unknown feature');
dies_like(sub { $m->predict_row({amount => 0.4, velocity => 1}) },
          qr/^the row .*unknown feature "amount"; missing feature "amount_zscore"/, 'predict_row mismatch');
dies_like(sub { $m->predict([{amount_zscore => 0.4, velocity => 1}, [0.4, 1]]) },
          qr/^row 1 is not a hash ref of feature values/, 'a row that is not a hash ref');

my $unnamed = Polyscore::Model->load("$VECTORS/models/xgb3_binary_logistic.json");
dies_like(sub { $unnamed->predict([{f0 => 1}]) }, qr/the model file names no feature 0/,
          'a model without feature names');
done_testing;
