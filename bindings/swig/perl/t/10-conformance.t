# Every case of tests/vectors/manifest.json, every output kind: the binding's result has
# the same bits as the C library's (CLI, or ps_ref for iteration ranges and float32) and
# is within the C tests' tolerance of the training library's expected values.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($VECTORS read_csv flat c_reference same_bits close_enough manifest);
use Polyscore;

my @cases = @{ manifest() };
cmp_ok(scalar @cases, '>', 0, scalar(@cases) . ' cases in the manifest');
my %seen;
for my $c (@cases) {
    my $m = Polyscore::Model->load("$VECTORS/$c->{model}");
    is($m->info->{num_features}, $c->{num_features}, "$c->{name}: num_features");
    my $rows = read_csv("$VECTORS/$c->{input}");
    my $x = flat($rows);
    my $f32 = $c->{dtype} eq 'float32';
    for my $out (sort keys %{ $c->{outputs} }) {
        my $o = { output => $out, iteration_begin => $c->{iteration_begin},
                  iteration_end => $c->{iteration_end}, dtype => $c->{dtype} };
        my $got = $m->predict($x, scalar @$rows, $o);
        my $bad = same_bits($got, c_reference($c, $out));
        is($bad, -1, "$c->{name} $out: bit-equal to the C library") or diag("first difference at $bad");
        my $spec = $c->{outputs}{$out};
        my $want = flat(read_csv("$VECTORS/$spec->{file}"));
        $bad = close_enough($got, $want, $f32 ? 1e-5 : 1e-6);
        is($bad, -1, "$c->{name} $out: matches the training library") or diag("first difference at $bad");
        $seen{$out}++;
        $seen{$c->{dtype}}++;
        $seen{range}++ if $c->{iteration_begin} || $c->{iteration_end};
        # The single-row path gives the same bits as the batch (float64 takes doubles).
        next if $f32;
        my $k = @$got / @$rows;
        my $row_ok = 1;
        my %row_opts = %$o;
        delete $row_opts{dtype};    # predict_row takes doubles; it has no dtype option
        for my $r (0 .. ($#$rows < 4 ? $#$rows : 4)) {
            my $one = $m->predict_row($rows->[$r], \%row_opts);
            $row_ok = 0 if same_bits($one, [ @$got[ $r * $k .. $r * $k + $k - 1 ] ]) != -1;
        }
        ok($row_ok, "$c->{name} $out: predict_row equals predict");
    }
    $m->close;
}
ok($seen{$_}, "covered $_ ($seen{$_})") for qw(value margin leaf float32 float64 range);
done_testing;
