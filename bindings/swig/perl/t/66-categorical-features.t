# ->categorical_features (ABI 6): the features a model's splits test as categories, equal
# to the split types read straight from the model files (tools/categorical_tsv.py) for
# categorical models with and without training categories and numeric-only ones; a
# feature index out of range and a closed model are the library's errors.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT $VECTORS $SWIG_BUILD);
use Polyscore;

my $tsv = "$SWIG_BUILD/categorical.tsv";
system('python3', "$ROOT/bindings/swig/tools/categorical_tsv.py", $VECTORS, $tsv) == 0
    or die "categorical_tsv.py failed";
open my $f, '<', $tsv or die "$tsv: $!";
my $with_categorical = 0;
while (my $line = <$f>) {
    chomp $line;
    my ($model, $splits) = split /\t/, $line, -1;
    my @expected = split / /, $splits;
    $with_categorical++ if @expected;
    my $m = Polyscore::Model->load("$VECTORS/$model");
    is_deeply($m->categorical_features, \@expected, "$model: [@expected]");
    $m->close;
}
close $f;
is($with_categorical, 7, 'seven of the models have categorical splits');

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
