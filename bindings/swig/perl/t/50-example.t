# The fraud example: examples/fraud.pl prints the probabilities of expected.csv.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT close_enough);

my $script = "$ROOT/bindings/swig/examples/fraud.pl";
open my $fh, '-|', $^X, (map { "-I$_" } @INC), $script or die $!;
my @got = map { chomp; $_ + 0 } <$fh>;
ok(close($fh), 'example exits 0');

open my $ex, '<', "$ROOT/examples/fraud/expected.csv" or die $!;
<$ex>;
my @want = map { chomp; (split /,/)[-1] + 0 } grep { /\S/ } <$ex>;
is(scalar @got, scalar @want, scalar(@want) . ' rows scored');
is(close_enough(\@got, \@want, 1e-12), -1, 'probabilities equal expected.csv');
done_testing;
