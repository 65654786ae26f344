# ->categorical_features (ABI 6): the features a model's splits test as categories, as
# tests/vectors/categorical_features.json has them (read straight from the model files by
# tests/gen/make_categorical_feature_vectors.py) for categorical models with and without
# training categories and numeric-only ones; a feature index out of range and a closed
# model are the library's errors.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($VECTORS);
use Polyscore;

open my $f, '<', "$VECTORS/categorical_features.json" or die "categorical_features.json: $!";
my $cases = JSON::PP->new->decode(do { local $/; <$f> })->{cases};
close $f;
my ($with_categorical, $numeric_only) = (0, 0);
for my $c (@$cases) {
    my @expected = @{ $c->{categorical_features} };
    @expected ? $with_categorical++ : $numeric_only++;
    my $m = Polyscore::Model->load("$VECTORS/$c->{model}");
    is_deeply($m->categorical_features, \@expected, "$c->{model}: [@expected]");
    $m->close;
}
ok($with_categorical && $numeric_only, "$with_categorical models with categorical splits, $numeric_only numeric-only");

my $m = Polyscore::Model->load("$VECTORS/models/lgb4_categorical.txt");
my $n = $m->num_features;
is($m->{h}->feature_categorical(1), 1, 'feature 1 is categorical');
is($m->{h}->feature_categorical(0), 0, 'feature 0 is not');
eval { $m->{h}->feature_categorical($n) };
is($@ && $@->name, 'PS_ERR_SHAPE', 'an index out of range: PS_ERR_SHAPE');
like($@ && $@->message, qr/feature index $n is out of range/, 'naming the index');
eval { $m->{h}->feature_categorical(-1) };
is($@ && $@->name, 'PS_ERR_INVALID_ARGUMENT', 'a negative index: PS_ERR_INVALID_ARGUMENT');
$m->close;
eval { $m->categorical_features };
is($@ && $@->name, 'PS_ERR_INVALID_HANDLE', 'after close: PS_ERR_INVALID_HANDLE');
done_testing;
